#pragma once
// The CPU backend's per-channel kernels over a tensor viewed as [outer, channels, inner].
#include <cstddef>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/cpu/parallel.hpp"

namespace xgan::backend::cpu {

// sum over i < n of term(i) (a double), accumulated in 8 independent lanes (vectorisable, and
// accurate for the long per-channel sums of a large batch).
template <class Term>
double lane_sum_of(std::size_t n, Term term) {
    double lanes[8] = {};
    const std::size_t full = n - n % 8;
    for (std::size_t i = 0; i < full; i += 8)
        for (std::size_t j = 0; j < 8; ++j) lanes[j] += term(i + j);
    double s = 0;
    for (std::size_t i = full; i < n; ++i) s += term(i);
    for (double l : lanes) s += l;
    return s;
}

// Sum of n values in double.
template <class T>
double lane_sum(const T* p, std::size_t n) {
    return lane_sum_of(n, [p](std::size_t i) { return double(p[i]); });
}

// y[o, c, i] += b[c]
template <class T>
void bias_add(ChannelLayout l, const T* b, T* y) {
    if (l.inner == 1) {
        for (std::size_t o = 0; o < l.outer; ++o) {
            T* row = y + o * l.channels;
            for (std::size_t c = 0; c < l.channels; ++c) row[c] += b[c];
        }
        return;
    }
    parallel_for(l.outer * l.channels, grain_for(l.inner), [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const T bias = b[t % l.channels];
            T* p = y + t * l.inner;
            for (std::size_t i = 0; i < l.inner; ++i) p[i] += bias;
        }
    });
}

// db[c] += sum over o and i of dy[o, c, i]
template <class T>
void bias_grad(ChannelLayout l, const T* dy, T* db) {
    if (l.inner == 1) {  // rows of a batch of vectors, added in order
        for (std::size_t o = 0; o < l.outer; ++o) {
            const T* row = dy + o * l.channels;
            for (std::size_t c = 0; c < l.channels; ++c) db[c] += row[c];
        }
        return;
    }
    parallel_for(l.channels, 1, [&](std::size_t c0, std::size_t c1) {
        for (std::size_t c = c0; c < c1; ++c) {
            double s = 0;
            for (std::size_t o = 0; o < l.outer; ++o) s += lane_sum(dy + (o * l.channels + c) * l.inner, l.inner);
            db[c] += T(s);
        }
    });
}

}  // namespace xgan::backend::cpu
