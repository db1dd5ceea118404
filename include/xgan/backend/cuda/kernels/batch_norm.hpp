#pragma once
// Bodies of batch normalisation in train mode, as per-channel sums (group c over its
// outer * inner values) and element passes: the mean, then the squared deviations from it
// (two passes, as the reference), then y; backward: both gradient sums, then dx in
// coefficient form.
#include <cmath>
#include <cstddef>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/cuda/kernels/channels.hpp"
#include "xgan/core/host_device.hpp"

namespace xgan::backend::cuda::kernels {

struct StoreMean {  // mean[c] = s / count
    double* mean;
    double count;
    XGAN_HD void operator()(std::size_t c, double s) const { mean[c] = s / count; }
};
template <class T>
struct SquaredDeviation {
    ChannelLayout l;
    const T* x;
    const double* mean;
    XGAN_HD double operator()(std::size_t c, std::size_t j) const {
        const double d = double(x[channel_element(l, c, j)]) - mean[c];
        return d * d;
    }
};
struct StoreDeviation {  // sq[c] = s, invstd[c] = 1 / sqrt(s / count + eps)
    double *sq, *invstd;
    double count, eps;
    XGAN_HD void operator()(std::size_t c, double s) const {
        sq[c] = s;
        invstd[c] = 1.0 / std::sqrt(s / count + eps);
    }
};
template <class T, class W>
struct Normalize {  // y = (x - mean) invstd w + b
    ChannelLayout l;
    const T* x;
    const W *w, *b;
    const double *mean, *invstd;
    T* y;
    XGAN_HD void operator()(std::size_t k) const {
        const std::size_t c = k / l.inner % l.channels;
        const double scale = invstd[c] * double(w[c]);
        y[k] = T(double(x[k]) * scale + (double(b[c]) - mean[c] * scale));
    }
};

template <class T>
struct CenteredProduct {  // (x - mean) dy
    ChannelLayout l;
    const T *x, *dy;
    const double* mean;
    XGAN_HD double operator()(std::size_t c, std::size_t j) const {
        const std::size_t k = channel_element(l, c, j);
        return (double(x[k]) - mean[c]) * double(dy[k]);
    }
};
// dx = g (dy - s/count - (x - mean) invstd^2 sx / count), g = w invstd
template <class T, class W>
struct NormalizeBackward {
    ChannelLayout l;
    const T *x, *dy;
    const W* w;
    const double *mean, *invstd, *sum_dy, *sum_xdy;
    double count;
    T* dx;
    XGAN_HD void operator()(std::size_t k) const {
        const std::size_t c = k / l.inner % l.channels;
        const double r = invstd[c], g = double(w[c]) * r;
        dx[k] = T(g * (double(dy[k]) - sum_dy[c] / count - (double(x[k]) - mean[c]) * r * r * sum_xdy[c] / count));
    }
};

}  // namespace xgan::backend::cuda::kernels
