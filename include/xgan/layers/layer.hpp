#pragma once
// The layer contract. A layer *spec* is a small class template holding the shape-defining
// hyper-parameters (Linear<784, 256>); binding it to an input shape and a backend,
//     bind_t<Spec, InShape, Backend>,
// yields the runtime layer, which satisfies the Layer concept below:
//   input_shape, output_shape, backend, scalar        types
//   name()                                            "Linear(in_features=784, out_features=256)"
//   parameter_count                                   trainable scalars (static, for summaries)
//   forward_flops                                     floating-point operations per sample, forward
//   forward(x, y, mode)                               y = f(x); caches what backward needs
//   backward(x, y, dy, dx, grads)                     dx = dL/dx (dx may be null: skip it);
//                                                     grads == accumulate adds dL/dθ to the gradients
//   visit_state(f, prefix)                            f(StateEntry) for each tensor of PyTorch's
//                                                     state_dict, in PyTorch's order
//   reset_parameters(rng, init)                       the initial values (PyTorch's by default)
// backward receives the x and y of the last forward; Sequential keeps them, so layers cache
// only what is neither (BatchNorm's normalised input, Dropout's mask).
//
// Tangent passes (exact second order, for gradient penalties). A layer that has them provides
//   tangent_forward(x, y, xt, yt)        yt = J_f(x) xt, the forward-mode derivative along xt
//   tangent_backward(x, y, xt, yt, ybar, ytbar, xbar, xtbar, grads)
//                                        the reverse pass through (y, yt) = (f(x), J_f(x) xt):
//                                        xbar = dL/dx, xtbar = dL/dxt (each may be null), and
//                                        dL/dθ accumulated, where L depends on y and yt
// A penalty on ||∇x D(x)|| has the parameter gradient ∇θ <v, ∇x D(x)> for v = dP/d(∇x D),
// which is the backward of the tangent pass along v: exact, no finite differences. Layers
// without these members (BatchNorm in train mode) are refused at compile time under a penalty.
#include <concepts>
#include <cstdint>
#include <string>
#include <vector>

#include "xgan/backend/tensor.hpp"
#include "xgan/core/dtype.hpp"
#include "xgan/core/host_device.hpp"
#include "xgan/core/mode.hpp"
#include "xgan/core/rng.hpp"
#include "xgan/core/shape.hpp"
#include "xgan/core/static_checks.hpp"

namespace xgan {

using xgan::backend::ChannelLayout;
using backend::Trans;

// One tensor of a layer's state, named as in PyTorch's state_dict.
template <class T>
struct StateEntry {
    std::string name;                 // "3.weight", "1.running_mean"
    std::vector<std::int64_t> shape;  // PyTorch's layout
    T* value = nullptr;               // floating-point state
    T* grad = nullptr;                // its gradient; null for buffers that are not trained
    std::int64_t* integer = nullptr;  // set instead of value for I64 buffers (num_batches_tracked)

