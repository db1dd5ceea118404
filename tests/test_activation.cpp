// ReLU, LeakyReLU<slope>, Tanh, Sigmoid, SELU (layers/activation.hpp): values, gradients, names;
// SELU also against PyTorch (tests/data/pggan_layer_goldens.json, make_pggan_layer_goldens.py).
#include <doctest/doctest.h>

#include "goldens.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgan/layers/activation.hpp"
#include "tangent_check.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

namespace {

// Runs layer Spec on the values `in` (one sample) and returns the output.
template <class Spec>
std::vector<float> apply(const std::vector<float>& in) {
    using S = Shape<6>;
    bind_t<Spec, S, Cpu> layer;
    Tensor<S, Cpu> x(1);
    std::copy(in.begin(), in.end(), x.data());
    Tensor<S, Cpu> y;
    layer.forward(x, y, Mode::train);
    return {y.data(), y.data() + y.size()};
}

// dx for dy = 1 everywhere.
template <class Spec>
std::vector<float> slope(const std::vector<float>& in) {
    using S = Shape<6>;
    bind_t<Spec, S, Cpu> layer;
    Tensor<S, Cpu> x(1), y, dy(1), dx;
    std::copy(in.begin(), in.end(), x.data());
    std::fill(dy.data(), dy.data() + 6, 1.0f);
    layer.forward(x, y, Mode::train);
    layer.backward(x, y, dy, &dx, ParamGrads::accumulate);
    return {dx.data(), dx.data() + dx.size()};
}

const std::vector<float> inputs = {-2.0f, -0.5f, 0.0f, 0.25f, 1.0f, 3.0f};

}  // namespace

TEST_CASE("activations: gradcheck") {
    testing::GradcheckOptions o;
    o.batch = 4;
    auto relu = testing::gradcheck<ReLU, Shape<2, 3, 4>>(o);
    CHECK_MESSAGE(relu.ok, relu.report());
    CHECK(relu.checked == 64);
    auto leaky = testing::gradcheck<LeakyReLU<>, Shape<10>>(o);
    CHECK_MESSAGE(leaky.ok, leaky.report());
    auto leaky02 = testing::gradcheck<LeakyReLU<ratio(0.2)>, Shape<3, 5>>(o);
    CHECK_MESSAGE(leaky02.ok, leaky02.report());
    auto tanh = testing::gradcheck<Tanh, Shape<12>>(o);
    CHECK_MESSAGE(tanh.ok, tanh.report());
    auto sigmoid = testing::gradcheck<Sigmoid, Shape<1>>(o);
    CHECK_MESSAGE(sigmoid.ok, sigmoid.report());
    CHECK(sigmoid.checked == 4);
}

TEST_CASE("activations: forward values") {
    const auto relu = apply<ReLU>(inputs);
    const std::vector<float> relu_expected = {0, 0, 0, 0.25f, 1, 3};
    CHECK(relu == relu_expected);

    const auto leaky = apply<LeakyReLU<>>(inputs);  // PyTorch default slope 0.01
    CHECK(leaky[0] == doctest::Approx(-0.02));
    CHECK(leaky[1] == doctest::Approx(-0.005));
    CHECK(leaky[2] == 0.0f);
    CHECK(leaky[5] == 3.0f);

    const auto leaky02 = apply<LeakyReLU<ratio(0.2)>>(inputs);
    CHECK(leaky02[0] == doctest::Approx(-0.4));
    CHECK(leaky02[1] == doctest::Approx(-0.1));
    CHECK(leaky02[3] == 0.25f);

    const auto th = apply<Tanh>(inputs);
    for (std::size_t i = 0; i < inputs.size(); ++i) CHECK(th[i] == doctest::Approx(std::tanh(double(inputs[i]))));

    const auto sg = apply<Sigmoid>(inputs);
    for (std::size_t i = 0; i < inputs.size(); ++i)
        CHECK(sg[i] == doctest::Approx(1.0 / (1.0 + std::exp(-double(inputs[i])))));
    CHECK(sg[2] == 0.5f);
}

