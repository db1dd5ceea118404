// Conv2d: output sizes, PyTorch names and layouts, init, forward/backward against a direct
// loop (in several chunkings of the batch) and finite differences.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "xgan/layers/conv2d.hpp"
#include "xgan/testing/gradcheck.hpp"
#include "tangent_check.hpp"

namespace {

using namespace xgan;

template <class Spec, class In>
using out_of = typename bind_t<Spec, In, Cpu>::output_shape;

// Conv2d by the definition, in double: y = conv(x) and, for an output gradient dy, the
// gradients dx, dw, db, each from the same loop nest (every product x * w that reaches y
// sends dy back along both factors). x [n, C, H, W], w [O, C, K, K].
struct Direct {
    std::vector<double> y, dx, dw, db;
};
Direct direct_conv(const std::vector<double>& x, const std::vector<double>& w, const std::vector<double>& b,
                   const std::vector<double>& dy, std::size_t n, std::size_t C, std::size_t H, std::size_t W,
                   std::size_t O, std::size_t K, std::size_t S, std::size_t P, std::size_t D, std::size_t Ho,
                   std::size_t Wo) {
    Direct r{std::vector<double>(n * O * Ho * Wo), std::vector<double>(x.size()), std::vector<double>(w.size()),
             std::vector<double>(O)};
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t o = 0; o < O; ++o)
            for (std::size_t i = 0; i < Ho; ++i)
                for (std::size_t j = 0; j < Wo; ++j) {
                    const std::size_t at = ((s * O + o) * Ho + i) * Wo + j;
                    double acc = b.empty() ? 0.0 : b[o];
                    r.db[o] += dy[at];
                    for (std::size_t c = 0; c < C; ++c)
                        for (std::size_t p = 0; p < K; ++p)
                            for (std::size_t q = 0; q < K; ++q) {
                                const long u = long(i * S + p * D) - long(P), v = long(j * S + q * D) - long(P);
                                if (u < 0 || v < 0 || u >= long(H) || v >= long(W)) continue;
                                const std::size_t xi = ((s * C + c) * H + std::size_t(u)) * W + std::size_t(v);
                                const std::size_t wi = ((o * C + c) * K + p) * K + q;
                                acc += w[wi] * x[xi];
                                r.dx[xi] += w[wi] * dy[at];
                                r.dw[wi] += x[xi] * dy[at];
                            }
                    r.y[at] = acc;
                }
    return r;
}

// Every got[i] equals want[i] to a relative 1e-12; reports the first mismatch.
template <class Got>
void check_all(const char* what, const Got& got, const std::vector<double>& want) {
    std::size_t bad = 0;
    for (std::size_t i = 0; i < want.size(); ++i)
        if (!(got[i] == doctest::Approx(want[i]).epsilon(1e-12)) && bad++ == 0)
            CHECK_MESSAGE(false, what << "[" << i << "]: " << got[i] << " != " << want[i]);
    CHECK_MESSAGE(bad == 0, what << ": " << bad << " mismatches");
}

}  // namespace

TEST_CASE("Conv2d output size follows PyTorch's floor rule") {
    static_assert(std::is_same_v<out_of<Conv2d<1, 32, 3, 2, 1>, Shape<1, 28, 28>>, Shape<32, 14, 14>>);
    static_assert(std::is_same_v<out_of<Conv2d<32, 64, 3, 2, 1>, Shape<32, 14, 14>>, Shape<64, 7, 7>>);
    static_assert(std::is_same_v<out_of<Conv2d<64, 128, 3, 2, 1>, Shape<64, 7, 7>>, Shape<128, 4, 4>>);
    static_assert(std::is_same_v<out_of<Conv2d<3, 64, 4, 2, 1>, Shape<3, 64, 64>>, Shape<64, 32, 32>>);
    static_assert(std::is_same_v<out_of<Conv2d<512, 1, 4, 1, 0>, Shape<512, 4, 4>>, Shape<1, 1, 1>>);
    static_assert(std::is_same_v<out_of<Conv2d<2, 3, 3>, Shape<2, 7, 5>>, Shape<3, 5, 3>>);
    static_assert(std::is_same_v<out_of<Conv2d<2, 3, 3, 3, 0>, Shape<2, 8, 10>>, Shape<3, 2, 3>>);
    static_assert(std::is_same_v<out_of<Conv2d<2, 3, 3, 1, 2, true, 2>, Shape<2, 9, 8>>, Shape<3, 9, 8>>);
    static_assert(std::is_same_v<out_of<Conv2d<2, 3, 3, 2, 0, false, 3>, Shape<2, 7, 8>>, Shape<3, 1, 1>>);
    static_assert(std::is_same_v<out_of<Conv2d<1, 1, 5>, Shape<1, 5, 5>>, Shape<1, 1, 1>>);
    static_assert(Layer<bind_t<Conv2d<1, 32, 3, 2, 1>, Shape<1, 28, 28>, Cpu>>);
}

