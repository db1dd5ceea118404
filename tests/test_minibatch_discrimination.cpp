// MinibatchDiscrimination (layers/minibatch_discrimination.hpp): output, input gradient and T's
// gradient against PyTorch (tests/data/minibatch_discrimination_goldens.json, from
// make_minibatch_discrimination_goldens.py) in double and float, with and without Mean, and the
// tangent passes against PyTorch's jvp and double backprop; a case by hand; finite-difference
// gradient and tangent checks (over the whole batch: every sample's output depends on all
// samples); state, name and shapes; mode independence; ParamGrads::skip and a null dx; and a
// WGAN-GP critic holding it (penalty parameter gradient against finite differences).
#include <doctest/doctest.h>

#include "goldens.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "penalty_check.hpp"
#include "tangent_check.hpp"
#include "xgan/core/error.hpp"
#include "xgan/gan/gan.hpp"
#include "xgan/gan/penalty.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/minibatch_discrimination.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/nn/sequential.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

namespace {

const nlohmann::json& goldens() { return xgan_test::json_goldens("minibatch_discrimination_goldens.json"); }
using xgan_test::check_close;

template <class T>
void load(const nlohmann::json& values, T* out, std::size_t n) {
    const auto v = values.get<std::vector<double>>();
    REQUIRE(v.size() == n);
    for (std::size_t i = 0; i < n; ++i) out[i] = T(v[i]);
}

// The layer's single state entry, T.
template <class L>
StateEntry<typename L::scalar> state_of(L& layer) {
    std::vector<StateEntry<typename L::scalar>> e;
    layer.visit_state([&](const StateEntry<typename L::scalar>& s) { e.push_back(s); }, "");
    REQUIRE(e.size() == 1);
    return e[0];
}

// The golden case `key` through MinibatchDiscrimination<K, D, Mean> on Shape<A>, backend B.
template <std::size_t A, std::size_t K, std::size_t D, bool Mean, class B>
void check_against_torch(const char* key, double rtol) {
    using T = typename B::scalar;
    using L = bind_t<MinibatchDiscrimination<K, D, Mean>, Shape<A>, B>;
    const nlohmann::json& g = goldens()[key];
    REQUIRE(g["in_features"].get<std::size_t>() == A);
    REQUIRE(g["out_features"].get<std::size_t>() == K);
    REQUIRE(g["kernel_dims"].get<std::size_t>() == D);
    REQUIRE(g["mean"].get<bool>() == Mean);
    const std::size_t n = g["batch"].get<std::size_t>();
    L layer;
    const auto t = state_of(layer);
    load(g["T"], t.value, t.numel());
    std::fill(t.grad, t.grad + t.numel(), T(0));
    Tensor<Shape<A>, B> x(n), dx;
    Tensor<Shape<A + K>, B> y, r(n);
    load(g["x"], x.data(), x.size());
    load(g["r"], r.data(), r.size());
    layer.forward(x, y, Mode::train);
    layer.backward(x, y, r, &dx, ParamGrads::accumulate);
    const std::string k = key;
    check_close(k + " output", y.data(), g["out"].get<std::vector<double>>(), rtol);
    check_close(k + " input gradient", dx.data(), g["grad_x"].get<std::vector<double>>(), rtol);
    check_close(k + " T gradient", t.grad, g["grad_T"].get<std::vector<double>>(), rtol);
    // the appended columns alone (the copied x would hide an error in them from check_close's max)
    std::vector<double> want_o;
    std::vector<T> got_o;
    const auto out = g["out"].get<std::vector<double>>();
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t b = 0; b < K; ++b) {
            want_o.push_back(out[i * (A + K) + A + b]);
            got_o.push_back(y.sample(i)[A + b]);
        }
    check_close(k + " minibatch features", got_o.data(), want_o, rtol);
}

