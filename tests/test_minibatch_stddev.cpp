// MinibatchStdDev (layers/minibatch_stddev.hpp): output and input gradient against PyTorch
// (tests/data/pggan_layer_goldens.json, from make_pggan_layer_goldens.py) for groups of 4, of
// the whole batch (N < Group) and of 2; by hand for groups of one; the batch-size error;
// finite-difference gradient and tangent checks (over the whole batch: the layer couples a
// group's samples); and a WGAN-GP critic holding it (with SELU and PixelNorm): the penalty's
// parameter gradient against finite differences and against PyTorch's double backprop.
#include <doctest/doctest.h>

#include "goldens.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "penalty_check.hpp"
#include "tangent_check.hpp"
#include "xgan/core/error.hpp"
#include "xgan/gan/gan.hpp"
#include "xgan/gan/penalty.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/minibatch_stddev.hpp"
#include "xgan/layers/pixel_norm.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/nn/sequential.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

namespace {

const nlohmann::json& goldens() { return xgan_test::json_goldens("pggan_layer_goldens.json"); }
using xgan_test::check_close;

// The golden case `key` through MinibatchStdDev<Group> on backend B.
template <std::size_t Group, class S, class B>
void check_against_torch(const char* key, double rtol) {
    using T = typename B::scalar;
    using L = bind_t<MinibatchStdDev<Group>, S, B>;
    const nlohmann::json& g = goldens()[key];
    const auto xv = g["x"].get<std::vector<double>>(), rv = g["r"].get<std::vector<double>>();
    const std::size_t n = g["shape"][0].get<std::size_t>();
    REQUIRE(xv.size() == n * S::size);
    L layer;
    Tensor<S, B> x(n), dx;
    Tensor<typename L::output_shape, B> y, r(n);
    REQUIRE(rv.size() == r.size());
    for (std::size_t i = 0; i < xv.size(); ++i) x[i] = T(xv[i]);
    for (std::size_t i = 0; i < rv.size(); ++i) r[i] = T(rv[i]);
    layer.forward(x, y, Mode::train);
    layer.backward(x, y, r, &dx, ParamGrads::accumulate);
    check_close(std::string(key) + " output", y.data(), g["out"].get<std::vector<double>>(), rtol);
    check_close(std::string(key) + " input gradient", dx.data(), g["grad_x"].get<std::vector<double>>(), rtol);
}

template <std::size_t Group, class S>
void check_derivatives(std::size_t batch) {
    testing::GradcheckOptions o;
    o.batch = batch;
    auto r = testing::gradcheck<MinibatchStdDev<Group>, S>(o);
    CHECK_MESSAGE(r.ok, "batch " << batch << ": " << r.report());
    r = testing::tangent_check<bind_t<MinibatchStdDev<Group>, S, CpuF64>>(o);
    CHECK_MESSAGE(r.ok, "batch " << batch << " tangents: " << r.report());
    CHECK(r.checked > 0);
}

// The critic of make_pggan_layer_goldens.py: Conv2d(2, 3, 3, 1, 1), SELU, PixelNorm,
// MinibatchStdDev(2), Flatten, Linear(64, 1).
using PgganCritic = Sequential<Conv2d<2, 3, 3, 1, 1>, SELU, PixelNorm<>, MinibatchStdDev<2>, Flatten, Linear<64, 1>>;
using Wgan = objective::GradientPenalty<objective::Wasserstein>;

using xgan_test::entries;

// The golden critic's weights and input, on backend B.
template <class B>
void load_golden_critic(Network<PgganCritic, Shape<2, 4, 4>, B>& d, Tensor<Shape<2, 4, 4>, B>& x) {
    using T = typename B::scalar;
    const nlohmann::json& g = goldens()["penalty"];
    Rng rng(1);
    d.reset_parameters(rng, Init::pytorch);
    std::size_t loaded = 0;
    for (auto& e : entries(d)) {
        const nlohmann::json& s = g["state"].at(e.name);
        REQUIRE(s["shape"].get<std::vector<std::int64_t>>() == e.shape);
        const auto v = s["values"].get<std::vector<double>>();
        REQUIRE(v.size() == e.numel());
        for (std::size_t i = 0; i < v.size(); ++i) e.value[i] = T(v[i]);
        ++loaded;
    }
    CHECK(loaded == g["state"].size());
    const auto xv = g["x"].get<std::vector<double>>();
    x.resize(4);
    REQUIRE(xv.size() == x.size());
    for (std::size_t i = 0; i < xv.size(); ++i) x[i] = T(xv[i]);
}

}  // namespace

