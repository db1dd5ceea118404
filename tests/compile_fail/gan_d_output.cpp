// Must not compile: the discriminator outputs 2 values per sample, a GAN's must output 1.
#include <xgan/gan/gan.hpp>
#include <xgan/layers/linear.hpp>
#include <xgan/layers/reshape.hpp>

using namespace xgan;

using G = Sequential<Linear<8, 16>, Tanh>;
using D = Sequential<Linear<16, 4>, LeakyReLU<ratio(0.2)>, Linear<4, 2>>;

int main() {
    Gan<G, D, Shape<8>>::discriminator d;
    (void)d;
}
