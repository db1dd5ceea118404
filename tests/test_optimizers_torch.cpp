// Adam, AdamW, SGD and RMSprop (optim/adam.hpp, sgd.hpp, rmsprop.hpp) against torch.optim: the
// parameters after each of 5 steps and the state after the last, from goldens written by
// tests/data/make_optimizer_goldens.py (torch 1.13, float32). Also the option checks of the
// constructors, RMSprop's interface (network constructor, state layout, set_lr), and Adam's
// first step and gradient clearing by hand.
#include <doctest/doctest.h>

#include "test_data.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgan/core/error.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/nn/sequential.hpp"
#include "xgan/optim/adam.hpp"
#include "xgan/optim/rmsprop.hpp"
#include "xgan/optim/sgd.hpp"

using namespace xgan;

namespace {

// |xgan - torch| <= kRel * |torch| + kAbs, elementwise. Both libraries compute in float32 in
// nearly the same operation order, but not bit for bit: torch's add(x, alpha=a) is one fused
// multiply-add, and the compiler may or may not fuse a*b+c in xgan (-march=native: yes), so a step
// may differ by an ulp and the differences compound over 5 steps. Measured (torch 1.13, g++ 12,
// with and without -ffp-contract=off; XGAN_PRINT_OPTIM_DIFFS=1 prints them): parameters at most
// 2.4e-7 apart (SGD with momentum; 2 ulps at magnitude 1-2), RMSprop's and Adam's parameters
// within 1.2e-7 (mostly identical); the state after 5 steps within 16% of this tolerance. The
// worst element uses 28% of it: 2e-6 relative (17 ulps at magnitude 1), plus 2e-7 absolute for
// values that pass near zero. A wrong formula is far outside it: leaving out the centering, or
// adding eps inside the square root, fails from the first step.
constexpr double kRel = 2e-6, kAbs = 2e-7;

const nlohmann::json& goldens() {
    static const nlohmann::json g = [] {
        const std::string path = std::string(xgan_test::data_dir()) + "/optimizer_goldens.json";
        std::ifstream in(path);
        REQUIRE_MESSAGE(in.good(), "cannot open " << path);
        return nlohmann::json::parse(in);
    }();
    return g;
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

Params initial_params() {
    Params p;
    for (const auto& t : goldens()["initial"]) {
        p.value.push_back(t.get<std::vector<float>>());
        p.grad.emplace_back(p.value.back().size(), 0.0f);
    }
    return p;
}

// The largest differences seen in one configuration, for choosing kRel and kAbs.
// ratio: the largest |xgan - torch| / (kRel * |torch| + kAbs), the fraction of the tolerance used.
struct MaxDiff {
    double abs = 0, rel = 0, ratio = 0;
    void add(double got, double want) {
        const double d = std::abs(got - want);
        abs = std::max(abs, d);
        if (want != 0) rel = std::max(rel, d / std::abs(want));
        ratio = std::max(ratio, d / (kRel * std::abs(want) + kAbs));
    }
};

bool close(double got, double want) { return std::abs(got - want) <= kRel * std::abs(want) + kAbs; }

void compare(const std::string& what, const float* got, const nlohmann::json& want_json, std::size_t n, MaxDiff& diff) {
    const auto want = want_json.get<std::vector<double>>();
    REQUIRE_MESSAGE(want.size() == n, what << ": " << n << " values, the golden has " << want.size());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
        diff.add(got[i], want[i]);
        if (close(got[i], want[i])) continue;
        if (bad++ < 3) CHECK_MESSAGE(false, what << "[" << i << "]: xgan " << got[i] << ", torch " << want[i]);
    }
    CHECK_MESSAGE(bad == 0, what << ": " << bad << " of " << n << " values differ");
}

void report(const std::string& name, const MaxDiff& params, const MaxDiff& state) {
    if (!std::getenv("XGAN_PRINT_OPTIM_DIFFS")) return;
    std::printf("%-39s params: max abs %.3g, rel %.3g, of tolerance %.2f;  state: max abs %.3g, rel %.3g, of tolerance %.2f\n",
                name.c_str(), params.abs, params.rel, params.ratio, state.abs, state.rel, state.ratio);
}

// Feeds the golden gradients step by step through `step` and compares every parameter after
// every step with torch's; checks that each step cleared the gradients.
template <class Step>
MaxDiff replay(const nlohmann::json& config, Params& p, Step&& step) {
    const auto& grads = goldens()["grads"];
    const std::string name = config["name"];
    MaxDiff diff;
    for (std::size_t s = 0; s < grads.size(); ++s) {
        for (std::size_t t = 0; t < p.grad.size(); ++t) {  // in place: the optimizer holds pointers
            const auto gt = grads[s][t].get<std::vector<float>>();
            REQUIRE(gt.size() == p.grad[t].size());
            std::copy(gt.begin(), gt.end(), p.grad[t].begin());
        }
        step();
        for (std::size_t t = 0; t < p.grad.size(); ++t) {
            CHECK(std::all_of(p.grad[t].begin(), p.grad[t].end(), [](float v) { return v == 0.0f; }));
            compare(name + " step " + std::to_string(s + 1) + " tensor " + std::to_string(t), p.value[t].data(),
                    config["after"][s][t], p.value[t].size(), diff);
        }
    }
    return diff;
}

// A state buffer after the last step against torch's (absent there: must be empty here).
template <class Buffer>
void compare_state(const nlohmann::json& config, const char* key, const Buffer& got, MaxDiff& diff) {
    const std::string what = config["name"].get<std::string>() + " " + key;
    if (!config["state"].contains(key)) {
        CHECK_MESSAGE(got.empty(), what << ": torch keeps no such state, xgan holds " << got.size() << " values");
        return;
    }
    compare(what, got.data(), config["state"][key], got.size(), diff);
}

template <class F>
int for_each_config(std::initializer_list<const char*> kinds, F&& f) {
    int n = 0;
    for (const auto& config : goldens()["configs"]) {
        const std::string kind = config["kind"];
        if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) continue;
        const std::string name = config["name"];
        INFO(name);
        f(kind, config, config["options"]);
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("optim torch: Adam and AdamW match torch.optim over 5 steps") {
    const int n = for_each_config({"adam", "adamw"}, [](const std::string& kind, const auto& config, const auto& o) {
        optim::AdamOptions options;
        options.lr = o["lr"];
        options.beta1 = o["beta1"];
        options.beta2 = o["beta2"];
        options.eps = o["eps"];
        options.weight_decay = o["weight_decay"];
        options.decoupled_weight_decay = kind == "adamw";
        Params p = initial_params();
        optim::Adam<float, Cpu> adam(p.refs(), options);
        const MaxDiff d = replay(config, p, [&] { adam.step(); });
        CHECK(adam.steps() == 5);
        MaxDiff s;
        compare_state(config, "exp_avg", adam.exp_avg(), s);
        compare_state(config, "exp_avg_sq", adam.exp_avg_sq(), s);
        report(config["name"].template get<std::string>(), d, s);
    });
    CHECK(n == 2);
}

TEST_CASE("optim torch: SGD with momentum, Nesterov, dampening and weight decay matches torch.optim over 5 steps") {
    const int n = for_each_config({"sgd"}, [](const std::string&, const auto& config, const auto& o) {
        optim::SgdOptions options;
        options.lr = o["lr"];
        options.momentum = o["momentum"];
        options.dampening = o["dampening"];
        options.weight_decay = o["weight_decay"];
        options.nesterov = o["nesterov"];
        Params p = initial_params();
        optim::Sgd<float, Cpu> sgd(p.refs(), options);
        const MaxDiff d = replay(config, p, [&] { sgd.step(); });
        CHECK(sgd.steps() == 5);
        MaxDiff s;
        compare_state(config, "momentum_buffer", sgd.momentum_buffer(), s);
        report(config["name"].template get<std::string>(), d, s);
    });
    CHECK(n == 3);
}

TEST_CASE("optim torch: RMSprop plain, with momentum, centered and with weight decay matches torch.optim over 5 steps") {
    const int n = for_each_config({"rmsprop"}, [](const std::string&, const auto& config, const auto& o) {
        optim::RmspropOptions options;
        options.lr = o["lr"];
        options.alpha = o["alpha"];
        options.eps = o["eps"];
        options.weight_decay = o["weight_decay"];
        options.momentum = o["momentum"];
        options.centered = o["centered"];
        Params p = initial_params();
        optim::Rmsprop<float, Cpu> rmsprop(p.refs(), options);
        const MaxDiff d = replay(config, p, [&] { rmsprop.step(); });
        CHECK(rmsprop.steps() == 5);
        MaxDiff s;
        compare_state(config, "square_avg", rmsprop.square_avg(), s);
        compare_state(config, "grad_avg", rmsprop.grad_avg(), s);
        compare_state(config, "momentum_buffer", rmsprop.momentum_buffer(), s);
        report(config["name"].template get<std::string>(), d, s);
    });
    CHECK(n == 4);
}

TEST_CASE("optim torch: RMSprop from a network, its state layout, set_lr and set_steps") {
    using Net = Network<Sequential<Linear<3, 4>, Linear<4, 2, false>>, Shape<3>>;
    Net net;
    Rng rng(1);
    net.reset_parameters(rng);
    auto params = trainable_parameters(net);
    REQUIRE(params.size() == 3);
    optim::Rmsprop<float, Cpu> rmsprop(net, {.lr = 0.1, .momentum = 0.5, .centered = true});
    CHECK(rmsprop.parameters().size() == 3);
    CHECK(rmsprop.square_avg().size() == 12 + 4 + 8);
    CHECK(rmsprop.grad_avg().size() == 12 + 4 + 8);
    CHECK(rmsprop.momentum_buffer().size() == 12 + 4 + 8);
    CHECK(rmsprop.options().alpha == 0.99);
    for (auto& p : params) std::fill(p.grad, p.grad + p.size, 2.0f);
    const float w = params[2].value[5];
    rmsprop.step();
    // First step, centered: s = 0.01 g^2, a = 0.01 g, d = sqrt(s - a^2) = |g| sqrt(0.0099).
    CHECK(params[2].value[5] == doctest::Approx(w - 0.1 / std::sqrt(0.0099)).epsilon(1e-5));
    CHECK(rmsprop.square_avg()[12 + 4 + 5] == doctest::Approx(0.04));
    CHECK(rmsprop.grad_avg()[12 + 4 + 5] == doctest::Approx(0.02));
    for (auto& p : params)
        for (std::size_t i = 0; i < p.size; ++i) CHECK(p.grad[i] == 0.0f);
    // set_lr applies from the next step; lr 0 leaves the parameters (but not the state) alone.
    rmsprop.set_lr(0.0);
    CHECK(rmsprop.options().lr == 0.0);
    for (auto& p : params) std::fill(p.grad, p.grad + p.size, 1.0f);
    const float before = params[0].value[0];
    rmsprop.step();
    CHECK(params[0].value[0] == before);
    CHECK(rmsprop.steps() == 2);
    rmsprop.set_steps(7);
    CHECK(rmsprop.steps() == 7);

    optim::Rmsprop<float, Cpu> plain(net, {});
    CHECK(plain.square_avg().size() == 24);
    CHECK(plain.grad_avg().empty());
    CHECK(plain.momentum_buffer().empty());
}

TEST_CASE("optim torch: bad optimizer options throw xgan::Error") {
    std::vector<float> value(3, 1.0f), grad(3, 0.0f);
    const std::vector<ParamRef<float>> refs = {{"w", value.data(), grad.data(), value.size()}};
    const double nan = std::numeric_limits<double>::quiet_NaN();
    using CpuAdam = optim::Adam<float, Cpu>;
    using CpuRmsprop = optim::Rmsprop<float, Cpu>;
    using CpuSgd = optim::Sgd<float, Cpu>;

    // RMSprop: torch's checks, and alpha at most 1.
    CHECK_THROWS_WITH_AS(CpuRmsprop(refs, {.lr = -1e-3}), doctest::Contains("learning rate"), Error);
    CHECK_THROWS_WITH_AS(CpuRmsprop(refs, {.lr = nan}), doctest::Contains("learning rate"), Error);
    CHECK_THROWS_WITH_AS(CpuRmsprop(refs, {.alpha = -0.1}), doctest::Contains("alpha"), Error);
    CHECK_THROWS_WITH_AS(CpuRmsprop(refs, {.alpha = 1.5}), doctest::Contains("alpha must be in [0, 1], got 1.5"),
                         Error);
    CHECK_THROWS_WITH_AS(CpuRmsprop(refs, {.eps = -1e-8}), doctest::Contains("eps must be >= 0, got -1e-08"),
                         Error);
    CHECK_THROWS_WITH_AS(CpuRmsprop(refs, {.weight_decay = -0.01}), doctest::Contains("weight_decay"), Error);
    CHECK_THROWS_WITH_AS(CpuRmsprop(refs, {.momentum = -0.9}), doctest::Contains("momentum"), Error);
    CHECK_NOTHROW(CpuRmsprop(refs, {.lr = 0, .alpha = 0, .eps = 0}));
    CHECK_NOTHROW(CpuRmsprop(refs, {.alpha = 1}));
    CpuRmsprop rmsprop(refs, {});
    CHECK_THROWS_AS(rmsprop.set_lr(-1), Error);
    CHECK(rmsprop.options().lr == 1e-2);

    // SGD: torch's checks.
    CHECK_THROWS_WITH_AS(CpuSgd(refs, {.lr = -0.1}), doctest::Contains("learning rate"), Error);
    CHECK_THROWS_WITH_AS(CpuSgd(refs, {.momentum = -0.9}), doctest::Contains("momentum"), Error);
    CHECK_THROWS_WITH_AS(CpuSgd(refs, {.weight_decay = -1}), doctest::Contains("weight_decay"), Error);
    CHECK_THROWS_WITH_AS(CpuSgd(refs, {.nesterov = true}), doctest::Contains("nesterov requires momentum > 0"),
                         Error);
    CHECK_THROWS_WITH_AS(CpuSgd(refs, {.momentum = 0.9, .dampening = 0.1, .nesterov = true}),
                         doctest::Contains("dampening 0"), Error);
    CHECK_NOTHROW(CpuSgd(refs, {.lr = 0, .momentum = 0.9, .nesterov = true}));
    CHECK_NOTHROW(CpuSgd(refs, {.momentum = 0.9, .dampening = 0.5}));
    CpuSgd sgd(refs, {.lr = 0.1});
    CHECK_THROWS_AS(sgd.set_lr(nan), Error);
    sgd.set_lr(0.5);
    CHECK(sgd.options().lr == 0.5);

    // Adam and AdamW: torch's checks.
    CHECK_THROWS_WITH_AS(CpuAdam(refs, {.lr = -1e-3}), doctest::Contains("Adam: learning rate"), Error);
    CHECK_THROWS_WITH_AS(CpuAdam(refs, {.beta1 = 1.0}), doctest::Contains("beta1 must be in [0, 1)"), Error);
    CHECK_THROWS_WITH_AS(CpuAdam(refs, {.beta1 = -0.5}), doctest::Contains("beta1"), Error);
    CHECK_THROWS_WITH_AS(CpuAdam(refs, {.beta2 = 1.2}), doctest::Contains("beta2"), Error);
    CHECK_THROWS_WITH_AS(CpuAdam(refs, {.beta2 = nan}), doctest::Contains("beta2"), Error);
    CHECK_THROWS_WITH_AS(CpuAdam(refs, {.eps = -1e-8}), doctest::Contains("eps"), Error);
    CHECK_THROWS_WITH_AS(CpuAdam(refs, {.weight_decay = -0.01, .decoupled_weight_decay = true}),
                         doctest::Contains("AdamW: weight_decay"), Error);
    CHECK_NOTHROW(CpuAdam(refs, {.lr = 0, .beta1 = 0, .beta2 = 0, .eps = 0}));
}

// By hand: the first Adam step, set_lr, and optimizers built from a network clearing the
// gradients they consume.
TEST_CASE("optim: Adam's first step moves every parameter by about lr against its gradient's sign") {
    Params p;
    p.value = {{1.0f, -2.0f, 0.5f, 3.0f}};
    p.grad = {{0.3f, -4.0f, 0.0f, 1e-3f}};
    optim::Adam<float, Cpu> adam(p.refs(), {.lr = 0.01});
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

TEST_CASE("optim: optimizers built from a network see all its trainable tensors and clear their gradients") {
    using Net = Network<Sequential<Linear<3, 4>, Linear<4, 2, false>>, Shape<3>>;
    Net net;
    Rng rng(1);
    net.reset_parameters(rng);
    auto params = trainable_parameters(net);
    REQUIRE(params.size() == 3);
    optim::Adam<float, Cpu> adam(net, {.lr = 0.1});
    REQUIRE(adam.parameters().size() == 3);
    CHECK(adam.exp_avg().size() == 12 + 4 + 8);
    for (auto& p : params) std::fill(p.grad, p.grad + p.size, 1.0f);
    const float w = params[2].value[0];
    adam.step();
    CHECK(params[2].value[0] == doctest::Approx(w - 0.1).epsilon(1e-5));
    for (auto& p : params)
        for (std::size_t i = 0; i < p.size; ++i) CHECK(p.grad[i] == 0.0f);

    optim::Sgd<float, Cpu> sgd(net, {.lr = 0.5});
    for (auto& p : params) std::fill(p.grad, p.grad + p.size, 2.0f);
    const float b = params[1].value[3];
    sgd.step();
    CHECK(params[1].value[3] == doctest::Approx(b - 1.0));
    for (auto& p : params)
        for (std::size_t i = 0; i < p.size; ++i) CHECK(p.grad[i] == 0.0f);
}
