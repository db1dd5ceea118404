// BatchNorm1d / BatchNorm2d: PyTorch's state names and order (num_batches_tracked as I64),
// batch statistics, running statistics with momentum and the unbiased variance, eval mode,
// init, and gradients (full batch-statistics gradient in train mode) by finite differences.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "xgan/layers/batchnorm.hpp"
#include "xgan/testing/gradcheck.hpp"

namespace {

using namespace xgan;

// A bound BatchNorm whose reset_parameters also draws non-trivial running statistics, so
// that eval-mode gradchecks do not run with mean 0 and variance 1.
template <class Base>
struct WithRunningStats : Base {
    void reset_parameters(Rng& rng, Init init) {
        Base::reset_parameters(rng, init);
        this->visit_state(
            [&](const StateEntry<typename Base::scalar>& e) {
                if (e.name == "running_mean") rng.fill_normal(e.value, e.numel(), 0.0, 0.5);
                if (e.name == "running_var") rng.fill_uniform(e.value, e.numel(), 0.5, 2.0);
            },
            "");
    }
};

template <class L>
std::vector<double> state(L& layer, const std::string& name) {
    std::vector<double> v;
    layer.visit_state(
        [&](const StateEntry<typename L::scalar>& e) {
            if (e.name == name) v.assign(e.value, e.value + e.numel());
        },
        "");
    return v;
}

template <class L>
void set_state(L& layer, const std::string& name, const std::vector<double>& v) {
    layer.visit_state(
        [&](const StateEntry<typename L::scalar>& e) {
            if (e.name == name) std::copy(v.begin(), v.end(), e.value);
        },
        "");
}

}  // namespace

TEST_CASE("BatchNorm2d state: PyTorch names and order, num_batches_tracked as an I64 scalar") {
    bind_t<BatchNorm2d<4>, Shape<4, 3, 3>, Cpu> bn;
    std::vector<std::string> names;
    bn.visit_state(
        [&](const StateEntry<float>& e) {
            names.push_back(e.name);
            if (e.name == "1.num_batches_tracked") {
                CHECK(e.integer != nullptr);
                CHECK(e.value == nullptr);
                CHECK(e.shape.empty());
                CHECK(e.numel() == 1);
                CHECK(e.dtype() == DType::I64);
                CHECK(!e.trainable());
            } else {
                CHECK(e.shape == std::vector<std::int64_t>{4});
                CHECK(e.dtype() == DType::F32);
                CHECK(e.trainable() == (e.name == "1.weight" || e.name == "1.bias"));
            }
        },
        "1.");
    CHECK(names == std::vector<std::string>{"1.weight", "1.bias", "1.running_mean", "1.running_var",
                                            "1.num_batches_tracked"});
    CHECK(decltype(bn)::parameter_count == 8);
    static_assert(Layer<decltype(bn)>);
}

