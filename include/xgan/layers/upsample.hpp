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
    // each input pixel is one Scale x Scale window of the output
    using windows = xgan::backend::WindowGeometry<H * Scale, W * Scale, Scale, Scale>;

public:
    static constexpr double forward_flops = 0;
    static std::string name() { return "Upsample(scale_factor=" + std::to_string(Scale) + ".0, mode=nearest)"; }

    void forward(const Tensor<In, B>& x, Tensor<Out, B>& y, Mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        B::template window_spread<windows>(n * C, T(1), x.data(), y.data());
    }

    void backward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<Out, B>& dy, Tensor<In, B>* dx,
                  ParamGrads) {
        if (!dx) return;
        const std::size_t n = x.batch();
        dx->resize(n);
        B::template window_sum<windows>(n * C, T(1), dy.data(), dx->data());
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
