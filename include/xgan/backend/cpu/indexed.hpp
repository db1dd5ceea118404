#pragma once
// The CPU backend's indexed kernels over a tensor viewed as [outer, channels, inner]: a map
// whose functor sees each element's index (so it can read per-channel, per-sample or
// per-position coefficients), and sums per channel or per position. Sums run in double, in 8
// independent lanes over each contiguous run (vectorisable, and accurate for long sums).
#include <algorithm>
#include <cstddef>
#include <limits>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/cpu/channels.hpp"
#include "xgan/backend/cpu/parallel.hpp"

namespace xgan::backend::cpu {

// y[o, c, i] = f(Index{o, c, i}, x[o, c, i]...); y may alias an input.
template <class T, class F, class... X>
void indexed_map(ChannelLayout l, const F& f, T* y, const X*... x) {
    if (l.inner == 1) {  // rows of channels: loops run along the channels
        parallel_for(l.outer, grain_for(l.channels), [&](std::size_t o0, std::size_t o1) {
            for (std::size_t o = o0; o < o1; ++o)
                for (std::size_t c = 0, k = o * l.channels; c < l.channels; ++c, ++k) y[k] = T(f(Index{o, c, 0}, x[k]...));
        });
        return;
    }
    parallel_for(l.outer * l.channels, grain_for(l.inner), [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const std::size_t o = t / l.channels, c = t % l.channels, base = t * l.inner;
            for (std::size_t i = 0; i < l.inner; ++i) y[base + i] = T(f(Index{o, c, i}, x[base + i]...));
        }
    });
}

// sum over i of f(Index{o, c, i}, x[base + i]...), in 8 lanes.
template <class F, class... X>
double run_sum(std::size_t o, std::size_t c, std::size_t n, std::size_t base, const F& f, const X*... x) {
    return lane_sum_of(n, [&](std::size_t i) { return double(f(Index{o, c, i}, x[base + i]...)); });
}

// out[c] = sum over o and i of f(Index{o, c, i}, x[o, c, i]...)
template <class F, class... X>
void channel_sum(ChannelLayout l, const F& f, double* out, const X*... x) {
    if (l.inner == 1) {  // rows of channels: each task sums a block of channels row by row
        parallel_for(l.channels, 256, [&](std::size_t c0, std::size_t c1) {
            std::fill(out + c0, out + c1, 0.0);
            for (std::size_t o = 0; o < l.outer; ++o)
                for (std::size_t c = c0; c < c1; ++c) out[c] += double(f(Index{o, c, 0}, x[o * l.channels + c]...));
        });
        return;
    }
    parallel_for(l.channels, std::max<std::size_t>(1, 4096 / l.inner), [&](std::size_t c0, std::size_t c1) {
        for (std::size_t c = c0; c < c1; ++c) {
            double s = 0;
            for (std::size_t o = 0; o < l.outer; ++o) s += run_sum(o, c, l.inner, (o * l.channels + c) * l.inner, f, x...);
            out[c] = s;
        }
    });
}

// sum over c of f(Index{o, c, 0}, x[o * n + c]...), in 8 lanes (a row of n channels).
template <class F, class... X>
double run_sum_channels(std::size_t o, std::size_t n, const F& f, const X*... x) {
    return lane_sum_of(n, [&](std::size_t c) { return double(f(Index{o, c, 0}, x[o * n + c]...)); });
}

// out[o * inner + i] = sum over c of f(Index{o, c, i}, x[o, c, i]...)
template <class F, class... X>
void position_sum(ChannelLayout l, const F& f, double* out, const X*... x) {
    if (l.inner == 1) {  // one sum per row: the row is contiguous
        parallel_for(l.outer, grain_for(l.channels), [&](std::size_t o0, std::size_t o1) {
            for (std::size_t o = o0; o < o1; ++o) out[o] = run_sum_channels(o, l.channels, f, x...);
        });
        return;
    }
    parallel_for(l.outer, grain_for(l.channels * l.inner), [&](std::size_t o0, std::size_t o1) {
        for (std::size_t o = o0; o < o1; ++o) {
            double* acc = out + o * l.inner;
            std::fill(acc, acc + l.inner, 0.0);
            for (std::size_t c = 0; c < l.channels; ++c) {
                const std::size_t base = (o * l.channels + c) * l.inner;
                for (std::size_t i = 0; i < l.inner; ++i) acc[i] += double(f(Index{o, c, i}, x[base + i]...));
            }
        }
    });
}

// out[o * inner + i] = max over c of f(Index{o, c, i}, x[o, c, i]...) (NaN if any is NaN)
template <class F, class... X>
void position_max(ChannelLayout l, const F& f, double* out, const X*... x) {
    parallel_for(l.outer, grain_for(l.channels * l.inner), [&](std::size_t o0, std::size_t o1) {
        for (std::size_t o = o0; o < o1; ++o)
            for (std::size_t i = 0; i < l.inner; ++i) {
                double m = -std::numeric_limits<double>::infinity();
                for (std::size_t c = 0; c < l.channels; ++c) {
                    const std::size_t k = (o * l.channels + c) * l.inner + i;
                    const double v = double(f(Index{o, c, i}, x[k]...));
                    m = (v > m || v != v) ? v : m;
                }
                out[o * l.inner + i] = m;
            }
    });
}

}  // namespace xgan::backend::cpu
