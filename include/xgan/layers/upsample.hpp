#pragma once
// Upsample<Scale>: nearest-neighbour upsampling by an integer factor, as
// torch.nn.Upsample(scale_factor=Scale, mode='nearest').
//   formula  y[n, c, i, j] = x[n, c, i / Scale, j / Scale]
//   shapes   (B, C, H, W) -> (B, C, H*Scale, W*Scale)
//   forward  caches nothing
//   backward dx[n, c, i, j] = sum of dy over the Scale x Scale block that copies x[n, c, i, j]
//   tangent  linear in x: yt = upsample(xt); xbar, xtbar = the backward of ybar, ytbar
#include <algorithm>
#include <cstddef>
#include <string>

#include "xgan/core/static_checks.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

template <std::size_t Scale, std::size_t C, std::size_t H, std::size_t W, class B>
class UpsampleLayer
    : public LinearStatelessLayer<UpsampleLayer<Scale, C, H, W, B>, Shape<C, H, W>, Shape<C, H * Scale, W * Scale>, B> {
    using T = typename B::scalar;
    using In = Shape<C, H, W>;
    using Out = Shape<C, H * Scale, W * Scale>;
    static constexpr std::size_t Wo = W * Scale;

public:
    static constexpr double forward_flops = 0;
    static std::string name() { return "Upsample(scale_factor=" + std::to_string(Scale) + ".0, mode=nearest)"; }

    void forward(const Tensor<In, B>& x, Tensor<Out, B>& y, Mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        B::parallel_for(n * C, std::max<std::size_t>(1, 4096 / (Out::size / C)), [&](std::size_t t0, std::size_t t1) {
            for (std::size_t t = t0; t < t1; ++t) {
                const T* in = x.data() + t * H * W;
                T* out = y.data() + t * H * W * Scale * Scale;
                for (std::size_t i = 0; i < H; ++i) {
                    T* row = out + i * Scale * Wo;
                    for (std::size_t j = 0; j < W; ++j)
                        for (std::size_t b = 0; b < Scale; ++b) row[j * Scale + b] = in[i * W + j];
                    for (std::size_t a = 1; a < Scale; ++a) std::copy(row, row + Wo, row + a * Wo);
                }
            }
        });
    }

    void backward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<Out, B>& dy, Tensor<In, B>* dx,
                  ParamGrads) {
        if (!dx) return;
        const std::size_t n = x.batch();
        dx->resize(n);
        B::parallel_for(n * C, std::max<std::size_t>(1, 4096 / (Out::size / C)), [&](std::size_t t0, std::size_t t1) {
            for (std::size_t t = t0; t < t1; ++t) {
                const T* g = dy.data() + t * H * W * Scale * Scale;
                T* out = dx->data() + t * H * W;
                for (std::size_t i = 0; i < H; ++i)
                    for (std::size_t j = 0; j < W; ++j) {
                        T s = 0;
                        for (std::size_t a = 0; a < Scale; ++a)
                            for (std::size_t b = 0; b < Scale; ++b) s += g[(i * Scale + a) * Wo + j * Scale + b];
                        out[i * W + j] = s;
                    }
            }
        });
    }

};

template <std::size_t Scale = 2>
struct Upsample {
    static_assert(Scale >= 1, "xgan: Upsample needs an integer scale factor >= 1");
    template <ShapeType S, class B>
    struct bind {
        using dims = ImageDims<S>;
        // (C, H, W) samples only
        static_assert(require_valid_input<Upsample, S, dims::rank3>);
        using type = UpsampleLayer<Scale, dims::C, dims::H, dims::W, B>;
    };
};

}  // namespace xgan
