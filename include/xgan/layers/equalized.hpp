#pragma once
// EqualizedLinear<In, Out, Bias> and EqualizedConv2d<InC, OutC, K, Stride, Padding, Bias>: the
// equalized learning rate of PGGAN (Karras et al. 2018; pytorch_GAN_zoo's EqualizedLinear and
// EqualizedConv2d). The stored weight W is drawn from N(0, 1) and used as c W, with
// c = sqrt(2 / fan_in) (fan_in = In, or InC*K*K), so that Adam's per-parameter step sizes act
// on every layer alike. The bias is not scaled:
//   formula  y = Linear / Conv2d with weight c W and bias b
//   state    weight (the unscaled W) and bias, with Linear's / Conv2d's names and shapes: the
//            state of a torch module holding nn.Parameter(torch.randn(...)) and calling
//            F.linear(x, self.weight * c, self.bias) (F.conv2d likewise)
//   init     W ~ N(0, 1), b = 0, whatever the Init (the scaling is the initialisation)
// Both layers are linear in x, so a layer with weight c W applied to x equals the layer with
// weight W applied to c x: EqualizedLayer scales its input by c and runs the unchanged Linear
// or Conv2d, whose weight is the unscaled W. The parameter gradients are then the gradients
// of W itself, and dx (and the tangent passes' xbar, xtbar) are the wrapped layer's times c.
// The price is one scaled copy of the input (and of the tangent input) per layer.
#include <algorithm>
#include <cmath>
#include <string>

#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/layer.hpp"
#include "xgan/layers/linear.hpp"

namespace xgan {

// Inner is a bound Linear or Conv2d layer, FanIn its inputs per output.
template <class Inner, std::size_t FanIn>
class EqualizedLayer {
    using In = Tensor<typename Inner::input_shape, typename Inner::backend>;
    using Out = Tensor<typename Inner::output_shape, typename Inner::backend>;
    using B = typename Inner::backend;

public:
    using input_shape = typename Inner::input_shape;
    using output_shape = typename Inner::output_shape;
    using backend = typename Inner::backend;
    using scalar = typename Inner::scalar;
    static constexpr std::size_t parameter_count = Inner::parameter_count;
    static constexpr double forward_flops = Inner::forward_flops + double(input_shape::size);

    // "EqualizedLinear(in_features=4, ...)", "EqualizedConv2d(2, 3, kernel_size=(3, 3), ...)"
    static std::string name() { return "Equalized" + Inner::name(); }

    // c = sqrt(2 / fan_in), He's constant
    static scalar scale_factor() { return scalar(std::sqrt(2.0 / double(FanIn))); }

    void forward(const In& x, Out& y, Mode mode) { inner_.forward(scaled(x, scaled_x_), y, mode); }

    void backward(const In& x, const Out& y, const Out& dy, In* dx, ParamGrads grads) {
        inner_.backward(scaled(x, scaled_x_), y, dy, dx, grads);
        if (dx) scale_in_place(*dx);
    }

    void tangent_forward(const In& x, const Out& y, const In& xt, Out& yt) {
        inner_.tangent_forward(scaled(x, scaled_x_), y, scaled(xt, scaled_xt_), yt);
    }
    void tangent_backward(const In& x, const Out& y, const In& xt, const Out& yt, const Out& ybar, const Out& ytbar,
                          In* xbar, In* xtbar, ParamGrads grads) {
        inner_.tangent_backward(scaled(x, scaled_x_), y, scaled(xt, scaled_xt_), yt, ybar, ytbar, xbar, xtbar, grads);
        if (xbar) scale_in_place(*xbar);
        if (xtbar) scale_in_place(*xtbar);
    }

    template <class F>
    void visit_state(F&& f, const std::string& prefix) {
        inner_.visit_state(f, prefix);
    }

    void reset_parameters(Rng& rng, Init) {
        inner_.visit_state(
            [&](const StateEntry<scalar>& e) {
                if (e.name == "weight") init_normal<B>(rng, e.value, e.numel());
                else B::fill(e.value, e.numel(), scalar(0));
            },
            "");
    }

private:
    // out = c x. Recomputed on every call from the x it is given (backward reads the same
    // buffer as forward, so Conv2d's cached column matrix of it stays valid).
    static const In& scaled(const In& x, In& out) {
        out.resize(x.batch());
        B::map(x.size(), detail::ScaleBy{double(scale_factor())}, out.data(), x.data());
        return out;
    }
    static void scale_in_place(In& t) {
        B::map(t.size(), detail::ScaleBy{double(scale_factor())}, t.data(), t.data());
    }

    Inner inner_;
    In scaled_x_, scaled_xt_;  // c x and c xt of the last call
};

template <std::size_t In, std::size_t Out, bool Bias = true>
struct EqualizedLinear {
    template <ShapeType S, class B>
    struct bind {
        using type = EqualizedLayer<bind_t<Linear<In, Out, Bias>, S, B>, In>;
    };
};

template <std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride = 1, std::size_t Padding = 0,
          bool Bias = true>
struct EqualizedConv2d {
    template <ShapeType S, class B>
    struct bind {
        using type = EqualizedLayer<bind_t<Conv2d<InC, OutC, K, Stride, Padding, Bias>, S, B>, InC * K * K>;
    };
};

}  // namespace xgan
