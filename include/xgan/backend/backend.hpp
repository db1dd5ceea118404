#pragma once
// The Backend concept: every kernel that a layer, loss, objective, penalty or optimizer may
// call. A backend is a policy type (CpuBackend<float>, ReferenceBackend<double>, ...) with
// static member functions; a layer bound to it (bind_t<Spec, Shape, B>) does its math only
// through these calls, so the same model type runs on any backend.
//
// Pointers are to the backend's own storage (B::buffer); copy_from_host / copy_to_host are
// the only kernels that touch host memory. Sizes are element counts. The storage kernels and
// map take arrays of T or of double (per-channel statistics are kept in double). Kernels that take a
// functor call it element by element with scalars (and, on the CPU, with SIMD batches when
// the functor accepts them): it must be a pure function of its arguments.
//
// The contracts (T = B::scalar):
//   storage   buffer<U>                           contiguous storage of U: buffer<U>(n) value-initialised,
//                                                 buffer<U>(n, v) filled with v; resize(n), size(), data()
//             fill(x, n, v)                       x[i] = v
//             copy(x, n, y)                       y[i] = x[i]
//             copy_from_host(h, n, y)             y[i] = h[i] (h in host memory)
//             copy_to_host(x, n, h)               h[i] = x[i] (h in host memory)
//   gemm      gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
//                                                 row-major C = alpha op(A) op(B) + beta C
//   maps      map(n, f, y, x...)                  y[i] = f(x[i]...), 1 to 4 inputs; y may
//                                                 alias an input
//             sum(n, f, x...)                     sum_i f(x[i]...) in double
//             counter_map(n, start, f, y, x...)   y[i] = f(counter_bits(start + i * counter_step), x[i]...),
//                                                 0 to 2 inputs: random fills (and masks applied
//                                                 in the same pass) from the counter-based stream
//                                                 of core/rng.hpp
//   bias      bias_add(layout, b, y)              y[o, c, i] += b[c]
//             bias_grad(layout, dy, db)           db[c] += sum_{o,i} dy[o, c, i]
//   indexed   indexed_map(layout, f, y, x...)     y[o, c, i] = f(Index{o, c, i}, x[o, c, i]...): the
//                                                 functor reads per-channel (per-sample, ...)
//                                                 coefficients from B's memory by index
//             channel_sum(layout, f, s, x...)     s[c] = sum_{o,i} f(Index{o, c, i}, x...), double
//             position_sum(layout, f, s, x...)    s[o*inner + i] = sum_c f(Index{o, c, i}, x...), double
//                                                 (per-sample sums: layout {N, size, 1})
//             position_max(layout, f, s, x...)    s[o*inner + i] = max_c f(...), double (NaN wins)
//   norm      batch_norm_train(layout, eps, x, w, b, y, mean, invstd, sq)
//                                                 per channel c, over count = outer * inner values:
//                                                 mean[c], sq[c] = sum (x - mean)^2, invstd[c] =
//                                                 1 / sqrt(sq / count + eps) (double), and
//                                                 y = (x - mean) invstd w[c] + b[c]; w, b of T or double
//             batch_norm_train_backward(layout, x, dy, w, mean, invstd, dx, sum_dy, sum_xdy)
//                                                 sum_dy[c] = sum dy, sum_xdy[c] = sum (x - mean) dy
//                                                 (double); unless dx is null, the gradient through
//                                                 the batch's statistics: dx = w invstd (dy -
//                                                 sum_dy / count - xhat sum_xdy invstd / count)
//   conv      im2col<G>(x, n, col)                col [G::rows, n*G::L] from images x [n, C, H, W]
//                                                 (backend/conv_geometry.hpp)
//             col2im<G>(col, n, b, x)             x = b[c] (0 if b is null) + col's taps summed
//             planes_to_channels(layout, x, y)    y[c, s*L + l] = x[s, c, l]   (layout {n, C, L})
//             channels_to_planes(layout, y, b, x) x[s, c, l] = y[c, s*L + l] + b[c] (b may be null)
//   windows   window_max<G>(planes, x, y, arg)    y = max of each window (backend/window_geometry.hpp),
//                                                 arg = its index in the plane (first on ties; a
//                                                 NaN wins, the last of several)
//             take<G>(planes, x, arg, y)          y[p, k] = x[p, arg[p, k]]
//             put_add<G>(planes, y, arg, x)       x = 0, then x[p, arg[p, k]] += y[p, k]
//             window_sum<G>(planes, d, x, y)      y = (sum of each window) / d
//             window_spread<G>(planes, d, y, x)   x = 0, then each window adds y / d to its values
//             copy_blocks(blocks, src, dst)       a strided copy of blocks of rows (window_geometry.hpp)
//   updates   adam_update(n, p, g, m, v, k)       the fused optimizer passes (optimizer_steps.hpp):
//             rmsprop_update(n, p, g, s, a, b, k) update p and the state in one pass, then
//             sgd_update(n, p, g, b, k)           clear the gradient g
// where layout is a ChannelLayout: a tensor viewed as [outer, channels, inner] (NCHW:
// outer = N, inner = H*W; a batch of vectors: outer = N, inner = 1). Sums of the indexed
// kernels are written to double storage of B (B::buffer<double>).
#include <concepts>
#include <cstddef>
#include <cstdint>

