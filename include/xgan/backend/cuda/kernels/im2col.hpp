#pragma once
// Bodies of im2col / col2im for a compile-time ConvGeometry G: im2col writes one entry of the
// column matrix per item; col2im gathers, one image pixel per item, the entries of the taps
// that meet it (no item writes another's value, so no atomics and a fixed summation order).
#include <cstddef>

#include "xgan/backend/conv_geometry.hpp"
#include "xgan/core/host_device.hpp"

namespace xgan::backend::cuda::kernels {

template <class G, class T>
struct Im2col {
    const T* x;
    std::size_t n;
    T* col;
    XGAN_HD void operator()(std::size_t at) const {
        const std::size_t cols = n * G::L, row = at / cols, column = at % cols;
        const std::size_t c = row / (G::K * G::K), p = row / G::K % G::K, q = row % G::K;
        const std::size_t s = column / G::L, l = column % G::L, i = l / G::Wo, j = l % G::Wo;
        const long r = long(i * G::S + p * G::D) - long(G::P), k = long(j * G::S + q * G::D) - long(G::P);
        const bool inside = r >= 0 && r < long(G::H) && k >= 0 && k < long(G::W);
        col[at] = inside ? x[(s * G::C + c) * G::image + std::size_t(r) * G::W + std::size_t(k)] : T(0);
    }
};

template <class G, class T>
struct Col2im {
    const T* col;
    std::size_t n;
    const T* bias;
    T* x;
    XGAN_HD void operator()(std::size_t e) const {
        const std::size_t cols = n * G::L, s = e / (G::C * G::image), c = e / G::image % G::C;
        const long h = long(e % G::image / G::W), w = long(e % G::W);
        T acc = bias ? bias[c] : T(0);
        for (std::size_t p = 0; p < G::K; ++p) {
            const long r = h + long(G::P) - long(p * G::D);  // i * S for the output row i that tap p joins
            if (r < 0 || r % long(G::S) != 0 || r / long(G::S) >= long(G::Ho)) continue;
            for (std::size_t q = 0; q < G::K; ++q) {
                const long k = w + long(G::P) - long(q * G::D);
                if (k < 0 || k % long(G::S) != 0 || k / long(G::S) >= long(G::Wo)) continue;
                const std::size_t l = std::size_t(r / long(G::S)) * G::Wo + std::size_t(k / long(G::S));
                acc += col[((c * G::K + p) * G::K + q) * cols + s * G::L + l];
            }
        }
        x[e] = acc;
    }
};

}  // namespace xgan::backend::cuda::kernels
