// The tool's dcgan, wgan-gp and cgan: one training step on the GPU against the same step on the
// CPU backend, from the same weights (drawn on the host from one seed) and the same batch; and
// the run library (fit: loader, grids, checkpoints, resume) with the dcgan on the GPU.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "backend_agreement.hpp"
#include "xgan/backend/cpu.hpp"
#include "xgan/backend/cuda.hpp"
#include "xgan/models/tutorials.hpp"
#include "xgan/train/fit.hpp"
#include "temp_dir.hpp"

using namespace xgan;
using namespace backend_agreement;

namespace {
// How far one step moves every weight must agree. Adam's eps is 1e-3 on both sides: with 1e-8
// a gradient that is zero up to rounding turns into a full step of either sign
// (tests/backend_agreement.hpp).
template <class M>
void tutorial_step_agrees(const char* name) {
    using OnCpu = typename M::gan;
    using OnGpu = with_backend_t<OnCpu, Cuda>;
    const auto d = M::defaults();
    GanOptions o;
    o.generator_optimizer = optim::OptimizerOptions::adam(d.lr, d.beta1, d.beta2);
    o.discriminator_optimizer = optim::OptimizerOptions::adam(d.lr, d.beta1, d.beta2);
    o.generator_optimizer.eps = o.discriminator_optimizer.eps = 1e-3;
    o.init = d.init;
    o.labels = d.labels;
    GanTrainer<OnCpu> cpu(o, 5);
    GanTrainer<OnGpu> gpu(o, 5);
    const auto before = weights_of<Cpu>(cpu.generator(), cpu.discriminator());
    REQUIRE(before == weights_of<Cuda>(gpu.generator(), gpu.discriminator()));
    constexpr std::size_t batch = 32;
    Rng data(9), same(9);
    Tensor<typename OnCpu::sample_shape, Cpu> real_cpu(batch);
    Tensor<typename OnGpu::sample_shape, Cuda> real_gpu(batch);
    fill_uniform(real_cpu, data, -1.0, 1.0);
    fill_uniform(real_gpu, same, -1.0, 1.0);
    std::vector<std::int32_t> labels(batch);
    for (std::size_t i = 0; i < batch; ++i) labels[i] = std::int32_t(i % (OnCpu::classes ? OnCpu::classes : 1));
    StepStats sc, sg;
    if constexpr (OnCpu::classes > 0) {
        sc = cpu.train_step(real_cpu, labels);
        sg = gpu.train_step(real_gpu, labels);
    } else {
        sc = cpu.train_step(real_cpu);
        sg = gpu.train_step(real_gpu);
    }
    auto moved_cpu = weights_of<Cpu>(cpu.generator(), cpu.discriminator());
    auto moved_gpu = weights_of<Cuda>(gpu.generator(), gpu.discriminator());
    for (std::size_t i = 0; i < before.size(); ++i) {
        moved_cpu[i] -= before[i];
        moved_gpu[i] -= before[i];
    }
    // A step moves a weight by up to lr (2e-4); the backends sum in other orders (cuBLAS,
    // OpenBLAS), so the moves agree to 1% of their size or 2e-6 (1% of lr).
    const double dis = disagreement(moved_gpu.data(), moved_cpu.data(), moved_cpu.size(), 1e-2, 2e-6);
    CHECK_MESSAGE(dis <= 1.0, name << ": one step's moves differ between the GPU and the CPU (" << dis << " x tolerance)");
    CHECK_MESSAGE(sg.d_loss == doctest::Approx(sc.d_loss).epsilon(1e-4), name);
    CHECK_MESSAGE(sg.g_loss == doctest::Approx(sc.g_loss).epsilon(1e-4), name);
}
}  // namespace

TEST_CASE("cuda: a dcgan, wgan-gp and cgan training step agree with the CPU backend") {
    tutorial_step_agrees<models::Dcgan>("dcgan");
    tutorial_step_agrees<models::WganGp>("wgan-gp");
    tutorial_step_agrees<models::Cgan>("cgan");
}

TEST_CASE("cuda: fit trains the dcgan on the GPU into a run directory, and resumes it") {
    // 96 noisy stripes of 28x28: enough for the run library's whole path (loader staging, grids,
    // checkpoints, an exact resume), not for learning anything.
    data::ImageDataset ds{96, 1, 28, 28, {}, {}, {}, {}};
    Rng rng(5);
    for (std::size_t i = 0; i < 96; ++i)
        for (std::size_t p = 0; p < 784; ++p)
            ds.images.push_back(float(std::sin(0.2 * double(p % 28) + 0.1 * double(i)) * 0.8 + 0.1 * rng.uniform(-1, 1)));
    using OnGpu = with_backend_t<models::Dcgan::gan, Cuda>;
    TempDir stopped("xgan_test_cuda_fit_"), whole("xgan_test_cuda_fit_");
    train::RunSettings s;
    s.model = "dcgan";
    s.data = "stripes";
    s.epochs = 2;
    s.batch_size = 32;  // 3 steps per epoch
    s.quiet = true;
    train::Hooks<OnGpu> stop_at_4;
    stop_at_4.after_step.push_back([](train::RunContext<OnGpu>& ctx, const StepStats&) { ctx.stop = ctx.trainer.steps() == 4; });
    CHECK(train::fit<OnGpu>(ds, stopped.path, s, stop_at_4).steps == 4);
    train::RunSettings resume = s;
    resume.resume = true;
    CHECK(train::fit<OnGpu>(ds, stopped.path, resume).steps == 6);
    CHECK(train::fit<OnGpu>(ds, whole.path, s).steps == 6);
    CHECK(std::filesystem::exists(whole.path / "samples" / "epoch_0002.png"));
    OnGpu::generator a, b;
    io::load_weights(a, stopped.path / "generator.safetensors");
    io::load_weights(b, whole.path / "generator.safetensors");
    // The same GPU, the same code path: bit-identical (no atomics in any kernel).
    CHECK(weights_of<Cuda>(a) == weights_of<Cuda>(b));
}