    std::size_t numel() const {
        std::size_t n = 1;
        for (auto d : shape) n *= static_cast<std::size_t>(d);
        return n;
    }
    bool trainable() const { return grad != nullptr; }
    DType dtype() const { return integer ? DType::I64 : DType::F32; }
};

// Initial parameter values. pytorch: each layer's reset_parameters() as in torch.nn.
// dcgan: weights of Linear/Conv layers ~ N(0, 0.02), BatchNorm weights ~ N(1, 0.02), biases 0
// (the DCGAN paper's weights_init).
enum class Init { pytorch, dcgan };

// Initial values are drawn from the host Rng and copied into B's storage, so a seed gives the
// same parameters on every backend.
template <class B, class U>
void init_normal(Rng& rng, U* x, std::size_t n, double mean = 0.0, double stddev = 1.0) {
    std::vector<U> drawn(n);
    rng.fill_normal(drawn.data(), n, mean, stddev);
    B::copy_from_host(static_cast<const U*>(drawn.data()), n, x);
}
template <class B, class U>
void init_uniform(Rng& rng, U* x, std::size_t n, double lo, double hi) {
    std::vector<U> drawn(n);
    rng.fill_uniform(drawn.data(), n, lo, hi);
    B::copy_from_host(static_cast<const U*>(drawn.data()), n, x);
}

template <class Spec, ShapeType In, class B>
using bind_t = typename Spec::template bind<In, B>::type;

namespace detail {
// Stands for every f a network passes to visit_state: f(StateEntry) (Layer asks for exactly this).
template <class T>
struct StateVisitor {
    void operator()(const StateEntry<T>&) const {}
};
}  // namespace detail

template <class L>
concept Layer = requires(L& l, const Tensor<typename L::input_shape, typename L::backend>& x,
                         Tensor<typename L::output_shape, typename L::backend>& y,
                         const Tensor<typename L::output_shape, typename L::backend>& yc,
                         const Tensor<typename L::output_shape, typename L::backend>& dy,
                         Tensor<typename L::input_shape, typename L::backend>* dx, Rng& rng,
                         detail::StateVisitor<typename L::backend::scalar>& visitor, const std::string& prefix) {
    typename L::input_shape;
    typename L::output_shape;
    typename L::backend;
    { L::name() } -> std::convertible_to<std::string>;
    { L::parameter_count } -> std::convertible_to<std::size_t>;
    { L::forward_flops } -> std::convertible_to<double>;
    l.forward(x, y, Mode::train);
    l.backward(x, yc, dy, dx, ParamGrads::accumulate);
    l.reset_parameters(rng, Init::pytorch);
    l.visit_state(visitor, prefix);
};

// A bound layer that does not meet the Layer contract (a member missing or mistyped: without
// this check a mistyped visit_state would be skipped, and the layer would train and save nothing).
template <class BoundLayer>
struct layer_breaks_the_layer_contract {
    static_assert(Layer<BoundLayer>,
                  "xgan: the layer named in layer_breaks_the_layer_contract<L> does not satisfy the Layer concept "
                  "of xgan/layers/layer.hpp (input_shape, output_shape, backend, name(), parameter_count, "
                  "forward_flops, forward, backward, reset_parameters, visit_state(f, prefix)); the notes "
                  "below name the member that is missing or has the wrong signature.");
    static constexpr bool value = false;
};

// Evaluates to true; otherwise fails with layer_breaks_the_layer_contract<L> and the concept's notes.
template <class L>
inline constexpr bool require_layer =
    std::conditional_t<Layer<L>, std::true_type, layer_breaks_the_layer_contract<L>>::value;

// The layer has exact second-order (tangent) passes.
template <class L>
concept HasTangentPasses = requires(L& l, const Tensor<typename L::input_shape, typename L::backend>& x,
                                    const Tensor<typename L::output_shape, typename L::backend>& y,
                                    Tensor<typename L::output_shape, typename L::backend>& yt,
                                    Tensor<typename L::input_shape, typename L::backend>* xbar) {
    l.tangent_forward(x, y, x, yt);
    l.tangent_backward(x, y, x, y, y, y, xbar, xbar, ParamGrads::accumulate);
};

// Base for layers without parameters or state: supplies the empty members of the contract.
template <ShapeType In, ShapeType Out, class B>
struct StatelessLayer {
    using input_shape = In;
    using output_shape = Out;
    using backend = B;
    using scalar = typename B::scalar;
    static constexpr std::size_t parameter_count = 0;
    template <class F>
    void visit_state(F&&, const std::string&) {}
    void reset_parameters(Rng&, Init) {}
};

// Base for parameter-free layers that are linear maps of x (reshapes, padding, upsampling):
// the tangent passes are the layer itself, yt = f(xt), and its backward along ybar and ytbar.
// Derived supplies forward and backward.
template <class Derived, ShapeType In, ShapeType Out, class B>
struct LinearStatelessLayer : StatelessLayer<In, Out, B> {
    void tangent_forward(const Tensor<In, B>&, const Tensor<Out, B>&, const Tensor<In, B>& xt, Tensor<Out, B>& yt) {
        self().forward(xt, yt, Mode::eval);
    }
    void tangent_backward(const Tensor<In, B>& x, const Tensor<Out, B>& y, const Tensor<In, B>&, const Tensor<Out, B>&,
                          const Tensor<Out, B>& ybar, const Tensor<Out, B>& ytbar, Tensor<In, B>* xbar, Tensor<In, B>* xtbar,
                          ParamGrads grads) {
        self().backward(x, y, ybar, xbar, grads);
        self().backward(x, y, ytbar, xtbar, grads);
    }

private:
    Derived& self() { return static_cast<Derived&>(*this); }
};

// A rational number usable as a template argument (clang 14 rejects float template arguments):
// LeakyReLU<ratio(0.2)>. Six decimal digits are kept.
struct Ratio {
    std::int64_t num = 0;
    std::int64_t den = 1;
    constexpr double value() const { return static_cast<double>(num) / static_cast<double>(den); }
};
constexpr Ratio ratio(double v) {
    const double scaled = v * 1'000'000.0;
    return Ratio{static_cast<std::int64_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5), 1'000'000};
}

namespace detail {
struct ScaleBy {  // c x, c rounded to the scalar type first
    double c;
    template <class T>
    XGAN_HD T operator()(T x) const { return T(c) * x; }
};
struct NonZero {
    template <class T>
    XGAN_HD T operator()(T x) const { return x != T(0) ? T(1) : T(0); }
};
// Whether every value of t is exactly zero. A gradient penalty's reverse pass starts with
// ybar = 0, and layers without second-order terms (convolutions, Linear, ReLU/LeakyReLU,
// Dropout) keep it zero, so their tangent_backward can skip the primal half (xbar = 0, no
// parameter gradient from ybar): a whole backward pass per layer.
template <ShapeType S, class B>
bool all_zero(const Tensor<S, B>& t) {
    return B::sum(t.size(), NonZero{}, t.data()) == 0;
}
}  // namespace detail

// "0.2" for 0.2, as PyTorch's reprs print it.
inline std::string format_number(double v) {
    std::string s = std::to_string(v);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s += '0';
    return s;
}

// (C, H, W) of a rank-3 sample shape, for layers that take images; rank3 false (and 1s) for
// any other rank, so that a layer's bind can refuse it with a readable message.
template <class S>
struct ImageDims {
    static constexpr bool rank3 = false;
    static constexpr std::size_t C = 1, H = 1, W = 1;
};
template <std::size_t C_, std::size_t H_, std::size_t W_>
struct ImageDims<Shape<C_, H_, W_>> {
    static constexpr bool rank3 = true;
    static constexpr std::size_t C = C_, H = H_, W = W_;
};

}  // namespace xgan