// The tangent passes of case "k5d3" against PyTorch: yt = J v (torch.autograd.functional.jvp);
// with ybar = 0, ytbar = r along xt = v, xbar = d/dx <v, dL/dx>, dT = d/dT <v, dL/dx> (double
// backprop) and xtbar = dL/dx.
template <class B>
void check_tangents_against_torch(double rtol) {
    using T = typename B::scalar;
    using L = bind_t<MinibatchDiscrimination<5, 3>, Shape<16>, B>;
    const nlohmann::json& g = goldens()["k5d3"];
    const std::size_t n = g["batch"].get<std::size_t>();
    L layer;
    const auto t = state_of(layer);
    load(g["T"], t.value, t.numel());
    std::fill(t.grad, t.grad + t.numel(), T(0));
    Tensor<Shape<16>, B> x(n), v(n), xbar, xtbar;
    Tensor<Shape<21>, B> y, yt, zero(n), r(n);
    load(g["x"], x.data(), x.size());
    load(g["v"], v.data(), v.size());
    load(g["r"], r.data(), r.size());
    std::fill(zero.data(), zero.data() + zero.size(), T(0));
    layer.forward(x, y, Mode::train);
    layer.tangent_forward(x, y, v, yt);
    check_close("k5d3 tangent", yt.data(), g["yt"].get<std::vector<double>>(), rtol);
    layer.tangent_backward(x, y, v, yt, zero, r, &xbar, &xtbar, ParamGrads::accumulate);
    check_close("k5d3 xbar", xbar.data(), g["second_x"].get<std::vector<double>>(), rtol);
    check_close("k5d3 xtbar", xtbar.data(), g["grad_x"].get<std::vector<double>>(), rtol);
    check_close("k5d3 T gradient (second order)", t.grad, g["second_T"].get<std::vector<double>>(), rtol);
}

template <std::size_t A, std::size_t K, std::size_t D, bool Mean = false>
void check_derivatives(std::size_t batch) {
    testing::GradcheckOptions o;
    o.batch = batch;
    o.max_checks_per_tensor = 1000;  // every element
    auto r = testing::gradcheck<MinibatchDiscrimination<K, D, Mean>, Shape<A>>(o);
    CHECK_MESSAGE(r.ok, "batch " << batch << ": " << r.report());
    CHECK(r.checked == batch * A + A * K * D);
    r = testing::tangent_check<bind_t<MinibatchDiscrimination<K, D, Mean>, Shape<A>, CpuF64>>(o);
    CHECK_MESSAGE(r.ok, "batch " << batch << " tangents: " << r.report());
    CHECK(r.checked == batch * (A + K) + 2 * batch * A + A * K * D);
}

// A small critic holding the layer, for the penalty tests.
using Critic = Sequential<Linear<6, 8>, LeakyReLU<ratio(0.2)>, MinibatchDiscrimination<3, 2>, Linear<11, 1>>;
using Wgan = objective::GradientPenalty<objective::Wasserstein>;

}  // namespace

TEST_CASE("MinibatchDiscrimination: output, input gradient and T gradient match PyTorch") {
    SUBCASE("double") {
        check_against_torch<16, 5, 3, false, CpuF64>("k5d3", 1e-12);
        check_against_torch<32, 8, 4, false, CpuF64>("k8d4", 1e-12);
        check_against_torch<6, 4, 2, true, CpuF64>("k4d2_mean", 1e-12);
    }
    SUBCASE("float") {
        check_against_torch<16, 5, 3, false, Cpu>("k5d3", 1e-5);
        check_against_torch<32, 8, 4, false, Cpu>("k8d4", 1e-5);
        check_against_torch<6, 4, 2, true, Cpu>("k4d2_mean", 1e-5);
    }
}

TEST_CASE("MinibatchDiscrimination: tangent passes match PyTorch's jvp and double backprop") {
    SUBCASE("double") { check_tangents_against_torch<CpuF64>(1e-12); }
    SUBCASE("float") { check_tangents_against_torch<Cpu>(1e-5); }
}