TEST_CASE("MinibatchStdDev: output and input gradient match PyTorch") {
    SUBCASE("double") {
        check_against_torch<4, Shape<3, 2, 3>, CpuF64>("mbstd_n8_g4", 1e-12);
        check_against_torch<4, Shape<2, 2, 2>, CpuF64>("mbstd_n3_g4", 1e-12);  // one group of 3
        check_against_torch<2, Shape<2, 3, 2>, CpuF64>("mbstd_n6_g2", 1e-12);
    }
    SUBCASE("float") {
        check_against_torch<4, Shape<3, 2, 3>, Cpu>("mbstd_n8_g4", 1e-5);
        check_against_torch<4, Shape<2, 2, 2>, Cpu>("mbstd_n3_g4", 1e-5);
        check_against_torch<2, Shape<2, 3, 2>, Cpu>("mbstd_n6_g2", 1e-5);
    }
}

TEST_CASE("MinibatchStdDev: by hand - groups of consecutive samples, and groups of one") {
    using L = bind_t<MinibatchStdDev<2>, Shape<1, 1, 2>, CpuF64>;
    L layer;
    Tensor<Shape<1, 1, 2>, CpuF64> x(4);
    Tensor<Shape<2, 1, 2>, CpuF64> y;
    // group 0: samples (1, 2), (3, 6); group 1: (0, 0), (0, 0)
    const double in[8] = {1, 2, 3, 6, 0, 0, 0, 0};
    std::copy(in, in + 8, x.data());
    layer.forward(x, y, Mode::eval);
    const double m0 = (std::sqrt(1 + 1e-8) + std::sqrt(4 + 1e-8)) / 2;  // biased std of {1, 3} and {2, 6}
    const double want[16] = {1, 2, m0, m0, 3, 6, m0, m0, 0, 0, 1e-4, 1e-4, 0, 0, 1e-4, 1e-4};
    for (std::size_t i = 0; i < 16; ++i) CHECK(y[i] == doctest::Approx(want[i]).epsilon(1e-14));

    // Groups of one: the statistic is sqrt(1e-8) and the input gradient is dy's first C channels.
    bind_t<MinibatchStdDev<1>, Shape<1, 1, 2>, CpuF64> single;
    Tensor<Shape<2, 1, 2>, CpuF64> dy(4);
    Tensor<Shape<1, 1, 2>, CpuF64> dx;
    for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = double(i) + 1;
    single.forward(x, y, Mode::train);
    single.backward(x, y, dy, &dx, ParamGrads::accumulate);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(y[4 * i + 2] == doctest::Approx(1e-4).epsilon(1e-14));
        CHECK(dx[2 * i] == dy[4 * i]);
        CHECK(dx[2 * i + 1] == dy[4 * i + 1]);
    }
}

TEST_CASE("MinibatchStdDev: a batch that does not divide into groups is refused") {
    bind_t<MinibatchStdDev<4>, Shape<2, 2, 2>, Cpu> layer;
    Tensor<Shape<2, 2, 2>, Cpu> x(6), y4(4), x4(4);
    Tensor<Shape<3, 2, 2>, Cpu> y;
    std::fill(x.data(), x.data() + x.size(), 1.0f);
    CHECK_THROWS_WITH_AS(layer.forward(x, y, Mode::train),
                         doctest::Contains("a batch of 6 does not divide into groups of 4"), Error);
    std::fill(x4.data(), x4.data() + x4.size(), 1.0f);
    layer.forward(x4, y, Mode::train);  // 4 and any batch of at most 4 are fine
    CHECK(y.batch() == 4);
    Tensor<Shape<2, 2, 2>, Cpu> x3(3);
    std::fill(x3.data(), x3.data() + x3.size(), 1.0f);
    layer.forward(x3, y, Mode::train);
    CHECK(y.batch() == 3);
}

