// ConvTranspose2d: output sizes (PyTorch's rule with output_padding), names and layouts,
// init with torch's fan_in, forward/backward against a direct loop and finite differences.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/conv_transpose2d.hpp"
#include "xgan/testing/gradcheck.hpp"
#include "tangent_check.hpp"

namespace {

using namespace xgan;

template <class Spec, class In>
using out_of = typename bind_t<Spec, In, Cpu>::output_shape;

// The transposed convolution by the definition, in double, with its gradients for an output
// gradient dy: every input pixel x[n,c,i,j] adds W[c,o,p,q] x to y[n,o,i*S-P+p*D, j*S-P+q*D].
struct Direct {
    std::vector<double> y, dx, dw, db;
};
Direct direct_conv_transpose(const std::vector<double>& x, const std::vector<double>& w, const std::vector<double>& b,
                             const std::vector<double>& dy, std::size_t n, std::size_t C, std::size_t H, std::size_t W,
                             std::size_t O, std::size_t K, std::size_t S, std::size_t P, std::size_t D, std::size_t Ho,
                             std::size_t Wo) {
    Direct r{std::vector<double>(n * O * Ho * Wo), std::vector<double>(x.size()), std::vector<double>(w.size()),
             std::vector<double>(O)};
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t o = 0; o < O; ++o)
            for (std::size_t k = 0; k < Ho * Wo; ++k) {
                r.y[(s * O + o) * Ho * Wo + k] = b.empty() ? 0.0 : b[o];
                r.db[o] += dy[(s * O + o) * Ho * Wo + k];
            }
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t i = 0; i < H; ++i)
                for (std::size_t j = 0; j < W; ++j)
                    for (std::size_t o = 0; o < O; ++o)
                        for (std::size_t p = 0; p < K; ++p)
                            for (std::size_t q = 0; q < K; ++q) {
                                const long u = long(i * S + p * D) - long(P), v = long(j * S + q * D) - long(P);
                                if (u < 0 || v < 0 || u >= long(Ho) || v >= long(Wo)) continue;
                                const std::size_t xi = ((s * C + c) * H + i) * W + j;
                                const std::size_t yi = ((s * O + o) * Ho + std::size_t(u)) * Wo + std::size_t(v);
                                const std::size_t wi = ((c * O + o) * K + p) * K + q;
                                r.y[yi] += w[wi] * x[xi];
                                r.dx[xi] += w[wi] * dy[yi];
                                r.dw[wi] += x[xi] * dy[yi];
                            }
    return r;
}

template <class Got>
void check_all(const char* what, const Got& got, const std::vector<double>& want) {
    std::size_t bad = 0;
    for (std::size_t i = 0; i < want.size(); ++i)
        if (!(got[i] == doctest::Approx(want[i]).epsilon(1e-12)) && bad++ == 0)
            CHECK_MESSAGE(false, what << "[" << i << "]: " << got[i] << " != " << want[i]);
    CHECK_MESSAGE(bad == 0, what << ": " << bad << " mismatches");
}

template <std::size_t C, std::size_t O, std::size_t K, std::size_t S, std::size_t P, std::size_t OP, bool Bias,
          std::size_t D, std::size_t H, std::size_t W>
void check_against_direct(std::size_t n) {
    using L = bind_t<ConvTranspose2d<C, O, K, S, P, OP, Bias, D>, Shape<C, H, W>, CpuF64>;
    using Out = typename L::output_shape;
    constexpr std::size_t Ho = Out::dims[1], Wo = Out::dims[2];
    L conv;
    Rng rng(13);
    conv.reset_parameters(rng, Init::pytorch);
    std::vector<double> w, b;
    conv.visit_state(
        [&](const StateEntry<double>& e) {
            (e.name == "weight" ? w : b).assign(e.value, e.value + e.numel());
            std::fill(e.grad, e.grad + e.numel(), 0.0);
        },
        "");
    Tensor<Shape<C, H, W>, CpuF64> x(n), dx;
    rng.fill_normal(x.data(), x.size());
    Tensor<Out, CpuF64> y, dy(n);
    rng.fill_normal(dy.data(), dy.size());
    conv.forward(x, y, Mode::train);
    const auto want = direct_conv_transpose(std::vector<double>(x.data(), x.data() + x.size()), w, b,
                                            std::vector<double>(dy.data(), dy.data() + dy.size()), n, C, H, W, O, K, S,
                                            P, D, Ho, Wo);
    check_all("y", y, want.y);
    conv.backward(x, y, dy, &dx, ParamGrads::accumulate);
    check_all("dx", dx, want.dx);
    std::vector<double> gw, gb;
    conv.visit_state([&](const StateEntry<double>& e) { (e.name == "weight" ? gw : gb).assign(e.grad, e.grad + e.numel()); }, "");
    check_all("dw", gw, want.dw);
    if constexpr (Bias) check_all("db", gb, want.db);

    // skip leaves the gradients alone, a null dx is allowed, gradients accumulate
    conv.backward(x, y, dy, &dx, ParamGrads::skip);
    check_all("dx again", dx, want.dx);
    conv.backward(x, y, dy, nullptr, ParamGrads::accumulate);
    std::vector<double> gw2;
    conv.visit_state([&](const StateEntry<double>& e) { if (e.name == "weight") gw2.assign(e.grad, e.grad + e.numel()); }, "");
    for (double& g : gw) g *= 2;
    check_all("dw after two backwards", gw2, gw);
}

}  // namespace

