// Seed 000's tutorial (Baeldung, "GAN implementation in PyTorch"), written with xgan: an MLP GAN
// on MNIST, G 128-512-784 and D 784-512-1 with LeakyReLU(0.01), Adam 3e-4 with PyTorch's
// default betas, batch 32, D's loss (real + fake) / 2, G's step on the fake batch D just saw.
//   seed0_mlp_gan [RUN_DIR] [EPOCHS]      (MNIST from ${XGAN_DATA:-data}/mnist; default 100 epochs)
// The same settings as `xgan train --recipe seed0-mlp`.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <xgan/xgan.hpp>

#include "tutorial_args.hpp"

using namespace xgan;

using G = Sequential<Linear<128, 512>, LeakyReLU<ratio(0.01)>, Linear<512, 784>, Tanh, Reshape<1, 28, 28>>;
using D = Sequential<Flatten, Linear<784, 512>, LeakyReLU<ratio(0.01)>, Linear<512, 1>, Sigmoid>;
using BaeldungGan = Gan<G, D, Shape<128>>;

int main(int argc, char** argv) try {
    backend::tune_process(argv);
    const TutorialArgs args = parse_tutorial_args(argc, argv, "seed0_mlp_gan [RUN_DIR] [EPOCHS]", 2);
    const char* data = std::getenv("XGAN_DATA");
    const auto mnist = data::load_mnist_dir(std::string(data && *data ? data : "data") + "/mnist", true);

    train::RunSettings run;
    run.model = "seed0-mlp-gan";
    run.data = "mnist";
    run.epochs = args.epochs(1, 100);
    run.batch_size = 32;
    run.gan.generator_optimizer = run.gan.discriminator_optimizer = optim::OptimizerOptions::adam(3e-4, 0.9, 0.999);
    run.gan.halve_discriminator_loss = true;
    train::fit<BaeldungGan>(mnist, args.at(0, "runs/seed0_mlp_gan"), run);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "seed0_mlp_gan: %s\n", e.what());
    return 1;
}
