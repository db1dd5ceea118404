#pragma once
// Flatten and Reshape<D...>: change a sample's shape, keep its values (NCHW order).
//   Flatten       (B, C, H, W) -> (B, C*H*W), as torch.nn.Flatten()
//   Reshape<D...> (B, S) -> (B, D...), sizes must agree (torch.nn.Unflatten / view)
#include <algorithm>
#include <string>

#include "xgan/core/static_checks.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

template <ShapeType In, ShapeType Out, class B>
class ReshapeLayer : public LinearStatelessLayer<ReshapeLayer<In, Out, B>, In, Out, B> {
    static_assert(In::size == Out::size);

public:
    static constexpr double forward_flops = 0;
    static std::string name() { return Out::rank == 1 ? "Flatten()" : "Reshape" + Out::str(); }

    void forward(const Tensor<In, B>& x, Tensor<Out, B>& y, Mode) {
        y.resize(x.batch());
        B::copy(x.data(), x.size(), y.data());
    }
    void backward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<Out, B>& dy, Tensor<In, B>* dx,
                  ParamGrads) {
        if (!dx) return;
        dx->resize(x.batch());
        B::copy(dy.data(), dy.size(), dx->data());
    }
};

struct Flatten {
    template <ShapeType S, class B>
    struct bind {
        using type = ReshapeLayer<S, Shape<S::size>, B>;
    };
};

template <std::size_t... D>
struct Reshape {
    template <ShapeType S, class B>
    struct bind {
        static_assert(require_valid_input<Reshape, S, S::size == Shape<D...>::size>);
        using type = ReshapeLayer<S, std::conditional_t<S::size == Shape<D...>::size, Shape<D...>, Shape<S::size>>, B>;
    };
};

}  // namespace xgan