TEST_CASE("ConvTranspose2d output size: (H-1)*S - 2P + D*(K-1) + OutputPadding + 1") {
    static_assert(std::is_same_v<out_of<ConvTranspose2d<256, 128, 4, 2, 1>, Shape<256, 7, 7>>, Shape<128, 14, 14>>);
    static_assert(std::is_same_v<out_of<ConvTranspose2d<128, 64, 3, 1, 1>, Shape<128, 14, 14>>, Shape<64, 14, 14>>);
    static_assert(std::is_same_v<out_of<ConvTranspose2d<64, 1, 4, 2, 1>, Shape<64, 14, 14>>, Shape<1, 28, 28>>);
    static_assert(std::is_same_v<out_of<ConvTranspose2d<100, 512, 4, 1, 0>, Shape<100, 1, 1>>, Shape<512, 4, 4>>);
    static_assert(std::is_same_v<out_of<ConvTranspose2d<64, 3, 4, 2, 1>, Shape<64, 32, 32>>, Shape<3, 64, 64>>);
    static_assert(std::is_same_v<out_of<ConvTranspose2d<3, 2, 3, 2, 1, 1>, Shape<3, 4, 5>>, Shape<2, 8, 10>>);
    static_assert(std::is_same_v<out_of<ConvTranspose2d<3, 2, 3, 2, 1, 0>, Shape<3, 4, 5>>, Shape<2, 7, 9>>);
    static_assert(std::is_same_v<out_of<ConvTranspose2d<3, 2, 3, 3, 2, 2, true, 2>, Shape<3, 4, 3>>, Shape<2, 12, 9>>);
    static_assert(std::is_same_v<out_of<ConvTranspose2d<1, 1, 2, 1, 0, 1, true, 2>, Shape<1, 2, 2>>, Shape<1, 5, 5>>);
    static_assert(std::is_same_v<out_of<ConvTranspose2d<1, 1, 3, 1, 1>, Shape<1, 1, 1>>, Shape<1, 1, 1>>);
    static_assert(Layer<bind_t<ConvTranspose2d<256, 128, 4, 2, 1>, Shape<256, 7, 7>, Cpu>>);
}

TEST_CASE("ConvTranspose2d name, parameter count and flops") {
    using L = bind_t<ConvTranspose2d<256, 128, 4, 2, 1>, Shape<256, 7, 7>, Cpu>;
    CHECK(L::name() == "ConvTranspose2d(256, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))");
    CHECK(L::parameter_count == 256 * 128 * 16 + 128);
    CHECK(L::forward_flops == doctest::Approx(2.0 * 256 * 128 * 16 * 49));
    using M = bind_t<ConvTranspose2d<3, 2, 4, 2, 1, 1, false, 2>, Shape<3, 5, 5>, Cpu>;
    CHECK(M::name() ==
          "ConvTranspose2d(3, 2, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
          "output_padding=(1, 1), bias=False)");
    CHECK(M::parameter_count == 3 * 2 * 16);
}

TEST_CASE("ConvTranspose2d state: weight [InC, OutC, K, K], bias [OutC]") {
    bind_t<ConvTranspose2d<3, 5, 4, 2, 1>, Shape<3, 4, 4>, Cpu> conv;
    std::vector<std::string> names;
    conv.visit_state(
        [&](const StateEntry<float>& e) {
            names.push_back(e.name);
            CHECK(e.trainable());
            if (e.name == "0.weight") CHECK(e.shape == std::vector<std::int64_t>{3, 5, 4, 4});
            if (e.name == "0.bias") CHECK(e.shape == std::vector<std::int64_t>{5});
        },
        "0.");
    CHECK(names == std::vector<std::string>{"0.weight", "0.bias"});
}

TEST_CASE("ConvTranspose2d reset_parameters: fan_in from weight dimension 1 (OutC * K * K), as torch") {
    bind_t<ConvTranspose2d<64, 4, 3, 2, 1>, Shape<64, 3, 3>, Cpu> conv;
    Rng rng(2);
    conv.reset_parameters(rng, Init::pytorch);
    const double bound = 1.0 / std::sqrt(4.0 * 9.0);
    double wmax = 0, bmax = 0;
    conv.visit_state(
        [&](const StateEntry<float>& e) {
            double& m = e.name == "weight" ? wmax : bmax;
            for (std::size_t i = 0; i < e.numel(); ++i) m = std::max(m, std::abs(double(e.value[i])));
        },
        "");
    CHECK(wmax <= bound);
    CHECK(wmax > 0.95 * bound);  // 2304 draws: the bound is nearly reached
    CHECK(bmax <= bound);
    conv.reset_parameters(rng, Init::dcgan);
    conv.visit_state(
        [&](const StateEntry<float>& e) {
            double s2 = 0;
            for (std::size_t i = 0; i < e.numel(); ++i) s2 += double(e.value[i]) * e.value[i];
            if (e.name == "bias") CHECK(s2 == 0);
            else CHECK(std::sqrt(s2 / double(e.numel())) == doctest::Approx(0.02).epsilon(0.1));
        },
        "");
}