TEST_CASE("MinibatchDiscrimination: by hand") {
    // A = K = D = 1, T = 2: M = 2x, c[i, j] = exp(-2 |x_i - x_j|).
    bind_t<MinibatchDiscrimination<1, 1>, Shape<1>, CpuF64> layer;
    state_of(layer).value[0] = 2;
    Tensor<Shape<1>, CpuF64> x(3), dx;
    Tensor<Shape<2>, CpuF64> y, dy(3);
    x[0] = 0, x[1] = 1, x[2] = 3;
    layer.forward(x, y, Mode::eval);
    const double e2 = std::exp(-2.0), e4 = std::exp(-4.0), e6 = std::exp(-6.0);
    const double want[6] = {0, e2 + e6, 1, e2 + e4, 3, e4 + e6};
    for (std::size_t i = 0; i < 6; ++i) CHECK(y[i] == doctest::Approx(want[i]).epsilon(1e-15));
    // dy on the feature of sample 0 only: L = o_0 = e^{-2(x1 - x0)} + e^{-2(x2 - x0)}
    std::fill(dy.data(), dy.data() + dy.size(), 0.0);
    dy[1] = 1;
    auto t = state_of(layer);
    t.grad[0] = 0;
    layer.backward(x, y, dy, &dx, ParamGrads::accumulate);
    CHECK(dx[0] == doctest::Approx(2 * (e2 + e6)).epsilon(1e-15));
    CHECK(dx[1] == doctest::Approx(-2 * e2).epsilon(1e-15));
    CHECK(dx[2] == doctest::Approx(-2 * e6).epsilon(1e-15));
    // dL/dT = -(x1 - x0) e^{-T(x1 - x0)} - (x2 - x0) e^{-T(x2 - x0)} at T = 2
    CHECK(t.grad[0] == doctest::Approx(-e2 - 3 * e6).epsilon(1e-15));

    // A batch of one: no other sample, o = 0 (the reference's exp(0) - 1).
    Tensor<Shape<1>, CpuF64> one(1);
    one[0] = 5;
    layer.forward(one, y, Mode::train);
    CHECK(y.batch() == 1);
    CHECK(y[0] == 5);
    CHECK(y[1] == 0);
}

TEST_CASE("MinibatchDiscrimination: Mean needs a batch of at least 2") {
    bind_t<MinibatchDiscrimination<2, 2, true>, Shape<3>, Cpu> layer;
    Tensor<Shape<3>, Cpu> x(1);
    Tensor<Shape<5>, Cpu> y;
    std::fill(x.data(), x.data() + x.size(), 1.0f);
    CHECK_THROWS_WITH_AS(layer.forward(x, y, Mode::train), doctest::Contains("a batch of 1 has none"), Error);
    x.resize(2);
    std::fill(x.data(), x.data() + x.size(), 1.0f);
    layer.forward(x, y, Mode::train);
    CHECK(y.batch() == 2);
    CHECK(y[3] == 1.0f);  // identical samples: c = 1, the mean over one other sample
}

TEST_CASE("MinibatchDiscrimination: gradients and tangent passes match finite differences") {
    check_derivatives<4, 3, 2>(4);
    check_derivatives<5, 2, 3>(2);
    check_derivatives<3, 4, 1>(5);
    check_derivatives<4, 3, 2, true>(4);
    check_derivatives<4, 3, 2>(1);  // no pairs: the identity on x, zero for T
    // a whole critic (Sequential chains the tangents and their reverse pass)
    testing::GradcheckOptions o;
    o.batch = 5;
    auto r = testing::tangent_check<Network<Critic, Shape<6>, CpuF64>>(o);
    CHECK_MESSAGE(r.ok, r.report());
    r = testing::gradcheck<Critic, Shape<6>>(o);
    CHECK_MESSAGE(r.ok, r.report());
}

