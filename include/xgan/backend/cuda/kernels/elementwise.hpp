#pragma once
// Bodies of the element-wise kernels: item k of fill, map and counter_map, and the term k of
// a sum. A body is a plain functor (XGAN_HD) that an executor calls for every item: the GPU
// one (backend/cuda/gpu.cuh) in a grid, the host one (backend/cuda/host_loops.hpp) in a loop.
#include <cstddef>
#include <cstdint>
#include <tuple>

#include "xgan/core/host_device.hpp"
#include "xgan/core/rng.hpp"

namespace xgan::backend::cuda::kernels {

template <class U>
struct Fill {
    U* x;
    U v;
    XGAN_HD void operator()(std::size_t k) const { x[k] = v; }
};

template <class Y, class F, class... X>
struct Map {
    F f;
    Y* y;
    std::tuple<const X*...> x;
    XGAN_HD void operator()(std::size_t k) const {
        y[k] = std::apply([&](const X*... p) { return Y(f(p[k]...)); }, x);
    }
};

template <class T, class F, class... X>
struct CounterMap {
    std::uint64_t start;
    F f;
    T* y;
    std::tuple<const X*...> x;
    XGAN_HD void operator()(std::size_t k) const {
        const std::uint64_t bits = counter_bits(start + k * counter_step);
        y[k] = std::apply([&](const X*... p) { return T(f(bits, p[k]...)); }, x);
    }
};

template <class F, class... X>
struct SumTerm {  // term (0, k) of a one-group sum
    F f;
    std::tuple<const X*...> x;
    XGAN_HD double operator()(std::size_t, std::size_t k) const {
        return std::apply([&](const X*... p) { return double(f(p[k]...)); }, x);
    }
};

}  // namespace xgan::backend::cuda::kernels
