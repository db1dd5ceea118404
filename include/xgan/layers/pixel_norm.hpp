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

#include "xgan/core/static_checks.hpp"
#include "xgan/layers/batchnorm.hpp"  // detail::bn::python_float
#include "xgan/layers/layer.hpp"

namespace xgan {

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
        r_.resize(n * P);
        for_each_sample(n, [&](std::size_t i, std::vector<double>& acc) {
            const T* in = x.sample(i);
            channel_mean(acc, in, in);
            double* r = r_.data() + i * P;
            for (std::size_t p = 0; p < P; ++p) r[p] = 1.0 / std::sqrt(acc[p] + Eps.value());
            T* out = y.sample(i);
            for (std::size_t c = 0; c < C; ++c)
                for (std::size_t p = 0; p < P; ++p) out[c * P + p] = T(double(in[c * P + p]) * r[p]);
        });
    }

    void backward(const Tensor<S, B>& x, const Tensor<S, B>& y, const Tensor<S, B>& dy, Tensor<S, B>* dx, ParamGrads) {
        if (!dx) return;
        const std::size_t n = x.batch();
        dx->resize(n);
        for_each_sample(n, [&](std::size_t i, std::vector<double>& acc) {
            apply_jacobian(i, y.sample(i), dy.sample(i), dx->sample(i), acc);
        });
    }

    // Second order: see the header comment.
    void tangent_forward(const Tensor<S, B>& x, const Tensor<S, B>& y, const Tensor<S, B>& xt, Tensor<S, B>& yt) {
        const std::size_t n = x.batch();
        yt.resize(n);
        for_each_sample(n, [&](std::size_t i, std::vector<double>& acc) {
            apply_jacobian(i, y.sample(i), xt.sample(i), yt.sample(i), acc);
        });
    }

    void tangent_backward(const Tensor<S, B>& x, const Tensor<S, B>& y, const Tensor<S, B>& xt, const Tensor<S, B>&,
                          const Tensor<S, B>& ybar, const Tensor<S, B>& ytbar, Tensor<S, B>* xbar, Tensor<S, B>* xtbar,
                          ParamGrads) {
        const std::size_t n = x.batch();
        if (xtbar) {
            xtbar->resize(n);
            for_each_sample(n, [&](std::size_t i, std::vector<double>& acc) {
                apply_jacobian(i, y.sample(i), ytbar.sample(i), xtbar->sample(i), acc);
            });
        }
        if (!xbar) return;
        xbar->resize(n);
        for_each_sample(n, [&](std::size_t i, std::vector<double>& acc) {
            const T *yi = y.sample(i), *t = xt.sample(i), *g = ybar.sample(i), *u = ytbar.sample(i);
            T* out = xbar->sample(i);
            const double* r = r_.data() + i * P;
            // acc = [mean(ybar y), b = mean(y xt), m1 = mean(u xt), m2 = mean(u y)], P each
            acc.assign(4 * P, 0.0);
            for (std::size_t c = 0; c < C; ++c)
                for (std::size_t p = 0; p < P; ++p) {
                    const std::size_t k = c * P + p;
                    acc[p] += double(g[k]) * double(yi[k]);
                    acc[P + p] += double(yi[k]) * double(t[k]);
                    acc[2 * P + p] += double(u[k]) * double(t[k]);
                    acc[3 * P + p] += double(u[k]) * double(yi[k]);
                }
            for (double& a : acc) a /= double(C);
            for (std::size_t c = 0; c < C; ++c)
                for (std::size_t p = 0; p < P; ++p) {
                    const std::size_t k = c * P + p;
                    const double yk = double(yi[k]), b = acc[P + p], m1 = acc[2 * P + p], m2 = acc[3 * P + p];
                    out[k] = T(r[p] * (double(g[k]) - yk * acc[p]) -
                               r[p] * r[p] * (yk * (m1 - 3 * b * m2) + m2 * double(t[k]) + b * double(u[k])));
                }
        });
    }

private:
    // f(i, scratch) for every sample i, in parallel; scratch is a per-task buffer.
    template <class F>
    static void for_each_sample(std::size_t n, F&& f) {
        B::parallel_for(n, std::max<std::size_t>(1, 4096 / S::size), [&](std::size_t i0, std::size_t i1) {
            std::vector<double> scratch;
            for (std::size_t i = i0; i < i1; ++i) f(i, scratch);
        });
    }

    // acc[p] = mean_c a[c, p] b[c, p]
    static void channel_mean(std::vector<double>& acc, const T* a, const T* b) {
        acc.assign(P, 0.0);
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t p = 0; p < P; ++p) acc[p] += double(a[c * P + p]) * double(b[c * P + p]);
        for (double& v : acc) v /= double(C);
    }

    // out = J v = r (v - y mean_c(v y)) for sample i (J is symmetric: also J^T v).
    void apply_jacobian(std::size_t i, const T* yi, const T* v, T* out, std::vector<double>& acc) const {
        channel_mean(acc, v, yi);
        const double* r = r_.data() + i * P;
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t p = 0; p < P; ++p) {
                const std::size_t k = c * P + p;
                out[k] = T(r[p] * (double(v[k]) - double(yi[k]) * acc[p]));
            }
    }

    std::vector<double> r_;  // [batch, P] of the last forward: 1 / sqrt(mean_c x^2 + eps)
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
