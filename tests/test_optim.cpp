// Adam and SGD (optim/adam.hpp, optim/sgd.hpp) by hand: the first Adam step, set_lr, and
// optimizers built from a network clearing the gradients they consume. The comparisons with
// torch.optim are in test_optimizers_torch.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "xgan/layers/linear.hpp"
#include "xgan/nn/sequential.hpp"
#include "xgan/optim/adam.hpp"
#include "xgan/optim/sgd.hpp"

using namespace xgan;

namespace {

struct Params {
    std::vector<std::vector<float>> value, grad;
    std::vector<ParamRef<float>> refs() {
        std::vector<ParamRef<float>> out;
        for (std::size_t i = 0; i < value.size(); ++i)
            out.push_back({std::to_string(i), value[i].data(), grad[i].data(), value[i].size()});
        return out;
    }
};

}  // namespace

TEST_CASE("Adam: the first step moves every parameter by about lr against its gradient's sign") {
    Params p;
    p.value = {{1.0f, -2.0f, 0.5f, 3.0f}};
    p.grad = {{0.3f, -4.0f, 0.0f, 1e-3f}};
    optim::Adam<float> adam(p.refs(), {.lr = 0.01});
    adam.step();
    CHECK(p.value[0][0] == doctest::Approx(0.99).epsilon(1e-6));
    CHECK(p.value[0][1] == doctest::Approx(-1.99).epsilon(1e-6));
    CHECK(p.value[0][2] == 0.5f);  // zero gradient: no move
    CHECK(p.value[0][3] == doctest::Approx(3.0 - 0.01 * 1e-3 / (1e-3 + 1e-8)).epsilon(1e-6));
    for (float v : p.grad[0]) CHECK(v == 0.0f);
    CHECK(adam.exp_avg()[1] == doctest::Approx(0.1 * -4.0));
    CHECK(adam.exp_avg_sq()[1] == doctest::Approx(0.001 * 16.0));
    // Set lr applies from the next step.
    adam.set_lr(0.0);
    std::fill(p.grad[0].begin(), p.grad[0].end(), 1.0f);
    const auto before = p.value[0];
    adam.step();
    CHECK(p.value[0] == before);
    CHECK(p.grad[0] == std::vector<float>(4, 0.0f));
}

TEST_CASE("optimizers built from a network see all its trainable tensors and clear their gradients") {
    using Net = Network<Sequential<Linear<3, 4>, Linear<4, 2, false>>, Shape<3>>;
    Net net;
    Rng rng(1);
    net.reset_parameters(rng);
    auto params = trainable_parameters(net);
    REQUIRE(params.size() == 3);
    optim::Adam<float> adam(net, {.lr = 0.1});
    REQUIRE(adam.parameters().size() == 3);
    CHECK(adam.exp_avg().size() == 12 + 4 + 8);
    for (auto& p : params) std::fill(p.grad, p.grad + p.size, 1.0f);
    const float w = params[2].value[0];
    adam.step();
    CHECK(params[2].value[0] == doctest::Approx(w - 0.1).epsilon(1e-5));
    for (auto& p : params)
        for (std::size_t i = 0; i < p.size; ++i) CHECK(p.grad[i] == 0.0f);

    optim::Sgd<float> sgd(net, {.lr = 0.5});
    for (auto& p : params) std::fill(p.grad, p.grad + p.size, 2.0f);
    const float b = params[1].value[3];
    sgd.step();
    CHECK(params[1].value[3] == doctest::Approx(b - 1.0));
    for (auto& p : params)
        for (std::size_t i = 0; i < p.size; ++i) CHECK(p.grad[i] == 0.0f);
}
