#pragma once
// Bodies of the window kernels for a compile-time WindowGeometry G (pooling, upsampling) and
// of the strided block copy. What scatters on the CPU (put_add, window_spread) gathers here:
// one input pixel per item, summing over the windows that hold it. put_add therefore needs
// each arg in its own window, as window_max writes them (their only producer).
#include <cstddef>
#include <cstdint>

#include "xgan/backend/cuda/kernels/channels.hpp"
#include "xgan/backend/window_geometry.hpp"
#include "xgan/core/host_device.hpp"

namespace xgan::backend::cuda::kernels {

// f(k) for the output value k of every window that holds input value e (of any plane).
template <class G, class F>
XGAN_HD void for_each_holder(std::size_t e, F&& f) {
    const std::size_t t = e / G::plane, h = e % G::plane / G::W, w = e % G::W;
    auto first = [](std::size_t p) -> std::size_t { return p + 1 > G::K ? (p + 1 - G::K + G::S - 1) / G::S : 0; };
    auto end = [](std::size_t p, std::size_t n) -> std::size_t { return p / G::S + 1 < n ? p / G::S + 1 : n; };
    for (std::size_t i = first(h); i < end(h, G::Ho); ++i)
        for (std::size_t j = first(w); j < end(w, G::Wo); ++j) f(t * G::out_plane + i * G::Wo + j);
}

template <class G, class T>
struct WindowMax {  // item: output value k
    const T* x;
    T* y;
    std::uint32_t* arg;
    XGAN_HD void operator()(std::size_t k) const {
        const T* plane = x + k / G::out_plane * G::plane;
        const std::size_t i = k % G::out_plane / G::Wo, j = k % G::Wo;
        std::size_t best = i * G::S * G::W + j * G::S;
        for (std::size_t p = 0; p < G::K; ++p)
            for (std::size_t q = 0; q < G::K; ++q) {
                const std::size_t at = (i * G::S + p) * G::W + j * G::S + q;
                if (plane[at] > plane[best] || is_nan(double(plane[at]))) best = at;
            }
        y[k] = plane[best];
        arg[k] = std::uint32_t(best);
    }
};
template <class G, class T>
struct Take {  // item: output value k
    const T* x;
    const std::uint32_t* arg;
    T* y;
    XGAN_HD void operator()(std::size_t k) const { y[k] = x[k / G::out_plane * G::plane + arg[k]]; }
};
template <class G, class T>
struct PutAdd {  // item: input value e
    const T* y;
    const std::uint32_t* arg;
    T* x;
    XGAN_HD void operator()(std::size_t e) const {
        const std::uint32_t at = std::uint32_t(e % G::plane);
        T acc = 0;
        for_each_holder<G>(e, [&](std::size_t k) {
            if (arg[k] == at) acc += y[k];
        });
        x[e] = acc;
    }
};
template <class G, class T>
struct WindowSum {  // item: output value k
    T divisor;
    const T* x;
    T* y;
    XGAN_HD void operator()(std::size_t k) const {
        const T* plane = x + k / G::out_plane * G::plane;
        const std::size_t i = k % G::out_plane / G::Wo, j = k % G::Wo;
        T s = 0;
        for (std::size_t p = 0; p < G::K; ++p)
            for (std::size_t q = 0; q < G::K; ++q) s += plane[(i * G::S + p) * G::W + j * G::S + q];
        y[k] = s / divisor;
    }
};
template <class G, class T>
struct WindowSpread {  // item: input value e
    T divisor;
    const T* y;
    T* x;
    XGAN_HD void operator()(std::size_t e) const {
        T acc = 0;
        for_each_holder<G>(e, [&](std::size_t k) { acc += y[k] / divisor; });
        x[e] = acc;
    }
};
template <class T>
struct CopyBlocks {  // item: value e of the blocks
    Blocks b;
    const T* src;
    T* dst;
    XGAN_HD void operator()(std::size_t e) const {
        const std::size_t per_block = b.rows * b.cols, k = e / per_block, r = e % per_block / b.cols, c = e % b.cols;
        dst[k * b.dst_block + r * b.dst_row + c] = src[k * b.src_block + r * b.src_row + c];
    }
};

}  // namespace xgan::backend::cuda::kernels
