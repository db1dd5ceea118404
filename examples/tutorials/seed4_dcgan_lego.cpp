// Seed 004's PyTorch port of a book's Keras DCGAN, written with xgan: 64x64 grayscale images of
// Lego bricks (any folder of images), G 5 ConvTranspose2d from a 100x1x1 z, D 5 Conv2d with
// Dropout(0.3); BatchNorm momentum 0.9 as the port wrote it (it copied Keras' momentum=0.9,
// which PyTorch reads the other way round: 90% of each batch's statistics); noisy labels (real
// 1 - 0.1 U, fake 0.1 U), D's loss halved, G's step on fresh noise, batch 128. The listing
// gives no optimizer or epochs: Adam 2e-4 (0.5, 0.999) and 25 epochs here.
//   seed4_dcgan_lego IMAGE_FOLDER [RUN_DIR] [EPOCHS]
// `xgan train --recipe seed4-dcgan --data folder:IMAGE_FOLDER` is the same run through the tool.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <xgan/xgan.hpp>

#include "tutorial_args.hpp"

using namespace xgan;

template <std::size_t C>
using BN = BatchNorm2d<C, ratio(1e-5), ratio(0.9)>;  // eps, momentum
using G = Sequential<ConvTranspose2d<100, 512, 4, 1, 0, 0, false>, BN<512>, ReLU, ConvTranspose2d<512, 256, 4, 2, 1, 0, false>,
                     BN<256>, ReLU, ConvTranspose2d<256, 128, 4, 2, 1, 0, false>, BN<128>, ReLU,
                     ConvTranspose2d<128, 64, 4, 2, 1, 0, false>, BN<64>, ReLU, ConvTranspose2d<64, 1, 4, 2, 1, 0, false>, Tanh>;
using D = Sequential<Conv2d<1, 64, 4, 2, 1, false>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                     Conv2d<64, 128, 4, 2, 1, false>, BN<128>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                     Conv2d<128, 256, 4, 2, 1, false>, BN<256>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                     Conv2d<256, 512, 4, 2, 1, false>, BN<512>, LeakyReLU<ratio(0.2)>, Dropout<ratio(0.3)>,
                     Conv2d<512, 1, 4, 1, 0, false>, Sigmoid>;
using LegoGan = Gan<G, D, Shape<100, 1, 1>>;

int main(int argc, char** argv) try {
    backend::tune_process(argv);
    const std::string usage = "seed4_dcgan_lego IMAGE_FOLDER [RUN_DIR] [EPOCHS]";
    const TutorialArgs args = parse_tutorial_args(argc, argv, usage, 3);
    if (args.positional.empty()) throw Error("no IMAGE_FOLDER given; usage: " + usage);
    const std::string folder = args.positional[0];
    const int epochs = args.epochs(2, 25);
    data::ImageFolderReport report;
    const auto images = data::load_image_folder(folder, {.size = 64, .channels = 1}, &report);
    std::printf("%s: %zu images (%zu failed to decode)\n", folder.c_str(), report.decoded, report.failed);

    train::RunSettings run;
    run.model = "seed4-dcgan-lego";
    run.data = "folder:" + folder;
    run.epochs = epochs;
    run.batch_size = 128;
    run.gan.labels = LabelOptions::noisy(0.1);
    run.gan.halve_discriminator_loss = true;
    run.gan.fresh_noise = true;
    train::fit<LegoGan>(images, args.at(1, "runs/seed4_dcgan_lego"), run);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "seed4_dcgan_lego: %s\n", e.what());
    return 1;
}
