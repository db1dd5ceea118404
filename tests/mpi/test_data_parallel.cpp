// Data-parallel training against one process, run under `mpirun -np N` (tests/CMakeLists.txt
// runs it with 2 and 3 processes). For each model, every rank trains K steps on its shard of
// the same global batches; then
//   - every rank's weights must equal rank 0's exactly (they apply the same summed gradients),
//   - rank 0's weights must equal those of one process trained on the whole global batches,
//     within kTolerance: the sums over the ranks add the same terms in another order.
// A model with BatchNorm is also trained with per-rank statistics (the default): those runs
// must differ from one process, which is why synchronized BatchNorm exists.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "xgan/distributed/mpi.hpp"
#include "xgan/models/tutorials.hpp"
#include "xgan/xgan.hpp"

namespace {

using namespace xgan;

// |data-parallel - one process| <= kTolerance * max(1, |one process|) for every value of the
// networks' state (weights, biases, BatchNorm running statistics) after the model's steps.
// dcgan takes one step: where a ReLU or LeakyReLU input lies within rounding of 0, the other
// order of the sums gives it the other slope, and later steps amplify that. Seen on a 2-core
// AVX-512 EPYC over trainer seeds 1 to 12, 2 processes: after one step at most 1.2e-4 (most
// seeds below 1e-7), with per-rank BatchNorm 2e-3 to 3.5e-3; after four steps up to 6e-3 with
// synchronized BatchNorm, as after four steps before the random draws became counter-based
// (1.1e-3 there).
constexpr double kTolerance = 1e-3;
constexpr int kSteps = 4;
constexpr std::size_t kBatch = 64;

int failures = 0;
distributed::MpiCommunicator* world = nullptr;

void fail(const std::string& what) {
    std::fprintf(stderr, "rank %d: FAILED: %s\n", world->rank(), what.c_str());
    ++failures;
}

// A small MLP GAN with Dropout in D (its masks must follow the sample, not the rank).
struct DropoutMlp {
    using G = Sequential<Linear<16, 64>, LeakyReLU<ratio(0.2)>, Linear<64, 196>, Tanh, Reshape<1, 14, 14>>;
    using D = Sequential<Flatten, Linear<196, 64>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>, Linear<64, 1>>;
    using gan = Gan<G, D, Shape<16>, objective::BceWithLogits>;
};

// Every value of G's and D's state (trained: only the trained parameters), in a fixed order.
template <class GanT>
std::vector<double> state_of(GanTrainer<GanT>& t, bool trained = false) {
    std::vector<double> out;
    const auto take = [&](const auto& e) {
        if (e.value && (!trained || e.trainable()))
            for (std::size_t i = 0; i < e.numel(); ++i) out.push_back(double(e.value[i]));
    };
    t.generator().visit_state(take, "");
    t.discriminator().visit_state(take, "");
    return out;
}

// Synthetic images in [-1, 1] and labels, the same on every rank.
template <class Sample>
struct Data {
    std::vector<float> images;
    std::vector<std::int32_t> labels;
    std::size_t count;
    Data(std::size_t n, std::size_t classes) : images(n * Sample::size), labels(n), count(n) {
        Rng rng(42);
        for (auto& v : images) v = float(rng.uniform(-1.0, 1.0));
        for (std::size_t i = 0; i < n; ++i) labels[i] = classes ? std::int32_t(i % classes) : 0;
    }
    // Rows [begin, begin + n) of global batch b into `out` (and their labels).
    void rows(std::size_t b, std::size_t begin, std::size_t n, Tensor<Sample, Cpu>& out, std::vector<std::int32_t>& l) const {
        out.resize(n);
        l.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t idx = (b * kBatch + begin + i) % count;
            std::copy_n(images.data() + idx * Sample::size, Sample::size, out.sample(i));
            l[i] = labels[idx];
        }
    }
};

// `steps` generator steps of `critic` D updates each; comm: this rank's shard of every batch.
template <class GanT>
void train(GanTrainer<GanT>& t, const Data<typename GanT::sample_shape>& data, int critic, distributed::Communicator* comm,
           int steps) {
    Tensor<typename GanT::sample_shape, Cpu> real;
    std::vector<std::int32_t> labels;
    std::size_t batch = 0;
    for (int step = 0; step < steps; ++step) {
        for (int c = 0; c < critic; ++c, ++batch) {
            const auto rows = comm ? distributed::shard_of(kBatch, comm->rank(), comm->size()) : distributed::Shard{0, kBatch, kBatch};
            data.rows(batch, rows.begin, rows.count, real, labels);
            const std::span<const std::int32_t> l = GanT::classes ? std::span<const std::int32_t>(labels) : std::span<const std::int32_t>();
            if (critic == 1) {
                t.train_step(real, l);
            } else {
                t.discriminator_step(real, l);
                if (c == critic - 1) t.generator_step(true, real.batch());
            }
        }
    }
}