TEST_CASE("activations: derivatives") {
    const auto relu = slope<ReLU>(inputs);
    const std::vector<float> relu_expected = {0, 0, 0, 1, 1, 1};  // PyTorch: 0 at x = 0
    CHECK(relu == relu_expected);
    const auto leaky02 = slope<LeakyReLU<ratio(0.2)>>(inputs);
    CHECK(leaky02[0] == doctest::Approx(0.2));
    CHECK(leaky02[2] == doctest::Approx(0.2));  // PyTorch: negative slope at x = 0
    CHECK(leaky02[4] == 1.0f);
    const auto th = slope<Tanh>(inputs);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const double t = std::tanh(double(inputs[i]));
        CHECK(th[i] == doctest::Approx(1 - t * t));
    }
    const auto sg = slope<Sigmoid>(inputs);
    CHECK(sg[2] == doctest::Approx(0.25));
}

TEST_CASE("Sigmoid: no overflow at large |x|") {
    const auto sg = apply<Sigmoid>({-1000.0f, -100.0f, -20.0f, 20.0f, 100.0f, 1000.0f});
    for (float v : sg) CHECK(std::isfinite(v));
    CHECK(sg[0] == 0.0f);
    CHECK(sg[1] >= 0.0f);
    CHECK(sg[1] < 1e-40f);
    CHECK(sg[5] == 1.0f);
    CHECK(sg[2] == doctest::Approx(std::exp(-20.0)).epsilon(1e-4));
}

TEST_CASE("activations: names, shapes and no parameters") {
    using L = bind_t<LeakyReLU<ratio(0.2)>, Shape<1, 28, 28>, Cpu>;
    static_assert(std::is_same_v<L::output_shape, Shape<1, 28, 28>>);
    static_assert(L::parameter_count == 0);
    static_assert(Layer<L>);
    CHECK(L::name() == "LeakyReLU(negative_slope=0.2)");
    CHECK(bind_t<LeakyReLU<>, Shape<4>, Cpu>::name() == "LeakyReLU(negative_slope=0.01)");
    CHECK(bind_t<ReLU, Shape<4>, Cpu>::name() == "ReLU()");
    CHECK(bind_t<Tanh, Shape<4>, Cpu>::name() == "Tanh()");
    CHECK(bind_t<Sigmoid, Shape<4>, Cpu>::name() == "Sigmoid()");
    static_assert(ratio(0.2).num == 200000 && ratio(0.2).den == 1000000);
    static_assert(ratio(-0.01).num == -10000);
    CHECK(ratio(0.2).value() == doctest::Approx(0.2));
}

TEST_CASE("activations: ParamGrads::skip still computes dx - a null dx is allowed") {
    bind_t<Tanh, Shape<6>, Cpu> layer;
    Tensor<Shape<6>, Cpu> x(1), y, dy(1), dx;
    std::copy(inputs.begin(), inputs.end(), x.data());
    std::fill(dy.data(), dy.data() + 6, 2.0f);
    layer.forward(x, y, Mode::train);
    layer.backward(x, y, dy, &dx, ParamGrads::skip);
    REQUIRE(dx.batch() == 1);
    CHECK(dx[4] == doctest::Approx(2 * (1 - std::tanh(1.0) * std::tanh(1.0))));
    layer.backward(x, y, dy, nullptr, ParamGrads::accumulate);  // must not crash
}

namespace {

// SELU on the golden input (one sample of 16): output, dL/dx for L = sum(y r), and
// d/dx sum(v dL/dx) = r v f''(x) through the tangent pass's reverse (ybar = 0, ytbar = r, xt = v).
template <class B>
void check_selu_against_torch(double rtol) {
    using T = typename B::scalar;
    using S = Shape<16>;
    const nlohmann::json& g = xgan_test::json_goldens("pggan_layer_goldens.json")["selu"];
    auto tensor = [&](const char* key) {
        const auto v = g[key].get<std::vector<double>>();
        Tensor<S, B> t(1);
        REQUIRE(v.size() == t.size());
        for (std::size_t i = 0; i < v.size(); ++i) t[i] = T(v[i]);
        return t;
    };
    auto close = [&](const std::string& what, const Tensor<S, B>& got, const char* key) {
        const auto want = g[key].get<std::vector<double>>();
        for (std::size_t i = 0; i < want.size(); ++i)
            CHECK_MESSAGE(std::abs(double(got[i]) - want[i]) <= rtol * std::max(1.0, std::abs(want[i])),
                          what << "[" << i << "]: " << double(got[i]) << ", torch " << want[i]);
    };
    bind_t<SELU, S, B> layer;
    const Tensor<S, B> x = tensor("x"), r = tensor("r"), v = tensor("v");
    Tensor<S, B> y, dx, yt, xbar, zeros(1);
    std::fill(zeros.data(), zeros.data() + zeros.size(), T(0));
    layer.forward(x, y, Mode::train);
    close("output", y, "out");
    layer.backward(x, y, r, &dx, ParamGrads::accumulate);
    close("input gradient", dx, "grad_x");
    layer.tangent_forward(x, y, v, yt);
    layer.tangent_backward(x, y, v, yt, zeros, r, &xbar, nullptr, ParamGrads::accumulate);
    close("second order", xbar, "second");
}

}  // namespace

