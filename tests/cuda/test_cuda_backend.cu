// The CUDA backend on a GPU: every kernel against the reference backend (check_backend), every
// layer's forward, backward and tangent passes and small GAN training steps against the
// reference (tests/backend_agreement.hpp, as the CPU backend is checked). The tool's models
// against the CPU backend: test_cuda_models.cu.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "backend_agreement.hpp"
#include "xgan/backend/cpu.hpp"
#include "xgan/backend/cuda.hpp"
#include "xgan/testing/check_backend.hpp"

using namespace xgan;
using namespace backend_agreement;

TEST_CASE("cuda: check_backend, every kernel against the reference, in float and in double") {
    const auto f32 = testing::check_backend<Cuda>();
    CHECK_MESSAGE(f32.ok, f32.report());
    CHECK(f32.kernels > 40);
    const auto f64 = testing::check_backend<backend::CudaBackend<double>>();
    CHECK_MESSAGE(f64.ok, f64.report());
}

TEST_CASE("cuda: device buffers are zero-filled, keep their values when they grow, and copy deeply") {
    backend::cuda::DeviceVector<float> v(5);
    CHECK(to_host<Cuda>(v.data(), 5) == std::vector<float>(5, 0.0f));
    const std::vector<float> h = {1, 2, 3, 4, 5};
    Cuda::copy_from_host(h.data(), 5, v.data());
    v.resize(9);
    CHECK(to_host<Cuda>(v.data(), 9) == std::vector<float>({1, 2, 3, 4, 5, 0, 0, 0, 0}));
    auto w = v;
    Cuda::fill(v.data(), 9, 7.0f);
    CHECK(to_host<Cuda>(w.data(), 9) == std::vector<float>({1, 2, 3, 4, 5, 0, 0, 0, 0}));
}

TEST_CASE("cuda: layers agree with the reference backend") {
    linear_and_activations<Cuda>();
    convolutions<Cuda>();
    normalisations<Cuda>();
    pooling_resampling_reshaping<Cuda>();
    progressive_networks<Cuda>();
}
TEST_CASE("cuda: losses agree with the reference backend") { losses<Cuda>(); }
TEST_CASE("cuda: small GAN training steps agree with the reference backend") {
    gan_steps<Cuda>();
    convolutional_gan_steps<Cuda>();
    conditional_gan_steps<Cuda>();
}
