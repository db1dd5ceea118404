// bce and bce_with_logits (loss/bce.hpp): values, gradients, PyTorch's clamping, stability.
#include <doctest/doctest.h>

#include <cmath>
#include <span>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/loss/bce.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

namespace {

template <class T>
T bce_of(const std::vector<T>& p, const std::vector<T>& t, std::vector<T>& grad) {
    grad.assign(p.size(), T(-7));
    return loss::bce<backend::CpuBackend<T>>(std::span<const T>(p), std::span<const T>(t), std::span<T>(grad));
}
template <class T>
T logits_of(const std::vector<T>& x, const std::vector<T>& t, std::vector<T>& grad) {
    grad.assign(x.size(), T(-7));
    return loss::bce_with_logits<backend::CpuBackend<T>>(std::span<const T>(x), std::span<const T>(t), std::span<T>(grad));
}

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

}  // namespace

TEST_CASE("bce: value and gradient by hand") {
    const std::vector<double> p = {0.8, 0.3, 0.5, 0.99};
    const std::vector<double> t = {1, 0, 1, 0.25};  // soft targets too (label smoothing)
    std::vector<double> g;
    const double loss = bce_of(p, t, g);
    double expected = 0;
    for (std::size_t i = 0; i < 4; ++i) expected -= t[i] * std::log(p[i]) + (1 - t[i]) * std::log(1 - p[i]);
    expected /= 4;
    CHECK(loss == doctest::Approx(expected).epsilon(1e-12));
    CHECK(loss == doctest::Approx((-std::log(0.8) - std::log(0.7) - std::log(0.5) - 0.25 * std::log(0.99) -
                                   0.75 * std::log(0.01)) / 4));
    for (std::size_t i = 0; i < 4; ++i)
        CHECK(g[i] == doctest::Approx((p[i] - t[i]) / (p[i] * (1 - p[i])) / 4).epsilon(1e-12));
    CHECK(g[0] == doctest::Approx(-0.25 / 0.8));  // -1 / (4 p) for target 1

    // float gives the same to float precision.
    std::vector<float> gf;
    const float lf = bce_of<float>({0.8f, 0.3f, 0.5f, 0.99f}, {1, 0, 1, 0.25f}, gf);
    CHECK(lf == doctest::Approx(loss).epsilon(1e-6));
    CHECK(gf[3] == doctest::Approx(g[3]).epsilon(1e-4));
}

TEST_CASE("bce: gradient matches finite differences") {
    const std::vector<double> t = {1, 0, 0.9, 0.1, 1, 0};
    auto f = [&](const std::vector<double>& p, std::vector<double>& grad) {
        return loss::bce<CpuF64>(std::span<const double>(p), std::span<const double>(t), std::span<double>(grad));
    };
    auto r = testing::gradcheck_function(f, {0.1, 0.25, 0.5, 0.7, 0.95, 0.6});
    CHECK_MESSAGE(r.ok, r.report());
    CHECK(r.checked == 6);
}

TEST_CASE("bce: logs are clamped at -100 as in torch.nn.BCELoss") {
    std::vector<double> g;
    // p = 0 with target 1, p = 1 with target 0: each term is 100.
    CHECK(bce_of<double>({0.0}, {1.0}, g) == 100.0);
    CHECK(bce_of<double>({1.0}, {0.0}, g) == 100.0);
    CHECK(bce_of<double>({0.0, 1.0}, {1.0, 0.0}, g) == 100.0);
    CHECK(bce_of<double>({0.0, 0.5}, {1.0, 1.0}, g) == doctest::Approx((100 + std::log(2.0)) / 2));
    CHECK(bce_of<double>({0.0, 1.0}, {0.5, 0.5}, g) == 100.0 * 0.5);
    // Right answers: no loss and a finite gradient (not 0 * log 0 = NaN).
    CHECK(bce_of<double>({0.0, 1.0}, {0.0, 1.0}, g) == 0.0);
    for (double v : g) CHECK(std::isfinite(v));
    // Wrong answers: the gradient's denominator is clamped at 1e-12, as PyTorch does.
    bce_of<double>({0.0, 1.0}, {1.0, 0.0}, g);
    CHECK(g[0] == doctest::Approx(-1e12 / 2));
    CHECK(g[1] == doctest::Approx(1e12 / 2));

    std::vector<float> gf;
    const float lf = bce_of<float>({0.0f, 1.0f}, {1.0f, 0.0f}, gf);
    CHECK(lf == 100.0f);
    CHECK(std::isfinite(gf[0]));
    CHECK(std::isfinite(gf[1]));
    CHECK(gf[0] < 0);
    CHECK(gf[1] > 0);
}

