// Adam, AdamW and SGD (optim/adam.hpp, optim/sgd.hpp) against torch.optim goldens written by
// tests/data/make_optim_goldens.py (torch 1.13), and the gradient clearing of step().
#include <doctest/doctest.h>

#include "test_data.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgan/layers/linear.hpp"
#include "xgan/nn/sequential.hpp"
#include "xgan/optim/adam.hpp"
#include "xgan/optim/sgd.hpp"

using namespace xgan;

namespace {

nlohmann::json load_goldens() {
    const std::string path = std::string(xgan_test::data_dir()) + "/optim_goldens.json";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path);
    return nlohmann::json::parse(in);
}

struct Params {
    std::vector<std::vector<float>> value, grad;
    std::vector<ParamRef<float>> refs() {
        std::vector<ParamRef<float>> out;
        for (std::size_t i = 0; i < value.size(); ++i)
            out.push_back({std::to_string(i), value[i].data(), grad[i].data(), value[i].size()});
        return out;
    }
};

Params initial_params(const nlohmann::json& g) {
    Params p;
    for (const auto& t : g["initial"]) {
        p.value.push_back(t.get<std::vector<float>>());
        p.grad.emplace_back(p.value.back().size(), 0.0f);
    }
    return p;
}

double opt(const nlohmann::json& o, const char* key, double fallback) { return o.contains(key) ? o[key].get<double>() : fallback; }

// Feeds the golden gradients step by step through `step` and compares every parameter after
// every step with PyTorch's, to 1e-6 relative (plus 1e-7 absolute: the parameters start near 1,
// where a float's rounding step is 1.2e-7, and a few SGD runs pass close to 0); checks that each
// step cleared the gradients.
template <class Step>
void replay(const nlohmann::json& g, const nlohmann::json& config, Params& p, Step&& step) {
    const auto& grads = g["grads"];
    for (std::size_t s = 0; s < grads.size(); ++s) {
        for (std::size_t t = 0; t < p.grad.size(); ++t) {  // in place: the optimizer holds pointers
            const auto gt = grads[s][t].get<std::vector<float>>();
            REQUIRE(gt.size() == p.grad[t].size());
            std::copy(gt.begin(), gt.end(), p.grad[t].begin());
        }
        step();
        for (std::size_t t = 0; t < p.grad.size(); ++t) {
            for (float v : p.grad[t]) REQUIRE(v == 0.0f);  // step() consumed and cleared the gradient
            const auto expected = config["after"][s][t].get<std::vector<double>>();
            REQUIRE(expected.size() == p.value[t].size());
            for (std::size_t i = 0; i < expected.size(); ++i) {
                INFO(config["name"].get<std::string>() << " step " << s + 1 << " tensor " << t << " element " << i
                                                       << ": xgan " << p.value[t][i] << ", torch " << expected[i]);
                CHECK(std::abs(double(p.value[t][i]) - expected[i]) <= 1e-6 * std::abs(expected[i]) + 1e-7);
            }
        }
    }
}

}  // namespace

TEST_CASE("Adam and AdamW match torch.optim over 5 steps") {
    const auto g = load_goldens();
    int checked = 0;
    for (const auto& config : g["configs"]) {
        const std::string kind = config["kind"];
        if (kind != "adam" && kind != "adamw") continue;
        const auto& o = config["options"];
        optim::AdamOptions options;
        options.lr = o["lr"].get<double>();
        options.beta1 = opt(o, "beta1", 0.9);
        options.beta2 = opt(o, "beta2", 0.999);
        options.eps = opt(o, "eps", 1e-8);
        // torch.optim.AdamW's default weight decay is 0.01, Adam's 0.
        options.weight_decay = opt(o, "weight_decay", kind == "adamw" ? 0.01 : 0.0);
        options.decoupled_weight_decay = kind == "adamw";
        Params p = initial_params(g);
        optim::Adam<float> adam(p.refs(), options);
        replay(g, config, p, [&] { adam.step(); });
        CHECK(adam.steps() == 5);
        ++checked;
    }
    CHECK(checked == 4);
}

TEST_CASE("SGD with momentum, dampening, Nesterov and weight decay matches torch.optim over 5 steps") {
    const auto g = load_goldens();
    int checked = 0;
    for (const auto& config : g["configs"]) {
        if (config["kind"] != "sgd") continue;
        const auto& o = config["options"];
        optim::SgdOptions options;
        options.lr = o["lr"].get<double>();
        options.momentum = opt(o, "momentum", 0);
        options.dampening = opt(o, "dampening", 0);
        options.weight_decay = opt(o, "weight_decay", 0);
        options.nesterov = o.contains("nesterov") && o["nesterov"].get<bool>();
        Params p = initial_params(g);
        optim::Sgd<float> sgd(p.refs(), options);
        replay(g, config, p, [&] { sgd.step(); });
        CHECK(sgd.steps() == 5);
        ++checked;
    }
    CHECK(checked == 5);
}

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
