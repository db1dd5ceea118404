// Linear<In, Out, Bias> (layers/linear.hpp): forward values, gradients, PyTorch init.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "xgan/layers/linear.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

namespace {

template <class L>
std::vector<StateEntry<typename L::scalar>> state_of(L& layer) {
    std::vector<StateEntry<typename L::scalar>> out;
    layer.visit_state([&](const StateEntry<typename L::scalar>& e) { out.push_back(e); }, "");
    return out;
}

}  // namespace

TEST_CASE("Linear: gradcheck with and without bias") {
    auto with_bias = testing::gradcheck<Linear<5, 4>, Shape<5>>();
    CHECK_MESSAGE(with_bias.ok, with_bias.report());
    CHECK(with_bias.checked == 15 + 20 + 4);  // input (3 x 5), weight, bias
    auto without_bias = testing::gradcheck<Linear<7, 3, false>, Shape<7>>();
    CHECK_MESSAGE(without_bias.ok, without_bias.report());
    CHECK(without_bias.checked == 21 + 21);
    testing::GradcheckOptions big_batch;
    big_batch.batch = 9;
    auto r = testing::gradcheck<Linear<16, 8>, Shape<16>>(big_batch);
    CHECK_MESSAGE(r.ok, r.report());
}

TEST_CASE("Linear: forward and backward against a hand-computed case") {
    bind_t<Linear<3, 2>, Shape<3>, Cpu> lin;
    auto st = state_of(lin);
    REQUIRE(st.size() == 2);
    CHECK(st[0].name == "weight");
    CHECK(st[0].shape == std::vector<std::int64_t>{2, 3});  // PyTorch layout [out, in]
    CHECK(st[1].name == "bias");
    CHECK(st[1].shape == std::vector<std::int64_t>{2});
    const float w[6] = {1, 2, 3, -1, 0.5f, 2};  // W = [[1, 2, 3], [-1, 0.5, 2]]
    std::copy(w, w + 6, st[0].value);
    st[1].value[0] = 0.5f;
    st[1].value[1] = -1.0f;
    std::fill(st[0].grad, st[0].grad + 6, 0.0f);
    std::fill(st[1].grad, st[1].grad + 2, 0.0f);

    Tensor<Shape<3>, Cpu> x(2);
    const float xv[6] = {1, 0, -1, 2, 1, 0.5f};
    std::copy(xv, xv + 6, x.data());
    Tensor<Shape<2>, Cpu> y;
    lin.forward(x, y, Mode::train);
    REQUIRE(y.batch() == 2);
    // y0 = [1 - 3 + 0.5, -1 - 2 - 1] ; y1 = [2 + 2 + 1.5 + 0.5, -2 + 0.5 + 1 - 1]
    CHECK(y[0] == doctest::Approx(-1.5));
    CHECK(y[1] == doctest::Approx(-4.0));
    CHECK(y[2] == doctest::Approx(6.0));
    CHECK(y[3] == doctest::Approx(-1.5));

    Tensor<Shape<2>, Cpu> dy(2);
    const float dyv[4] = {1, 2, -1, 0.5f};
    std::copy(dyv, dyv + 4, dy.data());
    Tensor<Shape<3>, Cpu> dx;
    lin.backward(x, y, dy, &dx, ParamGrads::accumulate);
    // dx = dy W: row0 = [1 - 2, 2 + 1, 3 + 4] ; row1 = [-1 - 0.5, -2 + 0.25, -3 + 1]
    const float dx_expected[6] = {-1, 3, 7, -1.5f, -1.75f, -2};
    for (int i = 0; i < 6; ++i) CHECK(dx[std::size_t(i)] == doctest::Approx(dx_expected[i]));
    // dW = dy^T x: [[1*1 + -1*2, 0 - 1, -1 - 0.5], [2 + 1, 0 + 0.5, -2 + 0.25]]
    const float dw_expected[6] = {-1, -1, -1.5f, 3, 0.5f, -1.75f};
    for (int i = 0; i < 6; ++i) CHECK(st[0].grad[i] == doctest::Approx(dw_expected[i]));
    CHECK(st[1].grad[0] == doctest::Approx(0.0));
    CHECK(st[1].grad[1] == doctest::Approx(2.5));

    // Backward accumulates: a second call doubles the parameter gradients, dx is overwritten.
    lin.backward(x, y, dy, &dx, ParamGrads::accumulate);
    for (int i = 0; i < 6; ++i) CHECK(st[0].grad[i] == doctest::Approx(2 * dw_expected[i]));
    CHECK(st[1].grad[1] == doctest::Approx(5.0));
    for (int i = 0; i < 6; ++i) CHECK(dx[std::size_t(i)] == doctest::Approx(dx_expected[i]));
}

