// Must not compile: Linear<784, 256> receives the 2048 outputs of Linear<10, 2048>. The error
// must name the layer and both shapes: shape_mismatch<Linear<784, 256>, Shape<2048>, Shape<784>>.
#include <xgan/layers/linear.hpp>
#include <xgan/nn/sequential.hpp>

using Net = xgan::Network<xgan::Sequential<xgan::Linear<10, 2048>, xgan::Linear<784, 256>>, xgan::Shape<10>>;

int main() {
    Net net;
    (void)net;
}