TEST_CASE("Conv2d name, parameter count and flops") {
    using L = bind_t<Conv2d<1, 32, 3, 2, 1>, Shape<1, 28, 28>, Cpu>;
    CHECK(L::name() == "Conv2d(1, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))");
    CHECK(L::parameter_count == 32 * 9 + 32);
    CHECK(L::forward_flops == doctest::Approx(2.0 * 32 * 9 * 14 * 14));
    using M = bind_t<Conv2d<3, 2, 4, 2, 0, false, 2>, Shape<3, 20, 20>, Cpu>;
    CHECK(M::name() == "Conv2d(3, 2, kernel_size=(4, 4), stride=(2, 2), dilation=(2, 2), bias=False)");
    CHECK(M::parameter_count == 2 * 3 * 16);
    CHECK(bind_t<Conv2d<4, 8, 3>, Shape<4, 5, 5>, Cpu>::name() == "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1))");
}

TEST_CASE("Conv2d state: PyTorch names and layouts") {
    bind_t<Conv2d<3, 5, 4, 2, 1>, Shape<3, 8, 8>, Cpu> conv;
    std::vector<std::string> names;
    conv.visit_state(
        [&](const StateEntry<float>& e) {
            names.push_back(e.name);
            CHECK(e.trainable());
            CHECK(e.dtype() == DType::F32);
            if (e.name == "3.weight") CHECK(e.shape == std::vector<std::int64_t>{5, 3, 4, 4});
            if (e.name == "3.bias") CHECK(e.shape == std::vector<std::int64_t>{5});
        },
        "3.");
    CHECK(names == std::vector<std::string>{"3.weight", "3.bias"});

    bind_t<Conv2d<3, 5, 4, 2, 1, false>, Shape<3, 8, 8>, Cpu> nobias;
    names.clear();
    nobias.visit_state([&](const StateEntry<float>& e) { names.push_back(e.name); }, "");
    CHECK(names == std::vector<std::string>{"weight"});
}

TEST_CASE("Conv2d reset_parameters: PyTorch's bounds and DCGAN's normal") {
    bind_t<Conv2d<8, 16, 3, 1, 1>, Shape<8, 6, 6>, Cpu> conv;
    Rng rng(3);
    conv.reset_parameters(rng, Init::pytorch);
    const double bound = 1.0 / std::sqrt(8.0 * 9.0);  // fan_in = InC * K * K
    double wmax = 0, bmax = 0;
    conv.visit_state(
        [&](const StateEntry<float>& e) {
            double& m = e.name == "weight" ? wmax : bmax;
            for (std::size_t i = 0; i < e.numel(); ++i) m = std::max(m, std::abs(double(e.value[i])));
        },
        "");
    CHECK(wmax <= bound);
    CHECK(wmax > 0.9 * bound);
    CHECK(bmax <= bound);
    CHECK(bmax > 0.5 * bound);

    conv.reset_parameters(rng, Init::dcgan);
    conv.visit_state(
        [&](const StateEntry<float>& e) {
            double s = 0, s2 = 0;
            for (std::size_t i = 0; i < e.numel(); ++i) {
                s += e.value[i];
                s2 += double(e.value[i]) * e.value[i];
            }
            if (e.name == "bias") {
                CHECK(s2 == 0);
            } else {
                CHECK(std::abs(s / double(e.numel())) < 0.004);
                CHECK(std::sqrt(s2 / double(e.numel())) == doctest::Approx(0.02).epsilon(0.1));
            }
        },
        "");
}

namespace {

// Runs Conv2d<C, O, K, S, P, Bias, D> on an input of shape (C, H, W) in double and compares
// forward, dx, dW and db with the direct loop.
template <std::size_t C, std::size_t O, std::size_t K, std::size_t S, std::size_t P, bool Bias, std::size_t D,
          std::size_t H, std::size_t W>
void check_against_direct(std::size_t n) {
    using L = bind_t<Conv2d<C, O, K, S, P, Bias, D>, Shape<C, H, W>, CpuF64>;
    using Out = typename L::output_shape;
    constexpr std::size_t Ho = Out::dims[1], Wo = Out::dims[2];
    L conv;
    Rng rng(11);
    conv.reset_parameters(rng, Init::pytorch);
    std::vector<double> w, b;
    conv.visit_state(
        [&](const StateEntry<double>& e) {
            (e.name == "weight" ? w : b).assign(e.value, e.value + e.numel());
            std::fill(e.grad, e.grad + e.numel(), 0.0);
        },
        "");
    Tensor<Shape<C, H, W>, CpuF64> x(n);
    rng.fill_normal(x.data(), x.size());
    Tensor<Out, CpuF64> y, dy(n);
    rng.fill_normal(dy.data(), dy.size());
    conv.forward(x, y, Mode::train);
    const auto want = direct_conv(std::vector<double>(x.data(), x.data() + x.size()), w, b,
                                  std::vector<double>(dy.data(), dy.data() + dy.size()), n, C, H, W, O, K, S, P, D, Ho, Wo);
    check_all("y", y, want.y);

    Tensor<Shape<C, H, W>, CpuF64> dx;
    conv.backward(x, y, dy, &dx, ParamGrads::accumulate);
    check_all("dx", dx, want.dx);
    std::vector<double> gw, gb;
    conv.visit_state([&](const StateEntry<double>& e) { (e.name == "weight" ? gw : gb).assign(e.grad, e.grad + e.numel()); }, "");
    check_all("dw", gw, want.dw);
    if constexpr (Bias) check_all("db", gb, want.db);

    // Gradients accumulate; skip leaves them alone; a null dx is allowed.
    conv.backward(x, y, dy, nullptr, ParamGrads::accumulate);
    conv.backward(x, y, dy, &dx, ParamGrads::skip);
    std::vector<double> gw2;
    conv.visit_state([&](const StateEntry<double>& e) { if (e.name == "weight") gw2.assign(e.grad, e.grad + e.numel()); }, "");
    for (double& g : gw) g *= 2;
    check_all("dw after two backwards", gw2, gw);
}

}  // namespace

