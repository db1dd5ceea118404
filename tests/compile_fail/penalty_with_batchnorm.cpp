// Must not compile: a gradient penalty (WGAN-GP) needs exact second-order passes through every
// critic layer, and BatchNorm (which mixes the samples of a batch) has none.
#include <xgan/gan/gan.hpp>
#include <xgan/layers/batchnorm.hpp>
#include <xgan/layers/conv2d.hpp>
#include <xgan/layers/linear.hpp>
#include <xgan/layers/reshape.hpp>

using namespace xgan;

using G = Sequential<Linear<8, 64>, Tanh, Reshape<1, 8, 8>>;
using D = Sequential<Conv2d<1, 4, 3, 2, 1>, BatchNorm2d<4>, LeakyReLU<ratio(0.2)>, Flatten, Linear<64, 1>>;

int main() {
    Gan<G, D, Shape<8>, objective::GradientPenalty<objective::Wasserstein>>::discriminator d;
    (void)d;
}
