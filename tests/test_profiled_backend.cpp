// ProfiledBackend (backend/profiled.hpp): a Backend over the CPU backend that times its kernels.
// It passes check_backend, a training step on it computes exactly what the CPU backend's does
// (the same kernels, called in the same order), and the profile counts what the step called.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "xgan/backend/cpu.hpp"
#include "xgan/backend/profiled.hpp"
#include "xgan/testing/check_backend.hpp"
#include "xgan/xgan.hpp"

using namespace xgan;

namespace {

using Profiled = backend::ProfiledBackend<Cpu>;
static_assert(backend::Backend<Profiled>);

const backend::KernelProfile::Kernel* find_kernel(const char* name) {
    for (const auto& k : backend::kernel_profile().kernels())
        if (std::strcmp(k.name, name) == 0) return &k;
    return nullptr;
}

using TinyG = Sequential<Linear<8, 32>, BatchNorm1d<32>, LeakyReLU<ratio(0.2)>, Linear<32, 16>, Tanh>;
using TinyD = Sequential<Linear<16, 32>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.25)>, Linear<32, 1>, Sigmoid>;

// Losses of three training steps of the tiny GAN on backend B, from seed 5.
template <class B>
std::vector<double> three_step_losses() {
    using G = Gan<TinyG, TinyD, Shape<8>, objective::Bce, B>;
    GanTrainer<G> trainer(GanOptions{}, 5);
    Tensor<typename G::sample_shape, B> real(6);
    std::vector<float> host(real.size());
    Rng data(9);
    std::vector<double> losses;
    for (int step = 0; step < 3; ++step) {
        data.fill_uniform(host.data(), host.size(), -1.0, 1.0);
        B::copy_from_host(host.data(), host.size(), real.data());
        const StepStats s = trainer.train_step(real);
        losses.push_back(s.d_loss);
        losses.push_back(s.g_loss);
    }
    return losses;
}

}  // namespace

TEST_CASE("ProfiledBackend: passes check_backend and counts each GEMM's operations") {
    backend::kernel_profile().clear();
    const auto r = testing::check_backend<Profiled>();
    INFO(r.report());
    CHECK(r.ok);
    const auto* gemm = find_kernel("gemm");
    REQUIRE(gemm != nullptr);
    CHECK(gemm->calls == 13);  // check_backend's GEMMs: 3 shapes x 4 transposes + 1
    // 2 m n k summed over them
    const double flops = 4 * 2.0 * (7 * 5 * 3 + 37 * 129 * 65 + 131 * 67 * 190) + 2.0 * 1000;
    CHECK(gemm->flops == flops);
    // each of those 13 is a shape of its own
    const auto& shapes = backend::kernel_profile().gemms();
    CHECK(shapes.size() == 13);
    CHECK(std::all_of(shapes.begin(), shapes.end(), [](const auto& g) { return g.calls == 1; }));
    CHECK(find_kernel("batch_norm_train") != nullptr);
    CHECK(find_kernel("no_such_kernel") == nullptr);
}

TEST_CASE("ProfiledBackend: a training step computes what the CPU backend's does, and is profiled") {
    const std::vector<double> cpu = three_step_losses<Cpu>();
    backend::kernel_profile().clear();
    const auto start = std::chrono::steady_clock::now();
    const std::vector<double> profiled = three_step_losses<Profiled>();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(profiled == cpu);  // the same kernels in the same order: the same values
    for (const char* name : {"gemm", "batch_norm_train", "batch_norm_train_backward", "counter_map", "adam_update"}) {
        INFO(name);
        const auto* k = find_kernel(name);
        REQUIRE(k != nullptr);
        CHECK(k->calls > 0);
        CHECK(k->seconds >= 0);
    }
    // each of the 3 steps makes the same Adam updates
    CHECK(find_kernel("adam_update")->calls % 3 == 0);
    CHECK(find_kernel("gemm")->flops > 0);
    // the shapes: fewer than the calls (every step repeats them), and they account for every call
    const auto& shapes = backend::kernel_profile().gemms();
    std::size_t calls = 0;
    double flops = 0;
    for (const auto& g : shapes) calls += g.calls, flops += 2.0 * g.m * g.n * g.k * double(g.calls);
    CHECK(shapes.size() < find_kernel("gemm")->calls);
    CHECK(calls == find_kernel("gemm")->calls);
    CHECK(flops == find_kernel("gemm")->flops);
    const double total = backend::kernel_profile().total_seconds();
    CHECK(total > 0);
    CHECK(total <= wall);
    backend::kernel_profile().clear();
    CHECK(backend::kernel_profile().kernels().empty());
    CHECK(backend::kernel_profile().gemms().empty());
}
