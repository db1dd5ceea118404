// Must not compile: BceWithLogits expects the discriminator's raw logits, but D ends in a Sigmoid.
#include <xgan/gan/gan.hpp>
#include <xgan/layers/linear.hpp>

using namespace xgan;

using G = Sequential<Linear<8, 16>, Tanh>;
using D = Sequential<Linear<16, 4>, LeakyReLU<ratio(0.2)>, Linear<4, 1>, Sigmoid>;

int main() {
    Gan<G, D, Shape<8>, objective::BceWithLogits>::discriminator d;
    (void)d;
}
