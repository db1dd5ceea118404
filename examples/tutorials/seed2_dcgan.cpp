// Seed 002's DCGAN (a PyTorch recipe book), written with xgan: 28x28 MNIST, G Linear to 7x7x256
// then 3 ConvTranspose2d with BatchNorm and LeakyReLU (0.01), D 3 Conv2d and a Linear; Adam with
// PyTorch's defaults (1e-3, betas (0.9, 0.999)), batch 128, 50 epochs, weights N(0, 0.02).
//   seed2_dcgan [RUN_DIR] [EPOCHS]      (MNIST from ${XGAN_DATA:-data}/mnist)
// `xgan train --recipe seed2-dcgan` is the same run through the tool.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <xgan/xgan.hpp>

#include "tutorial_args.hpp"

using namespace xgan;

using G = Sequential<Linear<100, 12544>, Reshape<256, 7, 7>, ConvTranspose2d<256, 128, 4, 2, 1>, BatchNorm2d<128>, LeakyReLU<>,
                     ConvTranspose2d<128, 64, 3, 1, 1>, BatchNorm2d<64>, LeakyReLU<>, ConvTranspose2d<64, 1, 4, 2, 1>, Tanh>;
using D = Sequential<Conv2d<1, 32, 3, 2, 1>, LeakyReLU<>, Conv2d<32, 64, 3, 2, 1>, BatchNorm2d<64>, LeakyReLU<>,
                     Conv2d<64, 128, 3, 2, 1>, BatchNorm2d<128>, LeakyReLU<>, Flatten, Linear<2048, 1>, Sigmoid>;
using RecipeDcgan = Gan<G, D, Shape<100>>;

int main(int argc, char** argv) try {
    backend::tune_process(argv);
    const TutorialArgs args = parse_tutorial_args(argc, argv, "seed2_dcgan [RUN_DIR] [EPOCHS]", 2);
    const char* data = std::getenv("XGAN_DATA");
    const auto mnist = data::load_mnist_dir(std::string(data && *data ? data : "data") + "/mnist", true);

    train::RunSettings run;
    run.model = "seed2-dcgan";
    run.data = "mnist";
    run.epochs = args.epochs(1, 50);
    run.batch_size = 128;
    run.gan.generator_optimizer = run.gan.discriminator_optimizer = optim::OptimizerOptions::adam(1e-3, 0.9, 0.999);
    run.gan.init = Init::dcgan;
    train::fit<RecipeDcgan>(mnist, args.at(0, "runs/seed2_dcgan"), run);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "seed2_dcgan: %s\n", e.what());
    return 1;
}
