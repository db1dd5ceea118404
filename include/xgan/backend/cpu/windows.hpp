#pragma once
// The CPU backend's window kernels (backend/window_geometry.hpp) over `planes` planes, and the
// strided block copy. TBB runs blocks of planes; the loops inside have compile-time bounds.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "xgan/backend/cpu/parallel.hpp"
#include "xgan/backend/window_geometry.hpp"

namespace xgan::backend::cpu {

template <class G>
std::size_t plane_grain() {
    return std::max<std::size_t>(1, 4096 / G::plane);
}

// y = the maximum of each window, arg = its index in the plane (the first on ties; NaN wins,
// as in PyTorch's CPU kernel).
template <class G, class T>
void window_max(std::size_t planes, const T* x, T* y, std::uint32_t* arg) {
    parallel_for(planes, plane_grain<G>(), [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const T* in = x + t * G::plane;
            T* out = y + t * G::out_plane;
            std::uint32_t* a = arg + t * G::out_plane;
            for (std::size_t i = 0; i < G::Ho; ++i)
                for (std::size_t j = 0; j < G::Wo; ++j) {
                    std::size_t best = i * G::S * G::W + j * G::S;
                    T value = in[best];
                    for (std::size_t p = 0; p < G::K; ++p)
                        for (std::size_t q = 0; q < G::K; ++q) {
                            const std::size_t at = (i * G::S + p) * G::W + j * G::S + q;
                            const T v = in[at];
                            // selects rather than branches, which random data mispredicts
                            const bool take = (v > value) | (v != v);
                            value = take ? v : value;
                            best = take ? at : best;
                        }
                    out[i * G::Wo + j] = value;
                    a[i * G::Wo + j] = std::uint32_t(best);
                }
        }
    });
}

// y[p, k] = x[p, arg[p, k]]
template <class G, class T>
void take(std::size_t planes, const T* x, const std::uint32_t* arg, T* y) {
    parallel_for(planes, plane_grain<G>(), [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const T* in = x + t * G::plane;
            const std::uint32_t* a = arg + t * G::out_plane;
            T* out = y + t * G::out_plane;
            for (std::size_t k = 0; k < G::out_plane; ++k) out[k] = in[a[k]];
        }
    });
}

// x = 0, then x[p, arg[p, k]] += y[p, k]
template <class G, class T>
void put_add(std::size_t planes, const T* y, const std::uint32_t* arg, T* x) {
    parallel_for(planes, plane_grain<G>(), [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            T* out = x + t * G::plane;
            const T* g = y + t * G::out_plane;
            const std::uint32_t* a = arg + t * G::out_plane;
            std::fill(out, out + G::plane, T(0));
            for (std::size_t k = 0; k < G::out_plane; ++k) out[a[k]] += g[k];
        }
    });
}

// y = (sum of each window) / divisor
template <class G, class T>
void window_sum(std::size_t planes, T divisor, const T* x, T* y) {
    parallel_for(planes, plane_grain<G>(), [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const T* in = x + t * G::plane;
            T* out = y + t * G::out_plane;
            for (std::size_t i = 0; i < G::Ho; ++i)
                for (std::size_t j = 0; j < G::Wo; ++j) {
                    T sum = 0;
                    for (std::size_t p = 0; p < G::K; ++p)
                        for (std::size_t q = 0; q < G::K; ++q) sum += in[(i * G::S + p) * G::W + j * G::S + q];
                    out[i * G::Wo + j] = divisor == T(1) ? sum : sum / divisor;
                }
        }
    });
}

// The adjoint: x = 0, then every window adds y / divisor to each of its values.
template <class G, class T>
void window_spread(std::size_t planes, T divisor, const T* y, T* x) {
    parallel_for(planes, plane_grain<G>(), [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const T* g = y + t * G::out_plane;
            T* out = x + t * G::plane;
            if constexpr (G::K == G::S && G::H == G::Ho * G::K && G::W == G::Wo * G::K) {
                // windows tile the plane (nearest-neighbour upsampling): one write per value
                for (std::size_t i = 0; i < G::Ho; ++i) {
                    T* row = out + i * G::K * G::W;
                    for (std::size_t j = 0; j < G::Wo; ++j) {
                        const T share = divisor == T(1) ? g[i * G::Wo + j] : g[i * G::Wo + j] / divisor;
                        for (std::size_t q = 0; q < G::K; ++q) row[j * G::K + q] = share;
                    }
                    for (std::size_t p = 1; p < G::K; ++p) std::copy(row, row + G::W, row + p * G::W);
                }
            } else {
                std::fill(out, out + G::plane, T(0));
                for (std::size_t i = 0; i < G::Ho; ++i)
                    for (std::size_t j = 0; j < G::Wo; ++j) {
                        const T share = g[i * G::Wo + j] / divisor;
                        for (std::size_t p = 0; p < G::K; ++p)
                            for (std::size_t q = 0; q < G::K; ++q) out[(i * G::S + p) * G::W + j * G::S + q] += share;
                    }
            }
        }
    });
}

template <class T>
void copy_blocks(const Blocks& b, const T* src, T* dst) {
    parallel_for(b.count, std::max<std::size_t>(1, 4096 / std::max<std::size_t>(1, b.rows * b.cols)),
                 [&](std::size_t b0, std::size_t b1) {
                     for (std::size_t k = b0; k < b1; ++k)
                         for (std::size_t r = 0; r < b.rows; ++r)
                             std::copy_n(src + k * b.src_block + r * b.src_row, b.cols, dst + k * b.dst_block + r * b.dst_row);
                 });
}

}  // namespace xgan::backend::cpu
