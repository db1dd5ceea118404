#pragma once
// PixelNorm<Eps>: pixelwise feature normalisation of progressive growing (Karras et al. 2018,
// "Progressive Growing of GANs", section 4.2), as pytorch_GAN_zoo's NormalizationLayer:
//     x * ((x ** 2).mean(dim=1, keepdim=True) + eps).rsqrt()
// Eps is a Ratio, the paper's 1e-8 by default. No parameters; used after G's convolutions.
//   formula  y[c, p] = x[c, p] r[p],  r[p] = 1 / sqrt(mean_c x[c, p]^2 + eps), per sample and
//            per spatial position p (a (C) sample is one position)
//   shapes   (B, C, H, W) -> (B, C, H, W) or (B, C) -> (B, C)
//   forward  caches r per sample and position (double)
//   backward dx = r (dy - y mean_c(dy y))   (J = r (I - y y^T / C), symmetric)
//   tangent  exact second order, with b = mean_c(y xt):  yt = r (xt - y b);
//            its reverse pass, u = ytbar, m1 = mean_c(u xt), m2 = mean_c(u y):
//              xtbar = r (u - y m2)
//              xbar  = r (ybar - y mean_c(ybar y)) - r^2 (y (m1 - 3 b m2) + m2 xt + b u)
// Sums over channels are accumulated in double; samples run in parallel.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "xgan/core/host_device.hpp"
#include "xgan/core/static_checks.hpp"
#include "xgan/layers/batchnorm.hpp"  // detail::bn::python_float
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail::pixel_norm {

using backend::Index;

// A batch viewed as [n, C, P]: position sums are sums over the channels at each position.
struct Product {
    template <class X>
    XGAN_HD double operator()(Index, X a, X b) const { return double(a) * double(b); }
};
struct InvRms {  // 1 / sqrt(sum / C + eps)
    double channels, eps;
    template <class X>
    XGAN_HD double operator()(X sum) const { return 1.0 / std::sqrt(double(sum) / channels + eps); }
};
struct Normalise {  // x r
    const double* r;
    std::size_t positions;
    template <class X>
    XGAN_HD X operator()(Index k, X x) const { return X(double(x) * r[k.o * positions + k.i]); }
};
// J v = r (v - y mean_c(v y)), from s = sum_c v y (J is symmetric: also J^T v)
struct Jacobian {
    const double *r, *s;
    std::size_t positions;
    double inv_c;
    template <class X>
    XGAN_HD X operator()(Index k, X v, X y) const {
        const std::size_t at = k.o * positions + k.i;
        return X(r[at] * (double(v) - double(y) * (s[at] * inv_c)));
    }
};
// xbar = r (ybar - y mean(ybar y)) - r^2 (y (mean(u xt) - 3 b mean(u y)) + mean(u y) xt + b u),
// b = mean(y xt), u = ytbar, from the channel sums s1 = ybar y, s2 = y xt, s3 = u xt, s4 = u y
struct SecondOrder {
    const double *r, *s1, *s2, *s3, *s4;
    std::size_t positions;
    double inv_c;
    template <class X>
    XGAN_HD X operator()(Index k, X y, X xt, X ybar, X u) const {
        const std::size_t at = k.o * positions + k.i;
        const double yk = double(y), b = s2[at] * inv_c, m1 = s3[at] * inv_c, m2 = s4[at] * inv_c, rr = r[at];
        return X(rr * (double(ybar) - yk * (s1[at] * inv_c)) -
                 rr * rr * (yk * (m1 - 3 * b * m2) + m2 * double(xt) + b * double(u)));
    }
};

}  // namespace detail::pixel_norm

// Normalises C channels at each of P positions of samples of shape S (S::size == C * P).
template <Ratio Eps, std::size_t C, std::size_t P, ShapeType S, class B>
class PixelNormLayer : public StatelessLayer<S, S, B> {
    using T = typename B::scalar;
    static_assert(S::size == C * P);

public:
    static constexpr double forward_flops = 4.0 * double(S::size);
    static std::string name() { return "PixelNorm(eps=" + detail::bn::python_float(Eps.value()) + ")"; }

