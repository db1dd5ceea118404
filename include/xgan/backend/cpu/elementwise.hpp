#pragma once
// The CPU backend's element-wise kernels: fill, copy, map and sum by functor. A functor that
// also has simd(batch...) (xsimd batches) gets explicit vector code: for the maps compilers
// leave scalar (tanh, sqrt and exp keep errno semantics, so GCC does not vectorise them).
#include <algorithm>
#include <cstddef>

#include "xgan/backend/cpu/parallel.hpp"
#include "xgan/backend/cpu/simd.hpp"
#include "xgan/core/rng.hpp"

namespace xgan::backend::cpu {

template <class T>
void fill(T* x, std::size_t n, T v) {
    std::fill(x, x + n, v);
}

template <class T>
void copy(const T* x, std::size_t n, T* y) {
    std::copy(x, x + n, y);
}

template <class, class U>
using same_as_t = U;

template <class F, class T, class... X>
concept SimdFunctor = requires(const F& f, same_as_t<X, xsimd::batch<T>>... b) { f.simd(b...); };

// y[i] = f(x[i]...); y may alias an input.
template <class T, class F, class... X>
void map(std::size_t n, const F& f, T* y, const X*... x) {
    std::size_t i = 0;
    if constexpr (SimdFunctor<F, T, X...>) {
        using batch = xsimd::batch<T>;
        const std::size_t whole = n - n % batch::size;
        for (; i < whole; i += batch::size) f.simd(batch::load_unaligned(x + i)...).store_unaligned(y + i);
    }
    for (; i < n; ++i) y[i] = f(x[i]...);
}

// sum_i f(x[i]...), accumulated in double.
template <class F, class... X>
double sum(std::size_t n, const F& f, const X*... x) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += double(f(x[i]...));
    return s;
}

// y[i] = f(counter_bits(start + i * counter_step), x[i]...) for i in [begin, end). Plain
// arguments (not lambda captures, which the compiler must assume y may alias) let the loop
// vectorise.
template <class T, class F, class... X>
void counter_block(T* y, std::size_t begin, std::size_t end, std::uint64_t start, F f, const X*... x) {
    for (std::size_t i = begin; i < end; ++i) y[i] = T(f(counter_bits(start + i * counter_step), x[i]...));
}

// The counter-based stream (core/rng.hpp) through f, with inputs x, in blocks on TBB.
template <class T, class F, class... X>
void counter_map(std::size_t n, std::uint64_t start, const F& f, T* y, const X*... x) {
    // A normal draw costs ~30 ns (log, sqrt, cos in double): a batch's noise (6400 values for
    // mlp-small) is worth two threads already.
    constexpr std::size_t block = 1024;
    parallel_for((n + block - 1) / block, 1, [&](std::size_t b0, std::size_t b1) {
        for (std::size_t b = b0; b < b1; ++b) counter_block(y, b * block, std::min(n, (b + 1) * block), start, f, x...);
    });
}

}  // namespace xgan::backend::cpu