TEST_CASE("ConvTranspose2d forward and backward equal the direct definition") {
    check_against_direct<3, 2, 4, 2, 1, 0, true, 1, 3, 4>(3);
    check_against_direct<2, 3, 3, 1, 1, 0, true, 1, 5, 5>(2);
    check_against_direct<3, 2, 3, 2, 1, 1, true, 1, 3, 3>(2);
    check_against_direct<2, 3, 3, 3, 2, 2, false, 2, 4, 3>(2);
    check_against_direct<2, 2, 4, 1, 0, 0, true, 1, 1, 1>(3);  // 1x1 noise to 4x4, as a DCGAN's first layer
    check_against_direct<2, 2, 2, 1, 0, 1, true, 2, 3, 2>(2);  // output padding < dilation (but not < stride)
}

TEST_CASE("ConvTranspose2d splits large batches into chunks with the same results") {
    // 8 * 16 rows of 16 * 16 columns per sample: a batch of 40 runs in several chunks
    check_against_direct<4, 8, 4, 2, 1, 0, true, 1, 16, 16>(40);
}

TEST_CASE("ConvTranspose2d on outputs too large for the padded stack copy (bounds-checked loops)") {
    check_against_direct<1, 2, 4, 2, 1, 0, true, 1, 65, 66>(1);  // output 130 x 132
}

TEST_CASE("ConvTranspose2d is the adjoint of Conv2d with the same weights") {
    // <conv(x), z> == <x, convT(z)> for Conv2d<C, O> and ConvTranspose2d<O, C>, weight [O, C, K, K]
    using Conv = bind_t<Conv2d<2, 3, 4, 2, 1, false>, Shape<2, 8, 6>, CpuF64>;
    using ConvT = bind_t<ConvTranspose2d<3, 2, 4, 2, 1, 0, false>, Conv::output_shape, CpuF64>;
    static_assert(std::is_same_v<ConvT::output_shape, Shape<2, 8, 6>>);
    Conv conv;
    ConvT convt;
    Rng rng(4);
    conv.reset_parameters(rng, Init::pytorch);
    double* w = nullptr;
    conv.visit_state([&](const StateEntry<double>& e) { w = e.value; }, "");
    convt.visit_state([&](const StateEntry<double>& e) { std::copy(w, w + e.numel(), e.value); }, "");
    Tensor<Shape<2, 8, 6>, CpuF64> x(2), tz;
    Tensor<Conv::output_shape, CpuF64> z(2), cx;
    rng.fill_normal(x.data(), x.size());
    rng.fill_normal(z.data(), z.size());
    conv.forward(x, cx, Mode::train);
    convt.forward(z, tz, Mode::train);
    double a = 0, b = 0;
    for (std::size_t i = 0; i < z.size(); ++i) a += cx[i] * z[i];
    for (std::size_t i = 0; i < x.size(); ++i) b += x[i] * tz[i];
    CHECK(a == doctest::Approx(b).epsilon(1e-12));
}

TEST_CASE("ConvTranspose2d gradcheck, train and eval, several strides, paddings and output paddings") {
    for (Mode mode : {Mode::train, Mode::eval}) {
        testing::GradcheckOptions o;
        o.mode = mode;
        auto r = testing::gradcheck<ConvTranspose2d<3, 2, 4, 2, 1>, Shape<3, 3, 4>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<ConvTranspose2d<3, 2, 3, 2, 1, 1>, Shape<3, 3, 3>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<ConvTranspose2d<2, 2, 3, 1, 1>, Shape<2, 5, 5>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<ConvTranspose2d<2, 3, 3, 3, 2, 2, false, 2>, Shape<2, 4, 3>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::gradcheck<ConvTranspose2d<4, 2, 4, 1, 0>, Shape<4, 1, 1>>(o);
        CHECK_MESSAGE(r.ok, r.report());
    }
}

TEST_CASE("ConvTranspose2d tangent passes (exact second order) against finite differences") {
    static_assert(HasTangentPasses<bind_t<ConvTranspose2d<3, 2, 4, 2, 1>, Shape<3, 3, 4>, Cpu>>);
    for (Mode mode : {Mode::train, Mode::eval}) {
        testing::GradcheckOptions o;
        o.mode = mode;
        auto r = testing::tangent_check<bind_t<ConvTranspose2d<3, 2, 4, 2, 1>, Shape<3, 3, 4>, CpuF64>>(o);
        CHECK_MESSAGE(r.ok, r.report());
        r = testing::tangent_check<bind_t<ConvTranspose2d<2, 3, 3, 2, 1, 1, false>, Shape<2, 3, 3>, CpuF64>>(o);
        CHECK_MESSAGE(r.ok, r.report());
    }
}