TEST_CASE("Conv2d forward and backward equal the direct convolution") {
    check_against_direct<2, 3, 3, 2, 1, true, 1, 7, 6>(3);
    check_against_direct<3, 2, 3, 1, 0, true, 1, 5, 5>(2);
    check_against_direct<1, 2, 4, 3, 2, false, 2, 9, 8>(2);
    check_against_direct<2, 2, 2, 2, 0, true, 1, 5, 7>(1);
    check_against_direct<2, 3, 5, 1, 4, true, 1, 3, 4>(2);  // padding larger than the image
}

TEST_CASE("Conv2d splits large batches into chunks with the same results") {
    // 16 * 9 * 32 * 32 column entries per sample: a batch of 20 runs in several chunks.
    check_against_direct<16, 4, 3, 1, 1, true, 1, 32, 32>(20);
}

TEST_CASE("Conv2d on images too large for the padded stack copy (bounds-checked loops)") {
    check_against_direct<1, 2, 3, 2, 1, true, 1, 130, 127>(1);
}

TEST_CASE("Conv2d backward after several forwards uses the last one") {
    using L = bind_t<Conv2d<2, 3, 3, 2, 1>, Shape<2, 6, 6>, CpuF64>;
    L a, b;
    Rng rng(5);
    a.reset_parameters(rng, Init::pytorch);
    b = a;
    Tensor<Shape<2, 6, 6>, CpuF64> x1(4), x2(2), dxa, dxb;
    rng.fill_normal(x1.data(), x1.size());
    rng.fill_normal(x2.data(), x2.size());
    Tensor<L::output_shape, CpuF64> y, dy(2);
    rng.fill_normal(dy.data(), dy.size());
    a.forward(x1, y, Mode::train);
    a.forward(x2, y, Mode::train);
    a.backward(x2, y, dy, &dxa, ParamGrads::accumulate);
    b.forward(x2, y, Mode::train);
    b.backward(x2, y, dy, &dxb, ParamGrads::accumulate);
    for (std::size_t i = 0; i < dxa.size(); ++i) CHECK(dxa[i] == dxb[i]);
    std::vector<double> ga, gb;
    a.visit_state([&](const StateEntry<double>& e) { ga.insert(ga.end(), e.grad, e.grad + e.numel()); }, "");
    b.visit_state([&](const StateEntry<double>& e) { gb.insert(gb.end(), e.grad, e.grad + e.numel()); }, "");
    CHECK(ga == gb);
}

TEST_CASE("Conv2d gradcheck, train and eval, several strides, paddings, dilations and odd sizes") {
    for (Mode mode : {Mode::train, Mode::eval}) {
        testing::GradcheckOptions o;
        o.mode = mode;
        auto r = testing::gradcheck<Conv2d<2, 3, 3, 2, 1>, Shape<2, 7, 6>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<Conv2d<3, 2, 3, 1, 0>, Shape<3, 5, 5>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<Conv2d<1, 2, 4, 3, 2, false, 2>, Shape<1, 9, 8>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<Conv2d<2, 4, 1, 1, 0>, Shape<2, 3, 5>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<Conv2d<2, 2, 4, 2, 1>, Shape<2, 9, 11>>(o);
        CHECK_MESSAGE(r.ok, r.report());
    }
    testing::GradcheckOptions one;
    one.batch = 1;
    auto r = testing::gradcheck<Conv2d<2, 3, 3, 2, 1>, Shape<2, 5, 5>>(one);
    CHECK_MESSAGE(r.ok, r.report());
}

TEST_CASE("Conv2d tangent passes (exact second order) against finite differences") {
    static_assert(HasTangentPasses<bind_t<Conv2d<2, 3, 3, 2, 1>, Shape<2, 7, 6>, Cpu>>);
    for (Mode mode : {Mode::train, Mode::eval}) {
        testing::GradcheckOptions o;
        o.mode = mode;
        auto r = testing::tangent_check<bind_t<Conv2d<2, 3, 3, 2, 1>, Shape<2, 7, 6>, CpuF64>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::tangent_check<bind_t<Conv2d<1, 2, 4, 3, 2, false, 2>, Shape<1, 9, 8>, CpuF64>>(o);
        CHECK_MESSAGE(r.ok, r.report());
    }
}