TEST_CASE("MinibatchDiscrimination: state, name and shapes") {
    using L = bind_t<MinibatchDiscrimination<5, 3>, Shape<16>, Cpu>;
    static_assert(Layer<L>);
    static_assert(HasTangentPasses<L>);
    static_assert(std::is_same_v<L::output_shape, Shape<21>>);
    static_assert(L::parameter_count == 16 * 5 * 3);
    CHECK(L::name() == "MinibatchDiscrimination(in_features=16, out_features=5, kernel_dims=3)");
    CHECK(bind_t<MinibatchDiscrimination<4, 2, true>, Shape<6>, Cpu>::name() ==
          "MinibatchDiscrimination(in_features=6, out_features=4, kernel_dims=2, mean=True)");
    L layer;
    std::vector<StateEntry<float>> e;
    layer.visit_state([&](const StateEntry<float>& s) { e.push_back(s); }, "3.");
    REQUIRE(e.size() == 1);
    CHECK(e[0].name == "3.T");
    CHECK(e[0].shape == std::vector<std::int64_t>{16, 5, 3});
    CHECK(e[0].trainable());
    CHECK(e[0].numel() == L::parameter_count);

    // T ~ N(0, 1) under either init
    for (Init init : {Init::pytorch, Init::dcgan}) {
        Rng rng(7);
        layer.reset_parameters(rng, init);
        double mean = 0, sq = 0;
        for (std::size_t i = 0; i < e[0].numel(); ++i)
            mean += e[0].value[i], sq += double(e[0].value[i]) * e[0].value[i];
        mean /= double(e[0].numel());
        const double sd = std::sqrt(sq / double(e[0].numel()) - mean * mean);
        CHECK(std::abs(mean) < 0.25);  // 240 draws: the mean's standard error is 0.065
        CHECK(sd > 0.8);
        CHECK(sd < 1.2);
    }
    // T ~ N(0, 0.05^2) with InitStd 0.05
    bind_t<MinibatchDiscrimination<5, 3, false, ratio(0.05)>, Shape<16>, Cpu> narrow;
    Rng narrow_rng(7);
    narrow.reset_parameters(narrow_rng, Init::pytorch);
    double sq = 0;
    std::size_t count = 0;
    narrow.visit_state(
        [&](const StateEntry<float>& s) {
            for (std::size_t i = 0; i < s.numel(); ++i) sq += double(s.value[i]) * s.value[i];
            count += s.numel();
        },
        "");
    CHECK(std::sqrt(sq / double(count)) == doctest::Approx(0.05).epsilon(0.2));

    // After Flatten and a Linear: the layer appends Kernels features.
    using D = Sequential<Flatten, Linear<784, 64>, LeakyReLU<>, MinibatchDiscrimination<8, 4>, Linear<72, 1>>;
    using Net = Network<D, Shape<1, 28, 28>, Cpu>;
    static_assert(std::is_same_v<Net::layer_t<3>::output_shape, Shape<72>>);
    static_assert(std::is_same_v<Net::output_shape, Shape<1>>);
    static_assert(Net::parameter_count == 784 * 64 + 64 + 64 * 8 * 4 + 72 + 1);
    Net net;
    Rng rng(1);
    net.reset_parameters(rng, Init::pytorch);
    std::vector<std::string> names;
    net.visit_state([&](const StateEntry<float>& s) { names.push_back(s.name); });
    CHECK(names == std::vector<std::string>{"1.weight", "1.bias", "3.T", "4.weight", "4.bias"});
    Tensor<Shape<1, 28, 28>, Cpu> x(3);
    rng.fill_normal(x.data(), x.size());
    const auto& out = net.forward(x, Mode::train);
    CHECK(out.batch() == 3);
    for (std::size_t i = 0; i < out.size(); ++i) CHECK(std::isfinite(out[i]));
}

TEST_CASE("MinibatchDiscrimination: train and eval mode give the same output") {
    bind_t<MinibatchDiscrimination<4, 3>, Shape<10>, Cpu> layer;
    Rng rng(3);
    layer.reset_parameters(rng, Init::pytorch);
    Tensor<Shape<10>, Cpu> x(6);
    rng.fill_normal(x.data(), x.size(), 0.0, 0.1);
    Tensor<Shape<14>, Cpu> train, eval;
    layer.forward(x, train, Mode::train);
    layer.forward(x, eval, Mode::eval);
    REQUIRE(train.size() == eval.size());
    std::size_t differ = 0, nonzero = 0;
    for (std::size_t i = 0; i < train.size(); ++i) differ += train[i] != eval[i];
    for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t b = 0; b < 4; ++b) nonzero += train.sample(i)[10 + b] > 1e-3f;
    CHECK(differ == 0);
    CHECK(nonzero == 24);  // the features are not trivially zero
}