TEST_CASE("BatchNorm names as PyTorch prints them") {
    CHECK(bind_t<BatchNorm2d<64>, Shape<64, 8, 8>, Cpu>::name() ==
          "BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
    CHECK(bind_t<BatchNorm1d<256, ratio(0.8)>, Shape<256>, Cpu>::name() ==
          "BatchNorm1d(256, eps=0.8, momentum=0.1, affine=True, track_running_stats=True)");
    CHECK(bind_t<BatchNorm1d<8, ratio(1e-3), ratio(0.01)>, Shape<8, 5>, Cpu>::name() ==
          "BatchNorm1d(8, eps=0.001, momentum=0.01, affine=True, track_running_stats=True)");
    CHECK(bind_t<BatchNorm2d<3, Ratio{1, 1}, Ratio{1, 1}>, Shape<3, 2, 2>, Cpu>::name() ==
          "BatchNorm2d(3, eps=1.0, momentum=1.0, affine=True, track_running_stats=True)");
    static_assert(std::is_same_v<bind_t<BatchNorm1d<8>, Shape<8, 5>, Cpu>::output_shape, Shape<8, 5>>);
}

TEST_CASE("BatchNorm2d reset_parameters: PyTorch and DCGAN initial values") {
    bind_t<BatchNorm2d<500>, Shape<500, 1, 1>, Cpu> bn;
    Rng rng(1);
    bn.reset_parameters(rng, Init::dcgan);
    const auto w = state(bn, "weight");
    double s = 0, s2 = 0;
    for (double v : w) {
        s += v;
        s2 += (v - 1) * (v - 1);
    }
    CHECK(s / 500 == doctest::Approx(1.0).epsilon(0.005));
    CHECK(std::sqrt(s2 / 500) == doctest::Approx(0.02).epsilon(0.15));
    for (double v : state(bn, "bias")) CHECK(v == 0);

    set_state(bn, "running_mean", std::vector<double>(500, 3.0));
    bn.reset_parameters(rng, Init::pytorch);
    for (double v : state(bn, "weight")) CHECK(v == 1);
    for (double v : state(bn, "running_mean")) CHECK(v == 0);
    for (double v : state(bn, "running_var")) CHECK(v == 1);
    CHECK(bn.num_batches_tracked() == 0);
}

TEST_CASE("BatchNorm2d running statistics after several train steps equal a hand computation") {
    constexpr std::size_t C = 3, H = 2, W = 5;
    constexpr double m = 0.3, eps = 1e-3;
    bind_t<BatchNorm2d<C, ratio(eps), ratio(m)>, Shape<C, H, W>, Cpu> bn;
    Rng rng(9);
    bn.reset_parameters(rng, Init::pytorch);
    set_state(bn, "weight", {1.5, 0.5, 2.0});
    set_state(bn, "bias", {0.1, -0.2, 0.3});
    std::vector<double> rmean(C, 0.0), rvar(C, 1.0);
    Tensor<Shape<C, H, W>, Cpu> x, y;
    for (std::size_t step = 0; step < 4; ++step) {
        const std::size_t n = 2 + step;  // the batch size changes between steps
        x.resize(n);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(double(i % 3) + (1.0 + double(step)) * rng.normal());
        bn.forward(x, y, Mode::train);
        for (std::size_t c = 0; c < C; ++c) {
            double s = 0, q = 0;
            const double count = double(n * H * W);
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t k = 0; k < H * W; ++k) s += x.sample(i)[c * H * W + k];
            const double mean = s / count;
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t k = 0; k < H * W; ++k) q += std::pow(x.sample(i)[c * H * W + k] - mean, 2);
            const double var = q / count;
            rmean[c] = (1 - m) * rmean[c] + m * mean;
            rvar[c] = (1 - m) * rvar[c] + m * q / (count - 1);  // unbiased
            // the output uses the biased batch variance
            const double weight = std::vector<double>{1.5, 0.5, 2.0}[c], bias = std::vector<double>{0.1, -0.2, 0.3}[c];
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t k = 0; k < H * W; ++k) {
                    const std::size_t at = c * H * W + k;
                    const double want = (x.sample(i)[at] - mean) / std::sqrt(var + eps) * weight + bias;
                    REQUIRE(y.sample(i)[at] == doctest::Approx(want).epsilon(1e-5));
                }
        }
        const auto got_mean = state(bn, "running_mean"), got_var = state(bn, "running_var");
        for (std::size_t c = 0; c < C; ++c) {
            CHECK(got_mean[c] == doctest::Approx(rmean[c]).epsilon(1e-5));
            CHECK(got_var[c] == doctest::Approx(rvar[c]).epsilon(1e-5));
        }
        CHECK(bn.num_batches_tracked() == std::int64_t(step + 1));
    }
    std::int64_t tracked = -1;
    bn.visit_state([&](const StateEntry<float>& e) { if (e.integer) tracked = *e.integer; }, "");
    CHECK(tracked == 4);

    // eval: the running statistics, and nothing changes
    x.resize(2);
    bn.forward(x, y, Mode::eval);
    for (std::size_t c = 0; c < C; ++c) {
        const double weight = std::vector<double>{1.5, 0.5, 2.0}[c], bias = std::vector<double>{0.1, -0.2, 0.3}[c];
        for (std::size_t k = 0; k < H * W; ++k) {
            const double want = (x.sample(1)[c * H * W + k] - rmean[c]) / std::sqrt(rvar[c] + eps) * weight + bias;
            CHECK(y.sample(1)[c * H * W + k] == doctest::Approx(want).epsilon(1e-5));
        }
    }
    CHECK(bn.num_batches_tracked() == 4);
    CHECK(state(bn, "running_mean")[0] == doctest::Approx(rmean[0]).epsilon(1e-5));
}

