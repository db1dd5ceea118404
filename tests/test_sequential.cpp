// Sequential<L...> (nn/sequential.hpp) with nn/parameters.hpp, nn/summary.hpp, nn/signature.hpp:
// PyTorch state names, parameter counts, static shapes, gradients, summaries, signatures.
#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "xgan/layers/activation.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/nn/parameters.hpp"
#include "xgan/nn/sequential.hpp"
#include "xgan/nn/signature.hpp"
#include "xgan/nn/summary.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

namespace {

// The MLP GAN.
using G = Sequential<Linear<100, 256>, ReLU, Linear<256, 512>, ReLU, Linear<512, 1024>, ReLU, Linear<1024, 784>, Tanh,
                     Reshape<1, 28, 28>>;
using D = Sequential<Flatten, Linear<784, 1024>, LeakyReLU<ratio(0.2)>, Linear<1024, 512>, LeakyReLU<ratio(0.2)>,
                     Linear<512, 256>, LeakyReLU<ratio(0.2)>, Linear<256, 1>, Sigmoid>;
using GNet = Network<G, Shape<100>>;
using DNet = Network<D, Shape<1, 28, 28>>;

struct Entry {
    std::string name;
    std::vector<std::int64_t> shape;
    bool trainable;
};

template <class Net>
std::vector<Entry> entries(Net& net) {
    std::vector<Entry> out;
    net.visit_state(
        [&](const StateEntry<typename Net::scalar>& e) { out.push_back({e.name, e.shape, e.trainable()}); });
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// The one line of `text` that contains `key`; empty if none or several.
std::string line_with(const std::string& text, const std::string& key) {
    std::string found;
    int n = 0;
    for (const auto& l : lines_of(text))
        if (l.find(key) != std::string::npos) {
            found = l;
            ++n;
        }
    return n == 1 ? found : std::string();
}

}  // namespace

TEST_CASE("Sequential: state names and shapes of the MLP generator are PyTorch's") {
    auto g = std::make_unique<GNet>();
    const auto e = entries(*g);
    const std::vector<std::string> names = {"0.weight", "0.bias", "2.weight", "2.bias",
                                            "4.weight", "4.bias", "6.weight", "6.bias"};
    REQUIRE(e.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        CHECK(e[i].name == names[i]);
        CHECK(e[i].trainable);
    }
    CHECK(e[0].shape == std::vector<std::int64_t>{256, 100});
    CHECK(e[1].shape == std::vector<std::int64_t>{256});
    CHECK(e[6].shape == std::vector<std::int64_t>{784, 1024});
    CHECK(e[7].shape == std::vector<std::int64_t>{784});
}

TEST_CASE("Sequential: state names of the MLP discriminator keep parameter-free indices") {
    auto d = std::make_unique<DNet>();
    const auto e = entries(*d);
    const std::vector<std::string> names = {"1.weight", "1.bias", "3.weight", "3.bias",
                                            "5.weight", "5.bias", "7.weight", "7.bias"};
    REQUIRE(e.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i) CHECK(e[i].name == names[i]);
    CHECK(e[0].shape == std::vector<std::int64_t>{1024, 784});
    CHECK(e[6].shape == std::vector<std::int64_t>{1, 256});
    CHECK(e[7].shape == std::vector<std::int64_t>{1});

    // trainable_parameters sees the same tensors, with sizes.
    const auto params = trainable_parameters(*d);
    REQUIRE(params.size() == 8);
    CHECK(params[2].name == "3.weight");
    CHECK(params[2].size == 1024 * 512);
    std::size_t total = 0;
    for (const auto& p : params) total += p.size;
    CHECK(total == 1460225);
}

TEST_CASE("Sequential: parameter counts and static output shapes") {
    static_assert(GNet::parameter_count == 1486352);
    static_assert(DNet::parameter_count == 1460225);
    static_assert(std::is_same_v<GNet::output_shape, Shape<1, 28, 28>>);
    static_assert(std::is_same_v<GNet::input_shape, Shape<100>>);
    static_assert(std::is_same_v<DNet::output_shape, Shape<1>>);
    static_assert(GNet::depth == 9 && DNet::depth == 9);
    static_assert(std::is_same_v<GNet::layer_t<3>::output_shape, Shape<512>>);
    static_assert(std::is_same_v<DNet::layer_t<0>::output_shape, Shape<784>>);
    static_assert(Layer<Network<Sequential<Linear<3, 2>, Tanh>, Shape<3>>>);
    // A Sequential binds to any input shape its first layer accepts.
    static_assert(std::is_same_v<Network<D, Shape<784>>::output_shape, Shape<1>>);
    CHECK(GNet::parameter_count == 1486352);
}

TEST_CASE("Sequential: nested Sequentials are named as in PyTorch") {
    using Inner = Sequential<Flatten, Linear<4, 3>, LeakyReLU<>>;
    using Net = Network<Sequential<Inner, Sequential<Linear<3, 3, false>>, ReLU, Linear<3, 1>>, Shape<2, 2>>;
    Net net;
    const auto e = entries(net);
    const std::vector<std::string> names = {"0.1.weight", "0.1.bias", "1.0.weight", "3.weight", "3.bias"};
    REQUIRE(e.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i) CHECK(e[i].name == names[i]);
    static_assert(Net::parameter_count == 12 + 3 + 9 + 3 + 1);
    static_assert(std::is_same_v<Net::output_shape, Shape<1>>);

    std::vector<std::string> prefixed;
    net.visit_state([&](const StateEntry<float>& s) { prefixed.push_back(s.name); }, "netD.");
    CHECK(prefixed.front() == "netD.0.1.weight");
}

TEST_CASE("Sequential: gradcheck of a small whole network, nested included") {
    auto r = testing::gradcheck<Sequential<Linear<4, 6>, Tanh, Linear<6, 5>, LeakyReLU<ratio(0.2)>, Linear<5, 2>, Sigmoid>,
                                Shape<4>>();
    CHECK_MESSAGE(r.ok, r.report());
    CHECK(r.checked == 12 + 24 + 6 + 30 + 5 + 10 + 2);
    auto nested = testing::gradcheck<Sequential<Flatten, Sequential<Linear<6, 4>, ReLU>, Linear<4, 3>, Reshape<3, 1>>,
                                     Shape<2, 3>>();
    CHECK_MESSAGE(nested.ok, nested.report());
}

TEST_CASE("Sequential: forward composes the layers, backward chains their gradients") {
    using Net = Network<Sequential<Linear<2, 2, false>, ReLU, Linear<2, 1, false>>, Shape<2>>;
    Net net;
    auto params = trainable_parameters(net);
    REQUIRE(params.size() == 2);
    const float w0[4] = {1, -1, 2, 1};  // h = relu([x0 - x1, 2 x0 + x1])
    std::copy(w0, w0 + 4, params[0].value);
    params[1].value[0] = 3;  // y = 3 h0 - h1
    params[1].value[1] = -1;
    zero_grad(net);
    Tensor<Shape<2>, Cpu> x(2);
    x[0] = 2, x[1] = 1;   // h = [1, 5], y = -2
    x[2] = -1, x[3] = 1;  // h = [0, 0] (relu), y = 0
    const auto& y = net.forward(x, Mode::train);
    REQUIRE(y.batch() == 2);
    CHECK(y[0] == doctest::Approx(-2));
    CHECK(y[1] == doctest::Approx(0));
    CHECK(&y == &net.output());
    CHECK(net.layer_output<1>()[1] == doctest::Approx(5));

    Tensor<Shape<1>, Cpu> dy(2);
    dy[0] = 1, dy[1] = 1;
    Tensor<Shape<2>, Cpu> dx;
    net.backward(dy, &dx);
    // sample 0: dh = [3, -1], both active: dx = dh W0 = [3 - 2, -3 - 1]; sample 1: all inactive
    CHECK(dx[0] == doctest::Approx(1));
    CHECK(dx[1] == doctest::Approx(-4));
    CHECK(dx[2] == 0.0f);
    CHECK(dx[3] == 0.0f);
    CHECK(params[1].grad[0] == doctest::Approx(1));  // dW1 = dy h
    CHECK(params[1].grad[1] == doctest::Approx(5));

    // skip: dx is the same, parameter gradients stay.
    Tensor<Shape<2>, Cpu> dx2;
    net.forward(x, Mode::train);
    net.backward(dy, &dx2, ParamGrads::skip);
    CHECK(dx2[0] == dx[0]);
    CHECK(dx2[1] == dx[1]);
    CHECK(params[1].grad[1] == doctest::Approx(5));
    zero_grad(net);
    CHECK(params[1].grad[1] == 0.0f);
    CHECK(params[0].grad[0] == 0.0f);
}

TEST_CASE("summary: torchsummary-style table from the type alone") {
    const std::string s = summary<GNet>();
    INFO(s);
    CHECK(s.find("Total params: 1,486,352\n") != std::string::npos);
    CHECK(s.find("Trainable params: 1,486,352\n") != std::string::npos);
    CHECK(s.find("Non-trainable params: 0\n") != std::string::npos);
    // One row per layer: type-index, [-1, shape], parameters with commas.
    const std::string first = line_with(s, "Linear-1 ");
    CHECK(first.find("[-1, 256]") != std::string::npos);
    CHECK(first.find("25,856") != std::string::npos);
    const std::string relu = line_with(s, "ReLU-2 ");
    CHECK(relu.find("[-1, 256]") != std::string::npos);
    CHECK(relu.substr(relu.size() - 2) == " 0");
    const std::string last_linear = line_with(s, "Linear-7 ");
    CHECK(last_linear.find("[-1, 784]") != std::string::npos);
    CHECK(last_linear.find("803,600") != std::string::npos);
    const std::string reshape = line_with(s, "Reshape-9 ");
    CHECK(reshape.find("[-1, 1, 28, 28]") != std::string::npos);
    CHECK(line_with(s, "-10 ").empty());

    const std::string d = summary<DNet>();
    CHECK(d.find("Total params: 1,460,225\n") != std::string::npos);
    CHECK(line_with(d, "Flatten-1 ").find("[-1, 784]") != std::string::npos);
    CHECK(line_with(d, "LeakyReLU-3 ").find("[-1, 1024]") != std::string::npos);
    CHECK(line_with(d, "Sigmoid-9 ").find("[-1, 1]") != std::string::npos);
    CHECK(line_with(d, "Linear-8 ").find("257") != std::string::npos);

    constexpr SummaryTotals t = summary_totals<GNet>();
    static_assert(t.total_params == 1486352);
    CHECK(t.activations_per_sample == 256 * 2 + 512 * 2 + 1024 * 2 + 784 * 3);
    CHECK(t.forward_flops == doctest::Approx(2.0 * (100 * 256 + 256 * 512 + 512 * 1024 + 1024 * 784) +
                                             256 + 512 + 1024 + 4 * 784));
}

TEST_CASE("summary: a batch size shows in the shapes and sizes, as torchsummary's batch_size does") {
    // torchsummary.summary(G, (100,), batch_size=64) on the MLP generator: sizes are
    // |prod(input) * 64| * 4 B, |2 * sum of every output's prod| * 4 B and the parameters' 4 B,
    // in MB of 2^20 bytes, printed "%0.2f": 0.0244, 2.8984 (5936 outputs per sample), 5.6700.
    const std::string s = summary<GNet>(64);
    INFO(s);
    CHECK(line_with(s, "Linear-1 ").find("[64, 256]") != std::string::npos);
    CHECK(line_with(s, "Reshape-9 ").find("[64, 1, 28, 28]") != std::string::npos);
    CHECK(s.find("Input size (MB): 0.02\n") != std::string::npos);
    CHECK(s.find("Forward/backward pass size (MB): 2.90\n") != std::string::npos);
    CHECK(s.find("Params size (MB): 5.67\n") != std::string::npos);
    CHECK(s.find("Estimated Total Size (MB): 8.59\n") != std::string::npos);
    // The default is torchsummary's batch_size=-1: one sample's sizes.
    const std::string one = summary<GNet>();
    CHECK(one.find("Forward/backward pass size (MB): 0.05\n") != std::string::npos);
    CHECK(one.find("Estimated Total Size (MB): 5.72\n") != std::string::npos);
}

TEST_CASE("type_signature: the network's type as PyTorch-style text") {
    using Net = Network<Sequential<Flatten, Linear<4, 2>, LeakyReLU<ratio(0.2)>, Linear<2, 1, false>, Sigmoid>, Shape<2, 2>>;
    CHECK(type_signature<Net>() ==
          "Sequential(Flatten(), Linear(in_features=4, out_features=2, bias=True), LeakyReLU(negative_slope=0.2), "
          "Linear(in_features=2, out_features=1, bias=False), Sigmoid())");
    using Nested = Network<Sequential<Sequential<Linear<3, 3>, Tanh>, Reshape<1, 3>>, Shape<3>>;
    CHECK(type_signature<Nested>() ==
          "Sequential(Sequential(Linear(in_features=3, out_features=3, bias=True), Tanh()), Reshape(1, 3))");
    // The backend is not part of the signature: a float and a double model print the same.
    CHECK(type_signature<GNet>() == type_signature<Network<G, Shape<100>, CpuF64>>());
    CHECK(type_signature<GNet>().rfind("Sequential(Linear(in_features=100, out_features=256, bias=True), ReLU(), ", 0) == 0);
}