    void forward(const Tensor<S, B>& x, Tensor<S, B>& y, Mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        reserve(n);
        B::position_sum(layout(n), detail::pixel_norm::Product{}, s_[0].data(), x.data(), x.data());
        B::map(n * P, detail::pixel_norm::InvRms{double(C), Eps.value()}, r_.data(), s_[0].data());
        B::indexed_map(layout(n), detail::pixel_norm::Normalise{r_.data(), P}, y.data(), x.data());
    }

    void backward(const Tensor<S, B>& x, const Tensor<S, B>& y, const Tensor<S, B>& dy, Tensor<S, B>* dx, ParamGrads) {
        if (!dx) return;
        dx->resize(x.batch());
        apply_jacobian(y, dy, *dx);
    }

    // Second order: see the header comment.
    void tangent_forward(const Tensor<S, B>& x, const Tensor<S, B>& y, const Tensor<S, B>& xt, Tensor<S, B>& yt) {
        yt.resize(x.batch());
        apply_jacobian(y, xt, yt);
    }

    void tangent_backward(const Tensor<S, B>& x, const Tensor<S, B>& y, const Tensor<S, B>& xt, const Tensor<S, B>&,
                          const Tensor<S, B>& ybar, const Tensor<S, B>& ytbar, Tensor<S, B>* xbar, Tensor<S, B>* xtbar,
                          ParamGrads) {
        const std::size_t n = x.batch();
        if (xtbar) {
            xtbar->resize(n);
            apply_jacobian(y, ytbar, *xtbar);
        }
        if (!xbar) return;
        xbar->resize(n);
        using detail::pixel_norm::Product;
        B::position_sum(layout(n), Product{}, s_[0].data(), ybar.data(), y.data());
        B::position_sum(layout(n), Product{}, s_[1].data(), y.data(), xt.data());
        B::position_sum(layout(n), Product{}, s_[2].data(), ytbar.data(), xt.data());
        B::position_sum(layout(n), Product{}, s_[3].data(), ytbar.data(), y.data());
        B::indexed_map(layout(n),
                       detail::pixel_norm::SecondOrder{r_.data(), s_[0].data(), s_[1].data(), s_[2].data(), s_[3].data(), P,
                                                       1.0 / double(C)},
                       xbar->data(), y.data(), xt.data(), ybar.data(), ytbar.data());
    }

private:
    static xgan::backend::ChannelLayout layout(std::size_t n) { return {n, C, P}; }

    void reserve(std::size_t n) {
        if (r_.size() < n * P) r_.resize(n * P);
        for (auto& s : s_)
            if (s.size() < n * P) s.resize(n * P);
    }

    // out = J v = r (v - y mean_c(v y)) (J is symmetric: also J^T v).
    void apply_jacobian(const Tensor<S, B>& y, const Tensor<S, B>& v, Tensor<S, B>& out) {
        const std::size_t n = y.batch();
        B::position_sum(layout(n), detail::pixel_norm::Product{}, s_[0].data(), v.data(), y.data());
        B::indexed_map(layout(n), detail::pixel_norm::Jacobian{r_.data(), s_[0].data(), P, 1.0 / double(C)}, out.data(),
                       v.data(), y.data());
    }

    typename B::template buffer<double> r_;     // [batch, P] of the last forward: 1 / sqrt(mean_c x^2 + eps)
    typename B::template buffer<double> s_[4];  // [batch, P] channel sums of a pass
};

namespace detail::pixel_norm {
// Channels and positions per channel of a (C) or (C, H, W) sample; ok = false for other ranks.
template <class S>
struct Dims {
    static constexpr bool ok = false;
    static constexpr std::size_t C = 1, P = 1;
};
template <std::size_t C_>
struct Dims<Shape<C_>> {
    static constexpr bool ok = true;
    static constexpr std::size_t C = C_, P = 1;
};
template <std::size_t C_, std::size_t H, std::size_t W>
struct Dims<Shape<C_, H, W>> {
    static constexpr bool ok = true;
    static constexpr std::size_t C = C_, P = H * W;
};
}  // namespace detail::pixel_norm

template <Ratio Eps = Ratio{1, 100'000'000}>
struct PixelNorm {
    template <ShapeType S, class B>
    struct bind {
        using dims = detail::pixel_norm::Dims<S>;
        // (C) or (C, H, W) samples only
        static_assert(require_valid_input<PixelNorm, S, dims::ok>);
        using type = PixelNormLayer<Eps, dims::C, dims::P, std::conditional_t<dims::ok, S, Shape<1>>, B>;
    };
};

}  // namespace xgan
