// Must not compile: the Wasserstein critic outputs an unbounded score, but D ends in a Sigmoid.
#include <xgan/gan/gan.hpp>
#include <xgan/layers/linear.hpp>

using namespace xgan;

using G = Sequential<Linear<8, 16>, Tanh>;
using D = Sequential<Linear<16, 4>, LeakyReLU<ratio(0.2)>, Linear<4, 1>, Sigmoid>;

int main() {
    Gan<G, D, Shape<8>, objective::Wasserstein>::discriminator d;
    (void)d;
}
