// Data-parallel scaling: training steps per second of a tutorial model over the processes
// it is started as (mpirun -np N), with T TBB threads each, and the share of a step spent in
// the gradient and statistics sums (MPI_Allreduce; with several processes it includes the
// wait for the slowest). A step is one D and one G update. Run by bench/data_parallel.sh:
//   mpirun -np 2 bench_data_parallel dcgan 40 1     # 2 processes x 1 thread, 40 timed steps
// The global batch is the model's default batch size whatever the process count.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <tbb/global_control.h>

#include "xgan/distributed/mpi.hpp"
#include "xgan/models/tutorials.hpp"
#include "xgan/xgan.hpp"

namespace {

using namespace xgan;
using Clock = std::chrono::steady_clock;

// MpiCommunicator that adds up the time spent in its sums.
class TimedCommunicator final : public distributed::Communicator {
public:
    int rank() const override { return mpi_.rank(); }
    int size() const override { return mpi_.size(); }
    void sum(float* d, std::size_t n) override { timed([&] { mpi_.sum(d, n); }, n * sizeof(float)); }
    void sum(double* d, std::size_t n) override { timed([&] { mpi_.sum(d, n); }, n * sizeof(double)); }
    [[noreturn]] void abort(int code) noexcept override { mpi_.abort(code); }
    double seconds = 0;
    double bytes = 0;

private:
    template <class F>
    void timed(F&& f, std::size_t b) {
        const auto t0 = Clock::now();
        f();
        seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        bytes += double(b);
    }
    distributed::MpiCommunicator mpi_;
};

template <class Model>
int run(int steps, int threads) {
    using GanT = typename Model::gan;
    using Sample = typename GanT::sample_shape;
    TimedCommunicator comm;
    const TrainingDefaults defaults = Model::defaults();
    const std::size_t global = defaults.batch_size;
    const auto shard = distributed::shard_of(global, comm.rank(), comm.size());
    GanOptions options;
    options.init = defaults.init;
    auto trainer = std::make_unique<GanTrainer<GanT>>(options, 1);
    trainer->set_communicator(&comm);
    Tensor<Sample, Cpu> real(shard.count);
    Rng rng(2);
    for (auto& v : real.values()) v = float(rng.uniform(-1.0, 1.0));
    for (int i = 0; i < 3; ++i) trainer->train_step(real);  // warm-up: buffers sized, pages touched
    comm.seconds = comm.bytes = 0;
    const auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) trainer->train_step(real);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    double worst[2] = {seconds, comm.seconds};  // rank 0 reports; every rank ran as long
    if (comm.rank() == 0)
        std::printf("%s: %d process(es) x %d thread(s), global batch %zu: %.2f steps/s, sums %.1f%% of a step, "
                    "%.2f MB summed per step\n",
                    Model::name, comm.size(), threads, global, steps / worst[0], 100 * worst[1] / worst[0],
                    comm.bytes / steps / 1e6);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    backend::tune_process(argv);  // as the xgan tool: OpenBLAS's AVX-512 kernels where there are some
    distributed::MpiSession session(&argc, &argv);
    const std::string model = argc > 1 ? argv[1] : "dcgan";
    const int steps = argc > 2 ? std::atoi(argv[2]) : 40;
    const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
    if (model == "mlp") return run<models::Mlp>(steps, threads);
    if (model == "dcgan") return run<models::Dcgan>(steps, threads);
    if (model == "wgan-gp") return run<models::WganGp>(steps, threads);
    if (model == "dcgan64") return run<models::Dcgan64>(steps, threads);
    std::fprintf(stderr, "bench_data_parallel: model mlp, dcgan, wgan-gp or dcgan64, not %s\n", model.c_str());
    return 2;
}