TEST_CASE("SELU: output, gradient and second order match PyTorch") {
    SUBCASE("double") { check_selu_against_torch<CpuF64>(1e-13); }
    SUBCASE("float") { check_selu_against_torch<Cpu>(1e-6); }
}

TEST_CASE("SELU: values, derivative at 0, gradcheck, tangents, name") {
    using F = activation::SELU;
    const auto y = apply<SELU>(inputs);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const double x = inputs[i];
        CHECK(y[i] == doctest::Approx(x > 0 ? F::scale * x : F::scale * F::alpha * std::expm1(x)));
    }
    CHECK(y[2] == 0.0f);
    const auto d = slope<SELU>(inputs);
    CHECK(d[2] == doctest::Approx(F::scale * F::alpha));  // PyTorch: the left derivative at x = 0
    CHECK(d[4] == doctest::Approx(F::scale));
    CHECK(apply<SELU>({-100.0f, -30.0f, 0, 0, 0, 0})[0] == doctest::Approx(-F::scale * F::alpha));

    testing::GradcheckOptions o;
    o.batch = 4;
    const auto r = testing::gradcheck<SELU, Shape<3, 5>>(o);
    CHECK_MESSAGE(r.ok, r.report());
    const auto t = testing::tangent_check<bind_t<SELU, Shape<3, 5>, CpuF64>>(o);
    CHECK_MESSAGE(t.ok, t.report());
    CHECK(t.checked > 0);
    static_assert(HasTangentPasses<bind_t<SELU, Shape<4>, Cpu>>);
    CHECK(bind_t<SELU, Shape<4>, Cpu>::name() == "SELU()");
}

// 37 values per sample, 3 samples: whole SIMD batches of any width (4, 8 or 16 floats) and a
// scalar remainder, so both forms of each functor run (apply_batch, derivative_batch).
TEST_CASE("activations: the vector and scalar passes give the formula's values") {
    using S = Shape<37>;
    constexpr std::size_t batch = 3;
    Tensor<S, Cpu> x(batch), y, dy(batch), dx;
    for (std::size_t i = 0; i < x.size(); ++i) {
        x.data()[i] = (float(int(i % 13)) - 6.0f) * 0.375f;  // negatives, zeros, positives
        dy.data()[i] = 0.5f + float(i % 5) * 0.25f;
    }
    x.data()[40] = -0.0f;  // ReLU and LeakyReLU take x > 0 as the positive side
    const auto check = [&]<class Spec>(Spec, const char* name, auto f, auto df) {
        bind_t<Spec, S, Cpu> layer;
        layer.forward(x, y, Mode::train);
        layer.backward(x, y, dy, &dx, ParamGrads::accumulate);
        int wrong_y = 0, wrong_dx = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            wrong_y += y.data()[i] != f(x.data()[i]);
            wrong_dx += dx.data()[i] != dy.data()[i] * df(x.data()[i]);
        }
        CHECK_MESSAGE(wrong_y == 0, name, " forward");
        CHECK_MESSAGE(wrong_dx == 0, name, " backward");
    };
    check(ReLU{}, "ReLU", [](float v) { return v > 0 ? v : 0.0f; }, [](float v) { return v > 0 ? 1.0f : 0.0f; });
    check(LeakyReLU<ratio(0.2)>{}, "LeakyReLU(0.2)", [](float v) { return v > 0 ? v : v * 0.2f; },
          [](float v) { return v > 0 ? 1.0f : 0.2f; });
    check(LeakyReLU<>{}, "LeakyReLU(0.01)", [](float v) { return v > 0 ? v : v * 0.01f; }, [](float v) { return v > 0 ? 1.0f : 0.01f; });
}
