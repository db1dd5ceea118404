// Conv2d, ConvTranspose2d, BatchNorm1d/2d, MaxPool2d, Upsample in small nets against PyTorch
// 1.13: train-mode outputs, input and parameter gradients, running statistics, eval outputs.
// The reference file is written by tests/data/make_conv_goldens.py.
#include <doctest/doctest.h>

#include "goldens.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "xgan/io/safetensors.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/batchnorm.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/conv_transpose2d.hpp"
#include "xgan/layers/pooling.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/layers/upsample.hpp"
#include "xgan/nn/sequential.hpp"

namespace {

using namespace xgan;

const xgan_test::Goldens& goldens() {
    static const xgan_test::Goldens file("conv_goldens.safetensors");
    return file;
}
const io::SafetensorsEntry& entry(const std::string& name) { return goldens().entry(name); }
std::vector<float> floats(const std::string& name) { return goldens().floats(name); }
std::int64_t integer(const std::string& name) { return goldens().integer(name); }
using xgan_test::check_close;
using xgan_test::max_abs;

// Loads "<prefix>init.<name>" into every state entry (the names must be PyTorch's), runs a
// train step with L = sum(out * r) and compares everything the file holds.
template <class Net>
void check_against_torch(const std::string& prefix) {
    Net net;
    std::size_t loaded = 0;
    net.visit_state([&](const StateEntry<float>& e) {
        const auto& g = entry(prefix + "init." + e.name);
        CHECK_MESSAGE(g.shape == e.shape, e.name);
        if (e.integer) {
            *e.integer = integer(prefix + "init." + e.name);
        } else {
            const auto v = floats(prefix + "init." + e.name);
            REQUIRE(v.size() == e.numel());
            std::copy(v.begin(), v.end(), e.value);
        }
        if (e.trainable()) std::fill(e.grad, e.grad + e.numel(), 0.0f);
        ++loaded;
    });
    // every torch state_dict entry has an xgan counterpart
    std::size_t in_file = 0;
    for (const auto& [name, e] : goldens().file.tensors) in_file += name.rfind(prefix + "init.", 0) == 0;
    CHECK(loaded == in_file);

    const auto xv = floats(prefix + "x");
    const std::size_t batch = xv.size() / Net::input_shape::size;
    Tensor<typename Net::input_shape, Cpu> x(batch);
    std::copy(xv.begin(), xv.end(), x.data());
    const auto rv = floats(prefix + "r");
    Tensor<typename Net::output_shape, Cpu> r(batch);
    REQUIRE(rv.size() == r.size());
    std::copy(rv.begin(), rv.end(), r.data());

    const auto& y = net.forward(x, Mode::train);
    check_close(prefix + "out", y.data(), floats(prefix + "out"));
    Tensor<typename Net::input_shape, Cpu> dx;
    net.backward(r, &dx);
    check_close(prefix + "grad.x", dx.data(), floats(prefix + "grad.x"));
    float grad_scale = 0;  // the largest parameter gradient of the net
    net.visit_state([&](const StateEntry<float>& e) {
        if (e.trainable()) grad_scale = std::max(grad_scale, max_abs(floats(prefix + "grad." + e.name)));
    });
    net.visit_state([&](const StateEntry<float>& e) {
        if (e.trainable()) check_close(prefix + "grad." + e.name, e.grad, floats(prefix + "grad." + e.name), grad_scale);
        else if (e.integer) CHECK(*e.integer == integer(prefix + "after." + e.name));
        else check_close(prefix + "after." + e.name, e.value, floats(prefix + "after." + e.name));
    });

    const auto& ye = net.forward(x, Mode::eval);
    check_close(prefix + "eval_out", ye.data(), floats(prefix + "eval_out"));
}

}  // namespace

TEST_CASE("Conv2d, BatchNorm2d, ConvTranspose2d match PyTorch in a DCGAN block") {
    using Net = Network<Sequential<Conv2d<2, 3, 3, 2, 1>, BatchNorm2d<3>, LeakyReLU<ratio(0.2)>,
                                   ConvTranspose2d<3, 2, 4, 2, 1>, Tanh>,
                        Shape<2, 7, 6>>;
    static_assert(std::is_same_v<Net::output_shape, Shape<2, 8, 6>>);
    check_against_torch<Net>("a.");
}

TEST_CASE("Conv2d (dilated), MaxPool2d, Upsample, ConvTranspose2d (output_padding), BatchNorm1d match PyTorch") {
    using Net = Network<Sequential<Conv2d<2, 4, 3, 1, 2, false, 2>, BatchNorm2d<4, ratio(1e-3), ratio(0.3)>, ReLU,
                                   MaxPool2d<2>, Upsample<2>, ConvTranspose2d<4, 3, 3, 2, 1, 1>, Conv2d<3, 2, 4, 3, 0>,
                                   Flatten, BatchNorm1d<50>, Sigmoid>,
                        Shape<2, 9, 8>>;
    static_assert(std::is_same_v<Net::output_shape, Shape<50>>);
    check_against_torch<Net>("b.");
}
