// Seed 003's GANs, written with xgan: listing 2's DCGAN (4 ConvTranspose2d from a 100x1x1 z,
// 4 Conv2d, no biases, BatchNorm, ReLU / LeakyReLU 0.2) trained with listing 1's loop (Adam 2e-4,
// PyTorch's default betas, batch 64, 50 epochs). Listing 2's D ends in a 4x4 convolution, so it
// needs 32x32 images: MNIST is resized (antialiased bilinear). `--mlp` trains listing 1's own
// MLP GAN instead. The tool's recipes: seed3-dcgan, seed3-mlp.
//   seed3_dcgan32 [--mlp] [RUN_DIR] [EPOCHS]      (MNIST from ${XGAN_DATA:-data}/mnist)
#include <cstdio>
#include <cstdlib>
#include <string>

#include <xgan/xgan.hpp>

#include "tutorial_args.hpp"

using namespace xgan;

using G = Sequential<ConvTranspose2d<100, 256, 4, 1, 0, 0, false>, BatchNorm2d<256>, ReLU,
                     ConvTranspose2d<256, 128, 4, 2, 1, 0, false>, BatchNorm2d<128>, ReLU,
                     ConvTranspose2d<128, 64, 4, 2, 1, 0, false>, BatchNorm2d<64>, ReLU,
                     ConvTranspose2d<64, 1, 4, 2, 1, 0, false>, Tanh>;
using D = Sequential<Conv2d<1, 64, 4, 2, 1, false>, LeakyReLU<ratio(0.2)>, Conv2d<64, 128, 4, 2, 1, false>, BatchNorm2d<128>,
                     LeakyReLU<ratio(0.2)>, Conv2d<128, 256, 4, 2, 1, false>, BatchNorm2d<256>, LeakyReLU<ratio(0.2)>,
                     Conv2d<256, 1, 4, 1, 0, false>, Sigmoid>;
using Dcgan32 = Gan<G, D, Shape<100, 1, 1>>;

using MlpG = Sequential<Linear<100, 256>, ReLU, Linear<256, 512>, ReLU, Linear<512, 1024>, ReLU, Linear<1024, 784>, Tanh,
                        Reshape<1, 28, 28>>;
using MlpD = Sequential<Flatten, Linear<784, 1024>, LeakyReLU<ratio(0.2)>, Linear<1024, 512>, LeakyReLU<ratio(0.2)>,
                        Linear<512, 256>, LeakyReLU<ratio(0.2)>, Linear<256, 1>, Sigmoid>;
using MlpGan = Gan<MlpG, MlpD, Shape<100>>;

int main(int argc, char** argv) try {
    backend::tune_process(argv);
    const TutorialArgs args = parse_tutorial_args(argc, argv, "seed3_dcgan32 [--mlp] [RUN_DIR] [EPOCHS]", 2, "--mlp");
    const bool mlp = args.flag;
    const char* data = std::getenv("XGAN_DATA");
    const auto mnist = data::load_mnist_dir(std::string(data && *data ? data : "data") + "/mnist", true);

    train::RunSettings run;  // listing 1's loop
    run.data = "mnist";
    run.epochs = args.epochs(1, 50);
    run.batch_size = 64;
    run.gan.generator_optimizer = run.gan.discriminator_optimizer = optim::OptimizerOptions::adam(2e-4, 0.9, 0.999);
    const std::string dir = args.at(0, mlp ? "runs/seed3_mlp" : "runs/seed3_dcgan32");
    if (mlp) {
        run.model = "seed3-mlp";
        train::fit<MlpGan>(mnist, dir, run);
    } else {
        run.model = "seed3-dcgan32";
        train::fit<Dcgan32>(data::resize_dataset(mnist, 32), dir, run);
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "seed3_dcgan32: %s\n", e.what());
    return 1;
}