TEST_CASE("Linear: without bias there is no bias tensor and no offset") {
    bind_t<Linear<2, 1, false>, Shape<2>, Cpu> lin;
    static_assert(decltype(lin)::parameter_count == 2);
    auto st = state_of(lin);
    REQUIRE(st.size() == 1);
    st[0].value[0] = 2;
    st[0].value[1] = -3;
    Tensor<Shape<2>, Cpu> x(1);
    x[0] = 1.5f;
    x[1] = 1;
    Tensor<Shape<1>, Cpu> y;
    lin.forward(x, y, Mode::eval);
    CHECK(y[0] == doctest::Approx(0.0));
    CHECK(decltype(lin)::name() == "Linear(in_features=2, out_features=1, bias=False)");
    CHECK(bind_t<Linear<784, 256>, Shape<784>, Cpu>::name() == "Linear(in_features=784, out_features=256, bias=True)");
    static_assert(bind_t<Linear<784, 256>, Shape<784>, Cpu>::parameter_count == 784 * 256 + 256);
}

TEST_CASE("Linear: PyTorch default init is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias") {
    bind_t<Linear<100, 64>, Shape<100>, Cpu> lin;
    Rng rng(3);
    lin.reset_parameters(rng, Init::pytorch);
    const double bound = 1.0 / std::sqrt(100.0);
    for (const auto& e : state_of(lin)) {
        const auto [mn, mx] = std::minmax_element(e.value, e.value + e.numel());
        INFO(e.name);
        CHECK(*mn >= -bound);
        CHECK(*mx <= bound);
        CHECK(*mn < *mx);  // not all equal
        // A uniform over the whole range: the extremes come close to the bounds.
        if (e.numel() > 1000) {
            CHECK(*mn < -0.95 * bound);
            CHECK(*mx > 0.95 * bound);
        }
    }
    // Another seed gives other weights; the same seed the same ones.
    bind_t<Linear<100, 64>, Shape<100>, Cpu> same, other;
    Rng r1(3), r2(4);
    same.reset_parameters(r1, Init::pytorch);
    other.reset_parameters(r2, Init::pytorch);
    auto a = state_of(lin), b = state_of(same), c = state_of(other);
    CHECK(std::equal(a[0].value, a[0].value + 6400, b[0].value));
    CHECK(!std::equal(a[0].value, a[0].value + 6400, c[0].value));
}

TEST_CASE("Linear: dcgan init has weight std 0.02 and zero bias") {
    bind_t<Linear<200, 100>, Shape<200>, Cpu> lin;
    Rng rng(11);
    lin.reset_parameters(rng, Init::pytorch);  // non-zero bias first, so the reset must clear it
    lin.reset_parameters(rng, Init::dcgan);
    auto st = state_of(lin);
    double sum = 0, sq = 0;
    const std::size_t n = st[0].numel();
    for (std::size_t i = 0; i < n; ++i) {
        sum += st[0].value[i];
        sq += double(st[0].value[i]) * st[0].value[i];
    }
    const double mean = sum / double(n), sd = std::sqrt(sq / double(n) - mean * mean);
    CHECK(std::abs(mean) < 0.002);
    CHECK(sd == doctest::Approx(0.02).epsilon(0.05));
    for (std::size_t i = 0; i < st[1].numel(); ++i) CHECK(st[1].value[i] == 0.0f);
}

TEST_CASE("Linear: ParamGrads::skip computes dx and leaves parameter gradients untouched") {
    using L = bind_t<Linear<6, 4>, Shape<6>, Cpu>;
    L lin;
    Rng rng(8);
    lin.reset_parameters(rng, Init::pytorch);
    auto st = state_of(lin);
    for (auto& e : st) std::fill(e.grad, e.grad + e.numel(), 0.25f);  // sentinel

    Tensor<Shape<6>, Cpu> x(5);
    rng.fill_normal(x.data(), x.size());
    Tensor<Shape<4>, Cpu> y, dy(5);
    rng.fill_normal(dy.data(), dy.size());
    lin.forward(x, y, Mode::train);

    Tensor<Shape<6>, Cpu> dx_skip, dx_acc;
    lin.backward(x, y, dy, &dx_skip, ParamGrads::skip);
    for (auto& e : st)
        for (std::size_t i = 0; i < e.numel(); ++i) REQUIRE(e.grad[i] == 0.25f);

    lin.backward(x, y, dy, &dx_acc, ParamGrads::accumulate);
    REQUIRE(dx_skip.batch() == 5);
    for (std::size_t i = 0; i < dx_acc.size(); ++i) CHECK(dx_skip[i] == dx_acc[i]);
    bool changed = false;
    for (auto& e : st)
        for (std::size_t i = 0; i < e.numel(); ++i) changed = changed || e.grad[i] != 0.25f;
    CHECK(changed);  // the accumulate pass did change them

    // dx may be skipped (the first layer of a network).
    for (auto& e : st) std::fill(e.grad, e.grad + e.numel(), 0.0f);
    lin.backward(x, y, dy, nullptr, ParamGrads::accumulate);
    CHECK(st[1].grad[0] != 0.0f);
}