TEST_CASE("MinibatchStdDev: gradients and tangent passes match finite differences") {
    check_derivatives<4, Shape<3, 2, 3>>(8);
    check_derivatives<4, Shape<2, 2, 2>>(3);
    check_derivatives<2, Shape<2, 3, 2>>(6);
    check_derivatives<1, Shape<2, 2, 1>>(3);
    // a whole critic (Sequential chains the tangents and their reverse pass)
    testing::GradcheckOptions o;
    o.batch = 4;
    const auto r = testing::tangent_check<Network<PgganCritic, Shape<2, 4, 4>, CpuF64>>(o);
    CHECK_MESSAGE(r.ok, r.report());
}

TEST_CASE("MinibatchStdDev: name, shapes, tangent passes, and a WGAN-GP critic compiles") {
    using L = bind_t<MinibatchStdDev<>, Shape<16, 4, 4>, Cpu>;
    static_assert(Layer<L>);
    static_assert(HasTangentPasses<L>);
    static_assert(std::is_same_v<L::output_shape, Shape<17, 4, 4>>);
    static_assert(L::parameter_count == 0);
    CHECK(L::name() == "MinibatchStdDev(group_size=4)");
    CHECK(bind_t<MinibatchStdDev<2>, Shape<1, 1, 1>, Cpu>::name() == "MinibatchStdDev(group_size=2)");
    // The tangent passes are the exact batch Jacobian (see the header), so the critic of a
    // gradient-penalty GAN may hold the layer.
    using G = Sequential<Linear<8, 32>, Reshape<2, 4, 4>, PixelNorm<>, SELU>;
    using D = Gan<G, PgganCritic, Shape<8>, Wgan>::discriminator;
    static_assert(std::is_same_v<D::output_shape, Shape<1>>);
    D d;
    (void)d;
}

TEST_CASE("MinibatchStdDev: WGAN-GP penalty gradient of a critic holding it matches finite differences") {
    using Net = Network<PgganCritic, Shape<2, 4, 4>, CpuF64>;
    Net base;
    Tensor<Shape<2, 4, 4>, CpuF64> x;
    load_golden_critic(base, x);
    xgan_test::penalty_gradient_check<Wgan>(base, x);
}

TEST_CASE("MinibatchStdDev: WGAN-GP penalty of a critic holding it matches PyTorch's double backprop") {
    auto run = []<class T>(T, double rtol) {
        using B = backend::CpuBackend<T>;
        using Net = Network<PgganCritic, Shape<2, 4, 4>, B>;
        const nlohmann::json& g = goldens()["penalty"];
        Net d;
        Tensor<Shape<2, 4, 4>, B> x;
        load_golden_critic(d, x);
        const auto& out = d.forward(x, Mode::train);
        check_close("output", out.data(), g["output"].get<std::vector<double>>(), rtol);
        Tensor<Shape<1>, B> ones(4);
        std::fill(ones.data(), ones.data() + 4, T(1));
        Tensor<Shape<2, 4, 4>, B> gx;
        d.backward(ones, &gx, ParamGrads::skip);  // ∂/∂x of the batch's sum of D, as autograd.grad(D(x).sum(), x)
        check_close("input gradient", gx.data(), g["input_grad"].get<std::vector<double>>(), rtol);
        for (auto& e : entries(d)) std::fill(e.grad, e.grad + e.numel(), T(0));
        PenaltyBuffers<Net> buf;
        const double p = gradient_penalty<Wgan>(d, x, buf);
        const double want = g["value"].get<double>();
        CHECK_MESSAGE(std::abs(p - want) <= rtol * std::abs(want), "penalty " << p << ", torch " << want);
        std::size_t n = 0;
        for (auto& e : entries(d)) {
            const std::vector<double> want_grad = g["grads"].at(std::string(e.name));
            check_close("penalty grad " + e.name, e.grad, want_grad, rtol);
            ++n;
        }
        CHECK(n == g["grads"].size());
    };
    SUBCASE("double") { run(0.0, 1e-9); }
    SUBCASE("float") { run(0.0f, 1e-4); }
}
