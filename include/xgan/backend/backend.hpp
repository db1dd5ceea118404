#pragma once
// The Backend concept: every kernel that a layer, loss, objective, penalty or optimizer may
// call. A backend is a policy type (CpuBackend<float>, ReferenceBackend<double>, ...) with
// static member functions; a layer bound to it (bind_t<Spec, Shape, B>) does its math only
// through these calls, so the same model type runs on any backend.
//
// Pointers are to the backend's own storage (B::buffer); copy_from_host / copy_to_host are
// the only kernels that touch host memory. Sizes are element counts. Kernels that take a
// functor call it element by element with scalars (and, on the CPU, with SIMD batches when
// the functor accepts them): it must be a pure function of its arguments.
//
// The contracts (T = B::scalar):
//   storage   buffer<U>                           contiguous storage of U, value-initialised
//             fill(x, n, v)                       x[i] = v
//             copy(x, n, y)                       y[i] = x[i]
//             copy_from_host(h, n, y)             y[i] = h[i] (h in host memory)
//             copy_to_host(x, n, h)               h[i] = x[i] (h in host memory)
//   gemm      gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
//                                                 row-major C = alpha op(A) op(B) + beta C
//   maps      map(n, f, y, x...)                  y[i] = f(x[i]...), 1 to 4 inputs; y may
//                                                 alias an input
//             sum(n, f, x...)                     sum_i f(x[i]...) in double
//   bias      bias_add(layout, b, y)              y[o, c, i] += b[c]
//             bias_grad(layout, dy, db)           db[c] += sum_{o,i} dy[o, c, i]
//   updates   adam_update(n, p, g, m, v, k)       the fused optimizer passes (optimizer_steps.hpp):
//             rmsprop_update(n, p, g, s, a, b, k) update p and the state in one pass, then
//             sgd_update(n, p, g, b, k)           clear the gradient g
// where layout is a ChannelLayout: a tensor viewed as [outer, channels, inner] (NCHW:
// outer = N, inner = H*W; a batch of vectors: outer = N, inner = 1).
#include <concepts>
#include <cstddef>

#include "xgan/backend/optimizer_steps.hpp"

namespace xgan::backend {

enum class Trans { no, yes };

// A tensor viewed as [outer, channels, inner], for the kernels that work per channel.
struct ChannelLayout {
    std::size_t outer = 1, channels = 1, inner = 1;
    std::size_t size() const { return outer * channels * inner; }
};

namespace detail {
// The functors the concept calls map and sum with (any pure functor will do).
struct Negate {
    template <class T>
    T operator()(T x) const { return -x; }
};
struct Product {
    template <class T>
    T operator()(T x, T y) const { return x * y; }
};
}  // namespace detail

template <class B>
concept Backend = requires { typename B::scalar; } &&
    requires(typename B::scalar* y, const typename B::scalar* x, typename B::scalar v, std::size_t n, int i,
             ChannelLayout layout, Trans t) {
        typename B::template buffer<typename B::scalar>;
        B::fill(y, n, v);
        B::copy(x, n, y);
        B::copy_from_host(x, n, y);
        B::copy_to_host(x, n, y);
        B::gemm(t, t, i, i, i, v, x, i, x, i, v, y, i);
        B::map(n, detail::Negate{}, y, x);
        B::map(n, detail::Product{}, y, x, x);
        { B::sum(n, detail::Negate{}, x) } -> std::convertible_to<double>;
        { B::sum(n, detail::Product{}, x, x) } -> std::convertible_to<double>;
        B::bias_add(layout, x, y);
        B::bias_grad(layout, x, y);
        B::adam_update(n, y, y, y, y, AdamStep<typename B::scalar>{});
        B::rmsprop_update(n, y, y, y, y, y, RmspropStep<typename B::scalar>{});
        B::sgd_update(n, y, y, y, SgdStep<typename B::scalar>{});
    };

}  // namespace xgan::backend
