// The tool's dcgan, wgan-gp and cgan: one training step on the GPU against the same step on the
// CPU backend, from the same weights (drawn on the host from one seed) and the same batch.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "backend_agreement.hpp"
#include "xgan/backend/cpu.hpp"
#include "xgan/backend/cuda.hpp"
#include "xgan/models/tutorials.hpp"

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
