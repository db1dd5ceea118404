#pragma once
// Linear<In, Out, Bias>: y = x W^T + b, as torch.nn.Linear.
//   shapes   (B, In) -> (B, Out); weight [Out, In], bias [Out]
//   forward  caches nothing (backward reads x from Sequential)
//   backward dW += dy^T x, db += sum_b dy, dx = dy W
//   init     PyTorch: W, b ~ U(-1/sqrt(In), 1/sqrt(In)) (kaiming_uniform with a = sqrt(5));
//            dcgan: W ~ N(0, 0.02), b = 0
#include <cmath>
#include <string>

#include "xgan/core/host_device.hpp"
#include "xgan/core/static_checks.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail {
template <class T>
struct ChannelValue {  // v[c] for the element at c
    const T* v;
    XGAN_HD T operator()(backend::Index i) const { return v[i.c]; }
};
}  // namespace detail

template <std::size_t In, std::size_t Out, bool Bias, class B>
class LinearLayer {
public:
    using input_shape = Shape<In>;
    using output_shape = Shape<Out>;
    using backend = B;
    using scalar = typename B::scalar;
    static constexpr std::size_t parameter_count = In * Out + (Bias ? Out : 0);
    static constexpr double forward_flops = 2.0 * In * Out;

    static std::string name() {
        return "Linear(in_features=" + std::to_string(In) + ", out_features=" + std::to_string(Out) +
               ", bias=" + (Bias ? "True" : "False") + ")";
    }

    LinearLayer() : weight_(In * Out), weight_grad_(In * Out), bias_(Out), bias_grad_(Out) {}

    void forward(const Tensor<input_shape, B>& x, Tensor<output_shape, B>& y, Mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        // y = b in every row, then y += x W^T: one pass over y besides the GEMM's own
        if constexpr (Bias) B::indexed_map({n, Out, 1}, detail::ChannelValue<scalar>{bias_.data()}, y.data());
        B::gemm(Trans::no, Trans::yes, int(n), int(Out), int(In), scalar(1), x.data(), int(In), weight_.data(), int(In),
                Bias ? scalar(1) : scalar(0), y.data(), int(Out));
    }

    void backward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>&, const Tensor<output_shape, B>& dy,
                  Tensor<input_shape, B>* dx, ParamGrads grads) {
        const std::size_t n = x.batch();
        if (grads == ParamGrads::accumulate) {
            B::gemm(Trans::yes, Trans::no, int(Out), int(In), int(n), scalar(1), dy.data(),
                    int(Out), x.data(), int(In), scalar(1), weight_grad_.data(), int(In));
            if constexpr (Bias) B::bias_grad({n, Out, 1}, dy.data(), bias_grad_.data());
        }
        if (dx) {
            dx->resize(n);
            B::gemm(Trans::no, Trans::no, int(n), int(In), int(Out), scalar(1), dy.data(), int(Out),
                    weight_.data(), int(In), scalar(0), dx->data(), int(In));
        }
    }

    // Second order (see layer.hpp, "tangent passes"): Linear is linear in x, so
    //   yt = xt W^T;  xbar = ybar W;  xtbar = ytbar W;  dW += ybar^T x + ytbar^T xt;  db += sum ybar.
    void tangent_forward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>&,
                         const Tensor<input_shape, B>& xt, Tensor<output_shape, B>& yt) {
        const std::size_t n = x.batch();
        yt.resize(n);
        B::gemm(Trans::no, Trans::yes, int(n), int(Out), int(In), scalar(1), xt.data(), int(In),
                weight_.data(), int(In), scalar(0), yt.data(), int(Out));
    }
    void tangent_backward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>& y,
                          const Tensor<input_shape, B>& xt, const Tensor<output_shape, B>&,
                          const Tensor<output_shape, B>& ybar, const Tensor<output_shape, B>& ytbar,
                          Tensor<input_shape, B>* xbar, Tensor<input_shape, B>* xtbar, ParamGrads grads) {
        if (!detail::all_zero(ybar)) {
            backward(x, y, ybar, xbar, grads);  // the primal path, bias included
        } else if (xbar) {                      // ybar = 0 (a penalty's reverse pass): the primal path is zero
            xbar->resize(x.batch());
            B::fill(xbar->data(), xbar->size(), scalar(0));
        }
        if (grads == ParamGrads::accumulate)
            B::gemm(Trans::yes, Trans::no, int(Out), int(In), int(x.batch()), scalar(1),
                    ytbar.data(), int(Out), xt.data(), int(In), scalar(1), weight_grad_.data(), int(In));
        if (xtbar) {
            xtbar->resize(x.batch());
            B::gemm(Trans::no, Trans::no, int(x.batch()), int(In), int(Out), scalar(1),
                    ytbar.data(), int(Out), weight_.data(), int(In), scalar(0), xtbar->data(), int(In));
        }
    }

    template <class F>
    void visit_state(F&& f, const std::string& prefix) {
        f(StateEntry<scalar>{prefix + "weight", {std::int64_t(Out), std::int64_t(In)}, weight_.data(),
                             weight_grad_.data()});
        if constexpr (Bias) f(StateEntry<scalar>{prefix + "bias", {std::int64_t(Out)}, bias_.data(), bias_grad_.data()});
    }

    void reset_parameters(Rng& rng, Init init) {
        if (init == Init::dcgan) {
            init_normal<B>(rng, weight_.data(), weight_.size(), 0.0, 0.02);
            B::fill(bias_.data(), bias_.size(), scalar(0));
            return;
        }
        const double bound = 1.0 / std::sqrt(double(In));
        init_uniform<B>(rng, weight_.data(), weight_.size(), -bound, bound);
        if constexpr (Bias) init_uniform<B>(rng, bias_.data(), bias_.size(), -bound, bound);
    }

private:
    typename B::template buffer<scalar> weight_, weight_grad_, bias_, bias_grad_;
};

template <std::size_t In, std::size_t Out, bool Bias = true>
struct Linear {
    template <ShapeType S, class B>
    struct bind {
        static_assert(require_input_shape<Linear, S, Shape<In>>);
        using type = LinearLayer<In, Out, Bias, B>;
    };
};

}  // namespace xgan