TEST_CASE("MinibatchDiscrimination: T's gradient accumulates, honours ParamGrads::skip and a null dx") {
    using L = bind_t<MinibatchDiscrimination<3, 2>, Shape<5>, CpuF64>;
    L layer;
    Rng rng(5);
    layer.reset_parameters(rng, Init::pytorch);
    Tensor<Shape<5>, CpuF64> x(4), dx, dx_skip;
    Tensor<Shape<8>, CpuF64> y, dy(4);
    rng.fill_normal(x.data(), x.size(), 0.0, 0.3);
    rng.fill_normal(dy.data(), dy.size());
    auto t = state_of(layer);
    std::fill(t.grad, t.grad + t.numel(), 0.0);
    layer.forward(x, y, Mode::train);
    layer.backward(x, y, dy, &dx, ParamGrads::accumulate);
    const std::vector<double> once(t.grad, t.grad + t.numel());
    double norm = 0;
    for (double v : once) norm += v * v;
    CHECK(norm > 1e-6);
    layer.backward(x, y, dy, nullptr, ParamGrads::accumulate);  // no dx: T's gradient only
    for (std::size_t i = 0; i < once.size(); ++i) CHECK(t.grad[i] == doctest::Approx(2 * once[i]).epsilon(1e-14));
    layer.backward(x, y, dy, &dx_skip, ParamGrads::skip);  // dx only, T's gradient untouched
    for (std::size_t i = 0; i < once.size(); ++i) CHECK(t.grad[i] == doctest::Approx(2 * once[i]).epsilon(1e-14));
    REQUIRE(dx_skip.batch() == 4);
    for (std::size_t i = 0; i < dx.size(); ++i) CHECK(dx_skip[i] == dx[i]);

    // the same in the tangent reverse pass
    Tensor<Shape<5>, CpuF64> xt(4), xbar, xtbar;
    Tensor<Shape<8>, CpuF64> yt, ytbar(4);
    rng.fill_normal(xt.data(), xt.size());
    rng.fill_normal(ytbar.data(), ytbar.size());
    layer.tangent_forward(x, y, xt, yt);
    layer.tangent_backward(x, y, xt, yt, dy, ytbar, &xbar, &xtbar, ParamGrads::skip);
    for (std::size_t i = 0; i < once.size(); ++i) CHECK(t.grad[i] == doctest::Approx(2 * once[i]).epsilon(1e-14));
    std::fill(t.grad, t.grad + t.numel(), 0.0);
    layer.tangent_backward(x, y, xt, yt, dy, ytbar, nullptr, nullptr, ParamGrads::accumulate);
    std::vector<double> second(t.grad, t.grad + t.numel());
    std::fill(t.grad, t.grad + t.numel(), 0.0);
    Tensor<Shape<5>, CpuF64> xbar2, xtbar2;
    layer.tangent_backward(x, y, xt, yt, dy, ytbar, &xbar2, &xtbar2, ParamGrads::accumulate);
    for (std::size_t i = 0; i < second.size(); ++i) CHECK(t.grad[i] == second[i]);
    for (std::size_t i = 0; i < xbar.size(); ++i) CHECK(xbar2[i] == xbar[i]);
    for (std::size_t i = 0; i < xtbar.size(); ++i) CHECK(xtbar2[i] == xtbar[i]);
}

TEST_CASE("MinibatchDiscrimination: a WGAN-GP critic holding it compiles and its penalty gradient is exact") {
    using G = Sequential<Linear<4, 6>, Tanh>;
    using Dnet = Gan<G, Critic, Shape<4>, Wgan>::discriminator;
    static_assert(std::is_same_v<Dnet::output_shape, Shape<1>>);

    using Net = Network<Critic, Shape<6>, CpuF64>;
    Net base;
    Rng rng(11);
    base.reset_parameters(rng, Init::pytorch);
    Tensor<Shape<6>, CpuF64> x(5);
    rng.fill_normal(x.data(), x.size());
    const auto r = xgan_test::penalty_gradient_check<Wgan>(base, x);
    REQUIRE(r.scales.count("2.T") == 1);
    const double t_scale = r.scales.at("2.T");
    CHECK(t_scale > 1e-4);  // the penalty does reach T
}
