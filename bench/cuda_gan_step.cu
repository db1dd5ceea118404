// Training steps on the GPU (XGAN_CUDA=ON, xgan::Cuda), as bench_gan_step times them on the CPU:
//   BM_cuda_train_step/<model>   GanTrainer::train_step on a fixed random batch (dcgan, dcgan64)
//   BM_cuda_wgan_gp_step/wgan-gp64  critic_steps critic updates + one generator update
//   BM_cublas_sgemm/<n>          an n x n x n SGEMM through the backend: cuBLAS's rate on this GPU
// then, per model, one step under ProfiledBackend<Cuda> (each kernel waited for): each kernel's
// share of the step and the GEMMs' sustained rate, to set beside cuBLAS's.
// Every step returns its losses to the host, so a step's wall time includes all its GPU work.
// bench/torch_gan_step.py --device cuda times PyTorch eager on the same GPU.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <cstdint>
#include <vector>

#include <xgan/backend/cuda.hpp>
#include <xgan/backend/profiled.hpp>
#include <xgan/models/tutorials.hpp>

#include "model_options.hpp"

namespace {

using xgan::Cuda;
constexpr std::uint64_t seed = 1;

template <class S>
xgan::Tensor<S, Cuda> random_batch(std::size_t n, xgan::Rng& rng) {
    std::vector<float> h(n * S::size);
    rng.fill_uniform(h.data(), h.size(), -1.0, 1.0);
    xgan::Tensor<S, Cuda> t(n);
    Cuda::copy_from_host(h.data(), h.size(), t.data());
    return t;
}

template <class M>
void BM_cuda_train_step(benchmark::State& state) {
    using gan = xgan::with_backend_t<typename M::gan, Cuda>;
    const int n = M::defaults().batch_size;
    xgan::GanTrainer<gan> trainer(model_options<M>(), seed);
    xgan::Rng data_rng(seed + 1);
    const auto real = random_batch<typename gan::sample_shape>(std::size_t(n), data_rng);
    std::vector<std::int32_t> labels;
    if constexpr (gan::classes > 0)
        for (int i = 0; i < n; ++i) labels.push_back(std::int32_t(i % int(gan::classes)));
    for (int i = 0; i < 3; ++i) trainer.train_step(real, labels);  // buffers sized, pool filled
    for (auto _ : state) benchmark::DoNotOptimize(trainer.train_step(real, labels));
    state.counters["batch"] = n;
    state.counters["samples/s"] = benchmark::Counter(double(n) * double(state.iterations()), benchmark::Counter::kIsRate);
}

template <class M>
void BM_cuda_wgan_gp_step(benchmark::State& state) {
    using gan = xgan::with_backend_t<typename M::gan, Cuda>;
    const auto d = M::defaults();
    xgan::GanTrainer<gan> trainer(model_options<M>(), seed);
    xgan::Rng data_rng(seed + 1);
    std::vector<xgan::Tensor<typename gan::sample_shape, Cuda>> real;
    for (int k = 0; k < d.critic_steps; ++k) real.push_back(random_batch<typename gan::sample_shape>(std::size_t(d.batch_size), data_rng));
    auto step = [&] {
        for (const auto& r : real) benchmark::DoNotOptimize(trainer.discriminator_step(r).penalty);
        benchmark::DoNotOptimize(trainer.generator_step(true, std::size_t(d.batch_size)));
    };
    step();
    for (auto _ : state) step();
    state.counters["batch"] = d.batch_size;
    state.counters["critic_steps"] = d.critic_steps;
}

void BM_cublas_sgemm(benchmark::State& state) {
    const int n = int(state.range(0));
    xgan::backend::cuda::DeviceVector<float> a(std::size_t(n) * n, 0.5f), b(std::size_t(n) * n, 0.25f), c(std::size_t(n) * n);
    using xgan::backend::Trans;
    Cuda::gemm(Trans::no, Trans::no, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    xgan::backend::cuda::Runtime::get().synchronize();
    for (auto _ : state) {
        for (int i = 0; i < 10; ++i)
            Cuda::gemm(Trans::no, Trans::no, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
        xgan::backend::cuda::Runtime::get().synchronize();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * double(n) * 10 * double(state.iterations()) * 1e-9,
                                                   benchmark::Counter::kIsRate);
}

// One step of M on ProfiledBackend<Cuda> after two untimed ones: kernel shares and GEMM rate.
template <class M>
void print_kernel_shares(const char* name) {
    using P = xgan::backend::ProfiledBackend<Cuda>;
    using gan = xgan::with_backend_t<typename M::gan, P>;
    const auto d = M::defaults();
    xgan::GanTrainer<gan> trainer(model_options<M>(), seed);
    xgan::Rng data_rng(seed + 1);
    std::vector<float> h(std::size_t(d.batch_size) * gan::sample_shape::size);
    data_rng.fill_uniform(h.data(), h.size(), -1.0, 1.0);
    xgan::Tensor<typename gan::sample_shape, P> real(std::size_t(d.batch_size));
    P::copy_from_host(h.data(), h.size(), real.data());
    std::vector<std::int32_t> labels;
    if constexpr (gan::classes > 0)
        for (int i = 0; i < d.batch_size; ++i) labels.push_back(std::int32_t(i % int(gan::classes)));
    for (int i = 0; i < 2; ++i) trainer.train_step(real, labels);
    auto& profile = xgan::backend::kernel_profile();
    profile.clear();
    trainer.train_step(real, labels);
    const double total = profile.total_seconds();
    std::printf("\n%s: one step, each kernel waited for: %.2f ms\n", name, 1e3 * total);
    for (const auto& k : profile.kernels())
        std::printf("  %-28s %8.3f ms %5.1f%% %6zu calls%s\n", k.name, 1e3 * k.seconds, 100 * k.seconds / total, k.calls,
                    k.flops > 0 ? (" " + std::to_string(int(k.flops / k.seconds * 1e-9)) + " GFLOP/s").c_str() : "");
}

void configure(benchmark::internal::Benchmark* b) {
    b->Unit(benchmark::kMillisecond)->UseRealTime()->ComputeStatistics("min", [](const std::vector<double>& v) {
        return *std::min_element(v.begin(), v.end());
    });
}

}  // namespace

int main(int argc, char** argv) {
    if (xgan::backend::cuda::device_count() == 0) {
        std::fprintf(stderr, "no CUDA device: nothing to time\n");
        return 77;
    }
    configure(benchmark::RegisterBenchmark("BM_cuda_train_step/dcgan", BM_cuda_train_step<xgan::models::Dcgan>));
    configure(benchmark::RegisterBenchmark("BM_cuda_train_step/dcgan64", BM_cuda_train_step<xgan::models::Dcgan64>));
    configure(benchmark::RegisterBenchmark("BM_cuda_wgan_gp_step/wgan-gp64", BM_cuda_wgan_gp_step<xgan::models::WganGp64>));
    configure(benchmark::RegisterBenchmark("BM_cublas_sgemm", BM_cublas_sgemm)->Arg(4096)->Arg(8192));
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    print_kernel_shares<xgan::models::Dcgan>("dcgan");
    print_kernel_shares<xgan::models::Dcgan64>("dcgan64");
    return 0;
}
