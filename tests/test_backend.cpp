// The Backend concept (backend/backend.hpp): the CPU backend agrees with the reference backend
// kernel by kernel (testing/check_backend.hpp), and the check catches a backend that does not.
#include <doctest/doctest.h>

#include "xgan/backend/cpu.hpp"
#include "xgan/backend/cuda/host_loops.hpp"
#include "xgan/backend/cuda/kernel_backend.hpp"
#include "xgan/backend/reference/reference_backend.hpp"
#include "xgan/testing/check_backend.hpp"

using namespace xgan;

namespace {

// The CPU backend with one kernel wrong: bias_grad forgets the last sample.
struct CpuWithBrokenBiasGrad : Cpu {
    static void bias_grad(backend::ChannelLayout l, const float* dy, float* db) {
        if (l.outer > 1) --l.outer;
        Cpu::bias_grad(l, dy, db);
    }
};

// ... and one whose map reads one element past where it should for odd sizes: off by one.
struct CpuWithShiftedMap : Cpu {
    template <class F, class... X>
    static void map(std::size_t n, const F& f, float* y, const X*... x) {
        Cpu::map(n - 1, f, y, x...);
    }
};

}  // namespace

TEST_CASE("check_backend: the CPU backend agrees with the reference, in float and in double") {
    const auto f32 = testing::check_backend<Cpu>();
    CHECK_MESSAGE(f32.ok, f32.report());
    CHECK(f32.kernels > 40);
    const auto f64 = testing::check_backend<CpuF64>();
    CHECK_MESSAGE(f64.ok, f64.report());
    CHECK(f64.elements == f32.elements);
}

TEST_CASE("check_backend: the reference backend agrees with itself in float") {
    const auto r = testing::check_backend<Reference>();
    CHECK_MESSAGE(r.ok, r.report());
}

TEST_CASE("check_backend: a wrong kernel is named") {
    const auto bias = testing::check_backend<CpuWithBrokenBiasGrad>();
    CHECK_FALSE(bias.ok);
    REQUIRE(!bias.failures.empty());
    for (const auto& f : bias.failures) CHECK(f.rfind("bias_grad", 0) == 0);
    const auto map = testing::check_backend<CpuWithShiftedMap>();
    CHECK_FALSE(map.ok);
    REQUIRE(!map.failures.empty());
    CHECK(map.failures.front().rfind("map(", 0) == 0);
}

TEST_CASE("check_backend: the CUDA backend's kernels, run on the host, agree with the reference") {
    // The GPU kernels' bodies with plain loops for the grid: their index arithmetic and sums
    // are checked here on every machine; the launches and cuBLAS need a GPU (tests/cuda/).
    const auto f32 = testing::check_backend<backend::cuda::KernelBackend<float, backend::cuda::HostLoops>>();
    CHECK_MESSAGE(f32.ok, f32.report());
    CHECK(f32.kernels > 40);
    const auto f64 = testing::check_backend<backend::cuda::KernelBackend<double, backend::cuda::HostLoops>>();
    CHECK_MESSAGE(f64.ok, f64.report());
}