#include "xgan/backend/conv_geometry.hpp"
#include "xgan/backend/optimizer_steps.hpp"
#include "xgan/backend/window_geometry.hpp"
#include "xgan/core/host_device.hpp"

namespace xgan::backend {

enum class Trans { no, yes };

// A tensor viewed as [outer, channels, inner], for the kernels that work per channel.
struct ChannelLayout {
    std::size_t outer = 1, channels = 1, inner = 1;
    XGAN_HD std::size_t size() const { return outer * channels * inner; }
};

// Where an element of a ChannelLayout lies: sample (outer), channel, position (inner).
struct Index {
    std::size_t o, c, i;
};

namespace detail {
// The functors the concept calls map and sum with (any pure functor will do).
struct Negate {
    template <class T>
    XGAN_HD T operator()(T x) const { return -x; }
};
struct Product {
    template <class T>
    XGAN_HD T operator()(T x, T y) const { return x * y; }
};
struct HighBit {
    XGAN_HD double operator()(std::uint64_t bits) const { return double(bits >> 63); }
};
struct HighBitTimes {
    template <class T>
    XGAN_HD T operator()(std::uint64_t bits, T x) const { return T(bits >> 63) * x; }
};
struct ChannelScale {  // x * (c + 1)
    template <class T>
    XGAN_HD T operator()(Index k, T x) const { return x * T(k.c + 1); }
};
using ProbeGeometry = ConvGeometry<1, 3, 3, 2, 2, 2, 1, 0, 1>;
using ProbeWindows = WindowGeometry<4, 4, 2, 2>;
}  // namespace detail

// Whether the host may read and write B's storage directly (the CPU backends say so with
// `static constexpr bool host_memory = true`). Code above the backend skips a staging copy
// where it is; everywhere else values go through copy_to_host / copy_from_host.
template <class B>
inline constexpr bool host_memory = requires { requires B::host_memory; };

template <class B>
concept Backend = requires { typename B::scalar; } &&
    requires(typename B::scalar* y, const typename B::scalar* x, typename B::scalar v, std::size_t n, int i,
             ChannelLayout layout, Trans t, double* s, std::uint32_t* arg, Blocks blocks) {
        typename B::template buffer<typename B::scalar>;
        B::fill(y, n, v);
        B::copy(x, n, y);
        B::copy_from_host(x, n, y);
        B::copy_to_host(x, n, y);
        B::gemm(t, t, i, i, i, v, x, i, x, i, v, y, i);
        B::map(n, detail::Negate{}, y, x);
        B::map(n, detail::Product{}, y, x, x);
        B::counter_map(n, std::uint64_t(i), detail::HighBit{}, y);
        B::counter_map(n, std::uint64_t(i), detail::HighBitTimes{}, y, x);
        { B::sum(n, detail::Negate{}, x) } -> std::convertible_to<double>;
        { B::sum(n, detail::Product{}, x, x) } -> std::convertible_to<double>;
        B::bias_add(layout, x, y);
        B::bias_grad(layout, x, y);
        B::indexed_map(layout, detail::ChannelScale{}, y, x);
        B::batch_norm_train(layout, 1e-5, x, x, x, y, s, s, s);
        B::batch_norm_train_backward(layout, x, x, x, s, s, y, s, s);
        B::channel_sum(layout, detail::ChannelScale{}, s, x);
        B::position_sum(layout, detail::ChannelScale{}, s, x);
        B::position_max(layout, detail::ChannelScale{}, s, x);
        B::template im2col<detail::ProbeGeometry>(x, n, y);
        B::template col2im<detail::ProbeGeometry>(x, n, x, y);
        B::planes_to_channels(layout, x, y);
        B::channels_to_planes(layout, x, x, y);
        B::template window_max<detail::ProbeWindows>(n, x, y, arg);
        B::template take<detail::ProbeWindows>(n, x, arg, y);
        B::template put_add<detail::ProbeWindows>(n, x, arg, y);
        B::template window_sum<detail::ProbeWindows>(n, v, x, y);
        B::template window_spread<detail::ProbeWindows>(n, v, x, y);
        B::copy_blocks(blocks, x, y);
        B::adam_update(n, y, y, y, y, AdamStep<typename B::scalar>{});
        B::rmsprop_update(n, y, y, y, y, y, RmspropStep<typename B::scalar>{});
        B::sgd_update(n, y, y, y, SgdStep<typename B::scalar>{});
    };

}  // namespace xgan::backend