TEST_CASE("BatchNorm1d on (B, C): running statistics and output") {
    constexpr std::size_t C = 300;  // several channel blocks
    bind_t<BatchNorm1d<C>, Shape<C>, Cpu> bn;
    Rng rng(2);
    bn.reset_parameters(rng, Init::dcgan);
    const auto w = state(bn, "weight");
    Tensor<Shape<C>, Cpu> x(5), y;
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(0.5 + 2.0 * rng.normal());
    bn.forward(x, y, Mode::train);
    bn.forward(x, y, Mode::train);
    const auto rmean = state(bn, "running_mean"), rvar = state(bn, "running_var");
    for (std::size_t c = 0; c < C; c += 17) {
        double s = 0, q = 0;
        for (std::size_t i = 0; i < 5; ++i) s += x.sample(i)[c];
        const double mean = s / 5;
        for (std::size_t i = 0; i < 5; ++i) q += std::pow(x.sample(i)[c] - mean, 2);
        CHECK(rmean[c] == doctest::Approx(0.19 * mean).epsilon(1e-5));  // 0.9 * 0.1 m + 0.1 m
        CHECK(rvar[c] == doctest::Approx(0.81 + 0.19 * q / 4).epsilon(1e-5));
        const double want = (x.sample(3)[c] - mean) / std::sqrt(q / 5 + 1e-5) * w[c];
        CHECK(y.sample(3)[c] == doctest::Approx(want).epsilon(1e-4));
    }
    CHECK(bn.num_batches_tracked() == 2);
}

TEST_CASE("BatchNorm1d in train mode rejects one value per channel, as PyTorch") {
    bind_t<BatchNorm1d<4>, Shape<4>, Cpu> bn;
    Tensor<Shape<4>, Cpu> x(1), y;
    CHECK_THROWS_AS(bn.forward(x, y, Mode::train), Error);
    CHECK_NOTHROW(bn.forward(x, y, Mode::eval));
    bind_t<BatchNorm2d<4>, Shape<4, 2, 1>, Cpu> bn2;  // one sample, two positions: fine
    Tensor<Shape<4, 2, 1>, Cpu> x2(1), y2;
    CHECK_NOTHROW(bn2.forward(x2, y2, Mode::train));
}

TEST_CASE("BatchNorm2d backward: skip leaves parameter gradients alone - null dx is allowed") {
    using L = bind_t<BatchNorm2d<2>, Shape<2, 3, 3>, CpuF64>;
    L bn;
    Rng rng(3);
    Tensor<Shape<2, 3, 3>, CpuF64> x(4), dx, dx2;
    Tensor<Shape<2, 3, 3>, CpuF64> y, dy(4);
    rng.fill_normal(x.data(), x.size());
    rng.fill_normal(dy.data(), dy.size());
    bn.forward(x, y, Mode::train);
    bn.backward(x, y, dy, &dx, ParamGrads::skip);
    std::vector<double> grads;
    bn.visit_state([&](const StateEntry<double>& e) { if (e.trainable()) grads.insert(grads.end(), e.grad, e.grad + e.numel()); }, "");
    for (double g : grads) CHECK(g == 0);
    bn.backward(x, y, dy, nullptr, ParamGrads::accumulate);
    bn.backward(x, y, dy, &dx2, ParamGrads::accumulate);
    for (std::size_t i = 0; i < dx.size(); ++i) CHECK(dx[i] == doctest::Approx(dx2[i]));
    // the gradient through the batch statistics sums to zero per channel
    for (std::size_t c = 0; c < 2; ++c) {
        double s = 0;
        for (std::size_t i = 0; i < 4; ++i)
            for (std::size_t k = 0; k < 9; ++k) s += dx.sample(i)[c * 9 + k];
        CHECK(std::abs(s) < 1e-10);
    }
}

TEST_CASE("BatchNorm gradcheck in train and eval mode") {
    for (Mode mode : {Mode::train, Mode::eval}) {
        testing::GradcheckOptions o;
        o.mode = mode;
        auto r = testing::gradcheck_bound<WithRunningStats<bind_t<BatchNorm2d<3>, Shape<3, 5, 4>, CpuF64>>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck_bound<WithRunningStats<bind_t<BatchNorm1d<7>, Shape<7>, CpuF64>>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck_bound<WithRunningStats<bind_t<BatchNorm1d<4>, Shape<4, 5>, CpuF64>>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck_bound<WithRunningStats<bind_t<BatchNorm2d<2, ratio(0.5), ratio(0.3)>, Shape<2, 3, 1>, CpuF64>>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        o.batch = 1;  // BatchNorm2d with one sample still has H*W values per channel
        r = testing::gradcheck_bound<WithRunningStats<bind_t<BatchNorm2d<2>, Shape<2, 3, 3>, CpuF64>>>(o);
        CHECK_MESSAGE(r.ok, r.report());
    }
}
