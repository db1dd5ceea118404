#pragma once
// The CPU backend's batch-normalisation kernels (train mode, this batch's statistics). Each
// task takes a few channels and makes all of its passes over them while they are in cache:
// the statistics and then the normalisation, or the two gradient sums and then the input
// gradient. Batches of vectors (inner 1) go through the row-wise indexed kernels instead.
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/cpu/channels.hpp"
#include "xgan/backend/cpu/indexed.hpp"
#include "xgan/backend/cpu/parallel.hpp"

namespace xgan::backend::cpu {

namespace detail::bn {
struct Value {
    template <class X>
    double operator()(Index, X x) const { return double(x); }
};
struct CenteredSquare {  // (x - mean[c])^2
    const double* mean;
    template <class X>
    double operator()(Index k, X x) const {
        const double d = double(x) - mean[k.c];
        return d * d;
    }
};
struct CenteredDot {  // (x - mean[c]) dy
    const double* mean;
    template <class X>
    double operator()(Index k, X x, X dy) const { return (double(x) - mean[k.c]) * double(dy); }
};
template <class W>
struct RowAffine {  // x a + k in double, a = w[c] invstd[c], k = b[c] - mean[c] a
    const double *mean, *invstd;
    const W *w, *b;
    template <class X>
    X operator()(Index i, X x) const {
        const double a = double(w[i.c]) * invstd[i.c];
        return X(double(x) * a + (double(b[i.c]) - mean[i.c] * a));
    }
};
// The train-mode input-gradient coefficients of channel c: dx = a dy + bx x + k.
struct GradientCoefficients {
    double a, bx, k;
    GradientCoefficients(double w, double mean, double invstd, double sum_dy, double sum_xdy, double count) {
        a = w * invstd;
        const double kx = sum_xdy * invstd * invstd / count;
        bx = -a * kx;
        k = a * (kx * mean - sum_dy / count);
    }
};
template <class W>
struct RowInputGradient {
    const W* w;
    const double *mean, *invstd, *sum_dy, *sum_xdy;
    double count;
    template <class X>
    X operator()(Index i, X dy, X x) const {
        const GradientCoefficients g(double(w[i.c]), mean[i.c], invstd[i.c], sum_dy[i.c], sum_xdy[i.c], count);
        return X(g.a * double(dy) + g.bx * double(x) + g.k);
    }
};
}  // namespace detail::bn

// Channels per task: enough values for TBB's per-task cost, few enough to stay in cache.
inline std::size_t channel_grain(ChannelLayout l) { return std::max<std::size_t>(1, 16384 / std::max<std::size_t>(1, l.outer * l.inner)); }

// Per channel c of x [outer, channels, inner]: mean[c], sq[c] = sum (x - mean)^2,
// invstd[c] = 1 / sqrt(sq / count + eps); y = x a + k, a = w[c] invstd[c], k = b[c] - mean[c] a.
template <class T, class W>
void batch_norm_train(ChannelLayout l, double eps, const T* x, const W* w, const W* b, T* y, double* mean,
                      double* invstd, double* sq) {
    const double count = double(l.outer * l.inner);
    if (l.inner == 1) {
        channel_sum(l, detail::bn::Value{}, mean, x);
        for (std::size_t c = 0; c < l.channels; ++c) mean[c] /= count;
        channel_sum(l, detail::bn::CenteredSquare{mean}, sq, x);
        for (std::size_t c = 0; c < l.channels; ++c) invstd[c] = 1.0 / std::sqrt(sq[c] / count + eps);
        indexed_map(l, detail::bn::RowAffine<W>{mean, invstd, w, b}, y, x);
        return;
    }
    parallel_for(l.channels, channel_grain(l), [&](std::size_t c0, std::size_t c1) {
        for (std::size_t c = c0; c < c1; ++c) {
            double s = 0;
            for (std::size_t o = 0; o < l.outer; ++o) s += lane_sum(x + (o * l.channels + c) * l.inner, l.inner);
            const double m = mean[c] = s / count;
            double q = 0;
            for (std::size_t o = 0; o < l.outer; ++o) {
                const T* p = x + (o * l.channels + c) * l.inner;
                q += lane_sum_of(l.inner, [p, m](std::size_t i) { return (double(p[i]) - m) * (double(p[i]) - m); });
            }
            sq[c] = q;
            invstd[c] = 1.0 / std::sqrt(q / count + eps);
            const double a = double(w[c]) * invstd[c];
            const T at = T(a), kt = T(double(b[c]) - m * a);
            for (std::size_t o = 0; o < l.outer; ++o) {
                const std::size_t base = (o * l.channels + c) * l.inner;
                for (std::size_t i = 0; i < l.inner; ++i) y[base + i] = x[base + i] * at + kt;
            }
        }
    });
}

// Per channel c: sum_dy[c] = sum dy, sum_xdy[c] = sum (x - mean[c]) dy; if dx is not null,
// the input gradient through the batch statistics: dx = a dy + bx x + k with a = w invstd,
// kx = sum_xdy invstd^2 / count, bx = -a kx, k = a (kx mean - sum_dy / count).
template <class T, class W>
void batch_norm_train_backward(ChannelLayout l, const T* x, const T* dy, const W* w, const double* mean,
                               const double* invstd, T* dx, double* sum_dy, double* sum_xdy) {
    const double count = double(l.outer * l.inner);
    if (l.inner == 1) {
        channel_sum(l, detail::bn::Value{}, sum_dy, dy);
        channel_sum(l, detail::bn::CenteredDot{mean}, sum_xdy, x, dy);
        if (dx) indexed_map(l, detail::bn::RowInputGradient<W>{w, mean, invstd, sum_dy, sum_xdy, count}, dx, dy, x);
        return;
    }
    parallel_for(l.channels, channel_grain(l), [&](std::size_t c0, std::size_t c1) {
        for (std::size_t c = c0; c < c1; ++c) {
            double s = 0, sx = 0;
            const double m = mean[c];
            for (std::size_t o = 0; o < l.outer; ++o) {
                const T *px = x + (o * l.channels + c) * l.inner, *pg = dy + (o * l.channels + c) * l.inner;
                s += lane_sum(pg, l.inner);
                sx += lane_sum_of(l.inner, [px, pg, m](std::size_t i) { return (double(px[i]) - m) * double(pg[i]); });
            }
            sum_dy[c] = s;
            sum_xdy[c] = sx;
            if (!dx) continue;
            const detail::bn::GradientCoefficients g(double(w[c]), mean[c], invstd[c], s, sx, count);
            const T a = T(g.a), bx = T(g.bx), k = T(g.k);
            for (std::size_t o = 0; o < l.outer; ++o) {
                const std::size_t base = (o * l.channels + c) * l.inner;
                for (std::size_t i = 0; i < l.inner; ++i) dx[base + i] = a * dy[base + i] + bx * x[base + i] + k;
            }
        }
    });
}

}  // namespace xgan::backend::cpu
