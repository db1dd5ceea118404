#pragma once
// ZeroPad2d<Left, Right, Top, Bottom>: zero padding of each image, as
// torch.nn.ZeroPad2d((Left, Right, Top, Bottom)). With Conv2d<..., K, 1, 0> after it, it gives
// Keras' padding='same' for an even kernel, which pads one more at the end than at the start
// (K = 4: ZeroPad2d<1, 2, 1, 2>), where Conv2d's one Padding pads both sides alike.
//   formula  y[n, c, Top + i, Left + j] = x[n, c, i, j]; every other y is 0
//   shapes   (B, C, H, W) -> (B, C, Top + H + Bottom, Left + W + Right)
//   forward  caches nothing
//   backward dx = dy without its padding
//   tangent  linear in x: yt = pad(xt); xbar, xtbar = the backward of ybar, ytbar
#include <algorithm>
#include <cstddef>
#include <string>

#include "xgan/core/static_checks.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

template <std::size_t Left, std::size_t Right, std::size_t Top, std::size_t Bottom, std::size_t C, std::size_t H,
          std::size_t W, class B>
class ZeroPad2dLayer
    : public LinearStatelessLayer<ZeroPad2dLayer<Left, Right, Top, Bottom, C, H, W, B>, Shape<C, H, W>,
                                  Shape<C, Top + H + Bottom, Left + W + Right>, B> {
    using T = typename B::scalar;
    using In = Shape<C, H, W>;
    static constexpr std::size_t Ho = Top + H + Bottom, Wo = Left + W + Right;
    using Out = Shape<C, Ho, Wo>;

public:
    static constexpr double forward_flops = 0;
    static std::string name() {
        return "ZeroPad2d((" + std::to_string(Left) + ", " + std::to_string(Right) + ", " + std::to_string(Top) + ", " +
               std::to_string(Bottom) + "))";
    }

    void forward(const Tensor<In, B>& x, Tensor<Out, B>& y, Mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        B::fill(y.data(), y.size(), T(0));
        B::copy_blocks({n * C, H, W, H * W, W, Ho * Wo, Wo}, x.data(), y.data() + Top * Wo + Left);
    }

    void backward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<Out, B>& dy, Tensor<In, B>* dx, ParamGrads) {
        if (!dx) return;
        const std::size_t n = x.batch();
        dx->resize(n);
        B::copy_blocks({n * C, H, W, Ho * Wo, Wo, H * W, W}, dy.data() + Top * Wo + Left, dx->data());
    }
};

template <std::size_t Left, std::size_t Right, std::size_t Top, std::size_t Bottom>
struct ZeroPad2d {
    template <ShapeType S, class B>
    struct bind {
        using dims = ImageDims<S>;
        // (C, H, W) samples only
        static_assert(require_valid_input<ZeroPad2d, S, dims::rank3>);
        using type = ZeroPad2dLayer<Left, Right, Top, Bottom, dims::C, dims::H, dims::W, B>;
    };
};

}  // namespace xgan