optim::OptimizerOptions sgd(double lr) {
    optim::OptimizerOptions o;
    o.kind = optim::Kind::sgd;
    o.lr = lr;
    o.momentum = 0.5;
    return o;
}

// Largest |a - b| / max(1, |b|).
double max_relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
    return worst;
}

template <class GanT>
void check_model(const char* name, GanOptions options, int critic, bool sync_batchnorm, bool expect_equal = true,
                 int steps = kSteps) {
    const Data<typename GanT::sample_shape> data(200, GanT::classes);
    auto parallel = std::make_unique<GanTrainer<GanT>>(options, 7);
    parallel->set_communicator(world, sync_batchnorm);
    train(*parallel, data, critic, world, steps);
    const std::vector<double> mine = state_of(*parallel);

    // Rank 0's weights on every rank: a sum in which the other ranks add zeros is exact.
    // (BatchNorm's running statistics are per rank unless synchronized, as in PyTorch's DDP.)
    const std::vector<double> weights = state_of(*parallel, true);
    std::vector<double> rank0 = world->rank() == 0 ? weights : std::vector<double>(weights.size(), 0.0);
    world->sum(rank0.data(), rank0.size());
    double differing = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) differing += weights[i] != rank0[i];
    world->sum(&differing, 1);
    const std::string what = std::string(name) + (sync_batchnorm ? " (synchronized BatchNorm)" : "");
    if (differing > 0) fail(what + ": " + std::to_string(std::int64_t(differing)) + " state values differ between the ranks");

    if (world->rank() != 0) return;
    auto single = std::make_unique<GanTrainer<GanT>>(options, 7);
    train(*single, data, critic, nullptr, steps);
    const double diff = max_relative_difference(mine, state_of(*single));
    std::printf("%-40s %d processes: max relative difference to one process %.3g\n", what.c_str(), world->size(), diff);
    if (expect_equal && !(diff <= kTolerance))
        fail(what + ": differs from one process by " + std::to_string(diff) + " > " + std::to_string(kTolerance));
    if (!expect_equal && world->size() > 1 && !(diff > kTolerance))
        fail(what + ": per-rank BatchNorm statistics should make it differ from one process, but the difference is " +
             std::to_string(diff));
}

}  // namespace

int main(int argc, char** argv) {
    distributed::MpiSession session(&argc, &argv);
    distributed::MpiCommunicator comm;
    world = &comm;
    if (comm.size() < 2) std::printf("note: run with mpirun -np 2 or more; one process checks nothing distributed\n");

    GanOptions plain;
    check_model<models::Mlp::gan>("mlp", plain, 1, false);

    // Label smoothing, noisy and flipped targets, instance noise: every draw of the global batch.
    GanOptions tricks;
    tricks.labels.real_low = 0.7, tricks.labels.real_high = 1.0, tricks.labels.flip = 0.1;
    tricks.instance_noise = 0.1;
    check_model<DropoutMlp::gan>("mlp with dropout, noisy labels, noise", tricks, 1, false);

    // The dcgan and wgan-gp generators (and dcgan's D) have convolutions with a bias before a
    // BatchNorm, which cancels it: that bias's gradient is rounding noise, which Adam scales up
    // to steps of ±lr in any order of summation, one process or many. SGD's step is linear in
    // the gradient, so these compare the gradients themselves.
    // Experience replay: every rank gathers the batch's fakes and keeps the one process's buffer.
    GanOptions replay = tricks;
    replay.replay = 0.5;
    replay.replay_size = 24;
    replay.ema = 0.9;
    check_model<DropoutMlp::gan>("mlp with dropout and experience replay", replay, 1, false);

    GanOptions dcgan;
    dcgan.init = Init::dcgan;
    dcgan.generator_optimizer = dcgan.discriminator_optimizer = sgd(0.005);
    check_model<models::Dcgan::gan>("dcgan", dcgan, 1, true, true, 1);
    check_model<models::Dcgan::gan>("dcgan (per-rank BatchNorm)", dcgan, 1, false, false, 1);

    GanOptions wgan;
    wgan.generator_optimizer = wgan.discriminator_optimizer = sgd(0.01);
    check_model<models::WganGp::gan>("wgan-gp", wgan, 3, true);
    check_model<models::CwganGp::gan>("cwgan-gp (conditional)", wgan, 2, true);

    double all = failures;
    comm.sum(&all, 1);
    if (comm.rank() == 0) std::printf("%s\n", all == 0 ? "all data-parallel checks passed" : "data-parallel checks FAILED");
    return all == 0 ? 0 : 1;
}
