// A GAN of one's own with everything the xgan tool does: the README's "Using the library"
// program. Its own model type (not one of the tutorial models) and one call:
//   my_gan train --data mnist            (runs/my_gan: config, metrics, TensorBoard, grids, checkpoints, report)
//   my_gan train --resume runs/my_gan --epochs 10
//   my_gan sample --run runs/my_gan --out samples.png
//   my_gan summary
#include <xgan/cli/main.hpp>

using namespace xgan;

// G: 100 noise values -> 1x28x28 in (-1, 1); D: image -> probability that it is real.
using G = Sequential<Linear<100, 256>, ReLU, Linear<256, 784>, Tanh, Reshape<1, 28, 28>>;
using D = Sequential<Flatten, Linear<784, 256>, LeakyReLU<ratio(0.2)>, Linear<256, 1>, Sigmoid>;
using MyGan = Gan<G, D, Shape<100>>;

// What `my_gan train` uses unless told otherwise.
TrainingDefaults my_defaults() {
    TrainingDefaults d;
    d.epochs = 5;
    d.batch_size = 64;
    return d;
}

int main(int argc, char** argv) {
    return cli::main<cli::Model<"my_gan", MyGan, my_defaults, "a small MLP GAN">>(argc, argv);
}