TEST_CASE("bce_with_logits: value and gradient by hand, and equal to bce(sigmoid(x))") {
    const std::vector<double> x = {-3, -0.5, 0, 0.5, 2};
    const std::vector<double> t = {0, 1, 1, 0.9, 1};
    std::vector<double> g, g2;
    const double loss = logits_of(x, t, g);
    std::vector<double> p;
    for (double v : x) p.push_back(sigmoid(v));
    double expected = 0;
    for (std::size_t i = 0; i < x.size(); ++i) expected -= t[i] * std::log(p[i]) + (1 - t[i]) * std::log(1 - p[i]);
    expected /= double(x.size());
    CHECK(loss == doctest::Approx(expected).epsilon(1e-12));
    CHECK(loss == doctest::Approx(bce_of(p, t, g2)).epsilon(1e-12));
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(g[i] == doctest::Approx((p[i] - t[i]) / 5).epsilon(1e-12));
    CHECK(logits_of<double>({0.0}, {1.0}, g) == doctest::Approx(std::log(2.0)));
    CHECK(g[0] == doctest::Approx(-0.5));
}

TEST_CASE("bce_with_logits: gradient matches finite differences") {
    const std::vector<double> t = {1, 0, 0.9, 0.1, 1, 0, 0.5};
    auto f = [&](const std::vector<double>& x, std::vector<double>& grad) {
        return loss::bce_with_logits<CpuF64>(std::span<const double>(x), std::span<const double>(t), std::span<double>(grad));
    };
    auto r = testing::gradcheck_function(f, {-4, -1.5, -0.2, 0.3, 1.1, 2.5, 6});
    CHECK_MESSAGE(r.ok, r.report());
    CHECK(r.checked == 7);
}

TEST_CASE("bce_with_logits: stable at |x| = 1000") {
    std::vector<float> g;
    // Confidently right: zero loss, zero gradient.
    CHECK(logits_of<float>({1000.0f, -1000.0f}, {1.0f, 0.0f}, g) == 0.0f);
    CHECK(g[0] == 0.0f);
    CHECK(g[1] == 0.0f);
    // Confidently wrong: loss |x| (no inf), gradient +-1/N.
    const float wrong = logits_of<float>({1000.0f, -1000.0f}, {0.0f, 1.0f}, g);
    CHECK(wrong == doctest::Approx(1000.0));
    CHECK(g[0] == doctest::Approx(0.5));
    CHECK(g[1] == doctest::Approx(-0.5));
    std::vector<double> gd;
    CHECK(logits_of<double>({-1000.0}, {1.0}, gd) == doctest::Approx(1000.0));
    CHECK(gd[0] == doctest::Approx(-1.0));
    CHECK(logits_of<double>({40.0}, {0.0}, gd) == doctest::Approx(40.0));
}

TEST_CASE("bce: mismatched or empty sizes are an Error") {
    std::vector<float> p = {0.5f, 0.5f}, t = {1.0f}, g(2);
    CHECK_THROWS_AS(loss::bce<Cpu>(std::span<const float>(p), std::span<const float>(t), std::span<float>(g)), Error);
    std::vector<float> t2 = {1, 0}, g1(1);
    CHECK_THROWS_AS(loss::bce_with_logits<Cpu>(std::span<const float>(p), std::span<const float>(t2), std::span<float>(g1)), Error);
    std::vector<float> none;
    CHECK_THROWS_AS(loss::bce<Cpu>(std::span<const float>(none), std::span<const float>(none), std::span<float>(none)), Error);
}
