#pragma once
// Bodies of the per-channel kernels over a ChannelLayout [outer, channels, inner]: bias,
// indexed maps, the terms of per-channel sums (group c, member j over outer * inner), the
// per-position reductions (one item per position, a loop over the channels) and the
// plane/channel transposes around GEMMs.
#include <cstddef>
#include <tuple>

#include "xgan/backend/backend.hpp"
#include "xgan/core/host_device.hpp"

namespace xgan::backend::cuda::kernels {

XGAN_HD inline Index index_of(ChannelLayout l, std::size_t k) {
    return {k / (l.channels * l.inner), k / l.inner % l.channels, k % l.inner};
}
// Member j of channel c, j over [0, outer * inner).
XGAN_HD inline std::size_t channel_element(ChannelLayout l, std::size_t c, std::size_t j) {
    return (j / l.inner * l.channels + c) * l.inner + j % l.inner;
}
XGAN_HD inline bool is_nan(double v) { return v != v; }

template <class T>
struct BiasAdd {
    ChannelLayout l;
    const T* b;
    T* y;
    XGAN_HD void operator()(std::size_t k) const { y[k] += b[k / l.inner % l.channels]; }
};

template <class T>
struct ChannelValue {  // x[o, c, i] for member j of channel c
    ChannelLayout l;
    const T* x;
    XGAN_HD double operator()(std::size_t c, std::size_t j) const { return double(x[channel_element(l, c, j)]); }
};
template <class T>
struct AccumulateInto {  // db[c] += s
    T* db;
    XGAN_HD void operator()(std::size_t c, double s) const { db[c] = T(double(db[c]) + s); }
};
struct StoreSum {  // out[g] = s
    double* out;
    XGAN_HD void operator()(std::size_t g, double s) const { out[g] = s; }
};

template <class T, class F, class... X>
struct IndexedMap {
    ChannelLayout l;
    F f;
    T* y;
    std::tuple<const X*...> x;
    XGAN_HD void operator()(std::size_t k) const {
        y[k] = std::apply([&](const X*... p) { return T(f(index_of(l, k), p[k]...)); }, x);
    }
};

template <class F, class... X>
struct IndexedTerm {  // f(Index{o, c, i}, x[o, c, i]...) for member j of channel c
    ChannelLayout l;
    F f;
    std::tuple<const X*...> x;
    XGAN_HD double operator()(std::size_t c, std::size_t j) const {
        const std::size_t k = channel_element(l, c, j);
        return std::apply([&](const X*... p) { return double(f(Index{j / l.inner, c, j % l.inner}, p[k]...)); }, x);
    }
};

// Over the channels of position p = o * inner + i: their sum, or their maximum (a NaN wins).
template <bool Max, class F, class... X>
struct PositionReduce {
    ChannelLayout l;
    F f;
    double* out;
    double lowest;  // -infinity, from the host
    std::tuple<const X*...> x;
    XGAN_HD void operator()(std::size_t p) const {
        const std::size_t o = p / l.inner, i = p % l.inner;
        double r = Max ? lowest : 0.0;
        for (std::size_t c = 0; c < l.channels; ++c) {
            const std::size_t k = (o * l.channels + c) * l.inner + i;
            const double v = std::apply([&](const X*... q) { return double(f(Index{o, c, i}, q[k]...)); }, x);
            if constexpr (Max) {
                if (v > r || is_nan(v)) r = v;
            } else {
                r += v;
            }
        }
        out[p] = r;
    }
};

template <class T>
struct PlanesToChannels {  // y[c, s*L + l] = x[s, c, l]
    ChannelLayout l;
    const T* x;
    T* y;
    XGAN_HD void operator()(std::size_t k) const {
        const Index at = index_of(l, k);
        y[(at.c * l.outer + at.o) * l.inner + at.i] = x[k];
    }
};
template <class T>
struct ChannelsToPlanes {  // x[s, c, l] = y[c, s*L + l] + b[c]
    ChannelLayout l;
    const T* y;
    const T* b;
    T* x;
    XGAN_HD void operator()(std::size_t k) const {
        const Index at = index_of(l, k);
        x[k] = y[(at.c * l.outer + at.o) * l.inner + at.i] + (b ? b[at.c] : T(0));
    }
};

}  // namespace xgan::backend::cuda::kernels
