// Layers, losses, optimizers and training steps on the CPU backend and on the CUDA backend's
// kernels run on the host (KernelBackend<float, HostLoops>: the GPU kernels' bodies, their
// index arithmetic and sums, without a GPU) agree with the reference backend, from the same
// weights and inputs (tests/backend_agreement.hpp); gradcheck passes on the reference in double.
#include <doctest/doctest.h>

#include "backend_agreement.hpp"
#include "xgan/backend/cpu.hpp"
#include "xgan/backend/cuda/host_loops.hpp"
#include "xgan/backend/cuda/kernel_backend.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;
using namespace backend_agreement;

using CudaKernelsOnHost = backend::cuda::KernelBackend<float, backend::cuda::HostLoops>;

TYPE_TO_STRING(Cpu);
TYPE_TO_STRING(CudaKernelsOnHost);
#define XGAN_BACKENDS_UNDER_TEST Cpu, CudaKernelsOnHost

TEST_CASE_TEMPLATE("backends: Linear and the activations agree with the reference backend", B, XGAN_BACKENDS_UNDER_TEST) {
    linear_and_activations<B>();
}
TEST_CASE_TEMPLATE("backends: convolutions agree with the reference backend", B, XGAN_BACKENDS_UNDER_TEST) {
    convolutions<B>();
}
TEST_CASE_TEMPLATE("backends: normalisations agree with the reference backend", B, XGAN_BACKENDS_UNDER_TEST) {
    normalisations<B>();
}
TEST_CASE_TEMPLATE("backends: pooling, resampling and reshaping agree with the reference backend", B,
                   XGAN_BACKENDS_UNDER_TEST) {
    pooling_resampling_reshaping<B>();
}
TEST_CASE_TEMPLATE("backends: progressive networks agree with the reference backend, fading and not", B,
                   XGAN_BACKENDS_UNDER_TEST) {
    progressive_networks<B>();
}
TEST_CASE_TEMPLATE("backends: BCE and cross-entropy agree with the reference backend", B, XGAN_BACKENDS_UNDER_TEST) {
    losses<B>();
}
TEST_CASE_TEMPLATE("backends: GAN training steps agree with the reference backend", B, XGAN_BACKENDS_UNDER_TEST) {
    gan_steps<B>();
}
TEST_CASE_TEMPLATE("backends: convolutional GAN training steps agree with the reference backend", B,
                   XGAN_BACKENDS_UNDER_TEST) {
    convolutional_gan_steps<B>();
}
TEST_CASE_TEMPLATE("backends: a conditional GAN's training steps agree with the reference backend", B,
                   XGAN_BACKENDS_UNDER_TEST) {
    conditional_gan_steps<B>();
}

TEST_CASE("backends: gradcheck passes on the reference backend in double") {
    auto linear = testing::gradcheck_bound<bind_t<Linear<6, 4>, Shape<6>, ReferenceF64>>();
    CHECK_MESSAGE(linear.ok, linear.report());
    auto tanh = testing::gradcheck_bound<bind_t<Tanh, Shape<9>, ReferenceF64>>();
    CHECK_MESSAGE(tanh.ok, tanh.report());
    auto selu = testing::gradcheck_bound<bind_t<SELU, Shape<9>, ReferenceF64>>();
    CHECK_MESSAGE(selu.ok, selu.report());
    auto conv = testing::gradcheck_bound<bind_t<Conv2d<2, 3, 3, 2, 1>, Shape<2, 5, 5>, ReferenceF64>>();
    CHECK_MESSAGE(conv.ok, conv.report());
    auto convt = testing::gradcheck_bound<bind_t<ConvTranspose2d<2, 3, 3, 2, 1, 1>, Shape<2, 3, 3>, ReferenceF64>>();
    CHECK_MESSAGE(convt.ok, convt.report());
    auto bn = testing::gradcheck_bound<bind_t<BatchNorm2d<3>, Shape<3, 2, 2>, ReferenceF64>>();
    CHECK_MESSAGE(bn.ok, bn.report());
    auto ln = testing::gradcheck_bound<bind_t<LayerNorm<Shape<4, 3>>, Shape<4, 3>, ReferenceF64>>();
    CHECK_MESSAGE(ln.ok, ln.report());
}
