// The CUDA backend's kernels over guarded memory (backend/cuda/guarded_loops.hpp: pages the
// host can touch only inside a backend call). Every layer, loss and training step of the
// agreement suite runs on it: had any code above the backend read or written a tensor,
// parameter or optimizer state directly, as it may not on a GPU, the test would die of SIGSEGV.
#include <doctest/doctest.h>

#include <csignal>
#include <csetjmp>
#include <cmath>

#include "backend_agreement.hpp"
#include "xgan/backend/cuda/guarded_loops.hpp"
#include "xgan/backend/cuda/kernel_backend.hpp"
#include "xgan/io/weights.hpp"
#include "xgan/train/fit.hpp"
#include "temp_dir.hpp"

using namespace xgan;
using namespace backend_agreement;

using Guarded = backend::cuda::KernelBackend<float, backend::cuda::GuardedLoops>;

namespace {
sigjmp_buf fault_jump;
void on_fault(int) { siglongjmp(fault_jump, 1); }
}  // namespace

TEST_CASE("guarded memory: the host cannot read a backend buffer outside a backend call") {
    // The guard itself: a direct read faults, the same read through copy_to_host does not.
    Guarded::buffer<float> b(3, 1.5f);
    CHECK(to_host<Guarded>(b.data(), 3) == std::vector<float>(3, 1.5f));
    struct sigaction act {}, old {};
    act.sa_handler = on_fault;
    sigaction(SIGSEGV, &act, &old);
    volatile bool faulted = false;
    if (sigsetjmp(fault_jump, 1) == 0) {
        volatile float v = b.data()[0];
        (void)v;
    } else {
        faulted = true;
    }
    sigaction(SIGSEGV, &old, nullptr);
    CHECK(faulted);
}

TEST_CASE("guarded memory: layers, losses and training steps touch backend memory only through the backend") {
    linear_and_activations<Guarded>();
    convolutions<Guarded>();
    normalisations<Guarded>();
    pooling_resampling_reshaping<Guarded>();
    progressive_networks<Guarded>();
    losses<Guarded>();
    gan_steps<Guarded>();
    convolutional_gan_steps<Guarded>();
    conditional_gan_steps<Guarded>();
}

TEST_CASE("guarded memory: weights are saved from and loaded into backend memory through the backend") {
    TempDir dir("xgan_test_guarded_");
    using Net = Network<ConvD, Shape<1, 16, 16>, Guarded>;
    Net a, b;
    Rng rng(3), other(4);
    a.reset_parameters(rng, Init::pytorch);
    b.reset_parameters(other, Init::pytorch);
    io::save_weights(a, dir.path / "d.safetensors");
    io::load_weights(b, dir.path / "d.safetensors");
    CHECK(weights_of<Guarded>(a) == weights_of<Guarded>(b));
}

namespace {
using FitG = Sequential<Linear<8, 32>, ReLU, Linear<32, 16>, Tanh, Reshape<1, 4, 4>>;
using FitD = Sequential<Flatten, Linear<16, 32>, LeakyReLU<ratio(0.2)>, Linear<32, 1>, Sigmoid>;
using GuardedGan = Gan<FitG, FitD, Shape<8>, objective::Bce, Guarded>;

data::ImageDataset patterns() {  // 40 images of 1x4x4 in [-1, 1]
    data::ImageDataset ds{40, 1, 4, 4, {}, {}, {}, {}};
    for (std::size_t i = 0; i < 40; ++i)
        for (std::size_t p = 0; p < 16; ++p) ds.images.push_back(float(std::sin(0.3 * double(i) + 0.7 * double(p))));
    return ds;
}
}  // namespace

TEST_CASE("guarded memory: a whole run (grids, checkpoints, a stop and an exact resume) goes through the backend") {
    TempDir stopped("xgan_test_guarded_"), whole("xgan_test_guarded_");
    train::RunSettings s;
    s.model = "guarded";
    s.data = "patterns";
    s.epochs = 2;
    s.batch_size = 8;
    s.quiet = true;
    s.log_every = 1;
    train::Hooks<GuardedGan> stop_at_7;
    stop_at_7.after_step.push_back([](train::RunContext<GuardedGan>& ctx, const StepStats&) { ctx.stop = ctx.trainer.steps() == 7; });
    CHECK(train::fit<GuardedGan>(patterns(), stopped.path, s, stop_at_7).steps == 7);
    train::RunSettings resume = s;
    resume.resume = true;
    CHECK(train::fit<GuardedGan>(patterns(), stopped.path, resume).steps == 10);
    CHECK(train::fit<GuardedGan>(patterns(), whole.path, s).steps == 10);
    GuardedGan::generator a, b;
    io::load_weights(a, stopped.path / "generator.safetensors");
    io::load_weights(b, whole.path / "generator.safetensors");
    CHECK(weights_of<Guarded>(a) == weights_of<Guarded>(b));
}
