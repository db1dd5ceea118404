#pragma once
// Sequential<L...>: layers applied in order, as torch.nn.Sequential. Flat: the layers are a
// parameter pack held in a tuple; the compile-time shape chain is one fold expression, not
// recursive nesting, so error messages and compile times stay small.
//
// Bound to an input shape (Network<Sequential<...>, Shape<100>>) it is itself a Layer, so
// Sequentials nest. It keeps every layer's output and output gradient: backward reads them,
// and after the largest batch has been seen no call allocates.
// State names follow PyTorch: "<index>.<name>", parameter-free layers keep their index.
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "xgan/backend/cpu.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail {

template <class Spec>
struct SpecTag {};

// The layers bound so far and the shape their last one outputs.
template <class B, ShapeType Out, class... Bound>
struct Chain {
    using output = Out;
    using layers = std::tuple<Bound...>;
};

// Declared only: used in decltype to bind the next spec to the chain's current output shape.
template <class B, ShapeType Out, class... Bound, class Spec>
auto operator>>(Chain<B, Out, Bound...>, SpecTag<Spec>)
    -> Chain<B, typename bind_t<Spec, Out, B>::output_shape, Bound..., bind_t<Spec, Out, B>>;

template <class Tuple, class B>
struct OutputTensors;
template <class... L, class B>
struct OutputTensors<std::tuple<L...>, B> {
    using type = std::tuple<Tensor<typename L::output_shape, B>...>;
};

}  // namespace detail

template <ShapeType In, class B, class... Specs>
class SequentialNet {
    static_assert(sizeof...(Specs) > 0, "xgan: a Sequential needs at least one layer");
    using chain = decltype((detail::Chain<B, In>{} >> ... >> detail::SpecTag<Specs>{}));

public:
    using input_shape = In;
    using output_shape = typename chain::output;
    using backend = B;
    using scalar = typename B::scalar;
    using layer_types = typename chain::layers;
    static_assert([]<class... L>(std::type_identity<std::tuple<L...>>) {
        return (require_layer<L> && ...);
    }(std::type_identity<layer_types>{}), "xgan: a layer of this Sequential breaks the Layer contract (see the error above)");
    static constexpr std::size_t depth = sizeof...(Specs);
    template <std::size_t I>
    using layer_t = std::tuple_element_t<I, layer_types>;

    static constexpr std::size_t parameter_count = []<std::size_t... I>(std::index_sequence<I...>) {
        return (std::size_t{0} + ... + layer_t<I>::parameter_count);
    }(std::make_index_sequence<depth>{});
    static constexpr double forward_flops = []<std::size_t... I>(std::index_sequence<I...>) {
        return (0.0 + ... + layer_t<I>::forward_flops);
    }(std::make_index_sequence<depth>{});

    static std::string name() { return "Sequential"; }

    // Index of the first layer with trainable parameters (depth if none).
    static constexpr std::size_t first_with_parameters = []<std::size_t... I>(std::index_sequence<I...>) {
        std::size_t first = depth;
        ((first = (first == depth && layer_t<I>::parameter_count > 0) ? I : first), ...);
        return first;
    }(std::make_index_sequence<depth>{});

    // Runs every layer; x must stay alive and unchanged until backward.
    const Tensor<output_shape, B>& forward(const Tensor<In, B>& x, Mode mode) {
        input_ = &x;
        each([&]<std::size_t I>() { std::get<I>(layers_).forward(input_of<I>(), std::get<I>(outputs_), mode); });
        return output();
    }

    // Backpropagates dy (the gradient of the loss w.r.t. the last forward's output). Writes
    // dL/dx into dx unless dx is null; adds parameter gradients unless grads == skip.
    void backward(const Tensor<output_shape, B>& dy, Tensor<In, B>* dx, ParamGrads grads = ParamGrads::accumulate) {
        each_reversed([&]<std::size_t I>() {
            // Without dx, nothing before the first layer with parameters needs a gradient
            // (D's leading Flatten: its Linear then skips a whole GEMM).
            if constexpr (I < first_with_parameters)
                if (!dx) return;
            const Tensor<typename layer_t<I>::output_shape, B>* g;
            if constexpr (I + 1 == depth) g = &dy;
            else g = &std::get<I>(grads_);
            Tensor<typename layer_t<I>::input_shape, B>* d;
            if constexpr (I == 0) d = dx;
            else if constexpr (I == first_with_parameters) d = dx ? &std::get<I - 1>(grads_) : nullptr;
            else d = &std::get<I - 1>(grads_);
            std::get<I>(layers_).backward(input_of<I>(), std::get<I>(outputs_), *g, d, grads);
        });
    }

    // Tangent pass along xt at the input of the last forward: returns J(x) xt at the output.
    const Tensor<output_shape, B>& tangent_forward(const Tensor<In, B>& xt)
        requires(HasTangentPasses<layer_t<0>>)
    {
        input_tangent_ = &xt;
        each([&]<std::size_t I>() {
            std::get<I>(layers_).tangent_forward(input_of<I>(), std::get<I>(outputs_), tangent_of<I>(),
                                                 std::get<I>(tangents_));
        });
        return std::get<depth - 1>(tangents_);
    }

    // Reverse pass through (output, tangent output) after tangent_forward: L depends on the
    // output through ybar and on the tangent output through ytbar. Accumulates dL/dθ; writes
    // dL/dx and dL/dxt into xbar and xtbar unless they are null.
    void tangent_backward(const Tensor<output_shape, B>& ybar, const Tensor<output_shape, B>& ytbar, Tensor<In, B>* xbar,
                          Tensor<In, B>* xtbar, ParamGrads grads = ParamGrads::accumulate) {
        each_reversed([&]<std::size_t I>() {
            using L = layer_t<I>;
            const Tensor<typename L::output_shape, B>*gy, *gyt;
            if constexpr (I + 1 == depth) gy = &ybar, gyt = &ytbar;
            else gy = &std::get<I>(grads_), gyt = &std::get<I>(tangent_grads_);
            Tensor<typename L::input_shape, B>*dx, *dxt;
            if constexpr (I == 0) dx = xbar, dxt = xtbar;
            else dx = &std::get<I - 1>(grads_), dxt = &std::get<I - 1>(tangent_grads_);
            std::get<I>(layers_).tangent_backward(input_of<I>(), std::get<I>(outputs_), tangent_of<I>(),
                                                  std::get<I>(tangents_), *gy, *gyt, dx, dxt, grads);
        });
    }

    // The Layer contract, for nesting a Sequential in another.
    void tangent_forward(const Tensor<In, B>&, const Tensor<output_shape, B>&, const Tensor<In, B>& xt,
                         Tensor<output_shape, B>& yt) {
        const auto& out = tangent_forward(xt);
        yt.resize(out.batch());
        B::copy(out.data(), out.size(), yt.data());
    }
    void tangent_backward(const Tensor<In, B>&, const Tensor<output_shape, B>&, const Tensor<In, B>&,
                          const Tensor<output_shape, B>&, const Tensor<output_shape, B>& ybar,
                          const Tensor<output_shape, B>& ytbar, Tensor<In, B>* xbar, Tensor<In, B>* xtbar, ParamGrads grads) {
        tangent_backward(ybar, ytbar, xbar, xtbar, grads);
    }
    void forward(const Tensor<In, B>& x, Tensor<output_shape, B>& y, Mode mode) {
        const auto& out = forward(x, mode);
        y.resize(out.batch());
        B::copy(out.data(), out.size(), y.data());
    }
    void backward(const Tensor<In, B>&, const Tensor<output_shape, B>&, const Tensor<output_shape, B>& dy,
                  Tensor<In, B>* dx, ParamGrads grads) {
        backward(dy, dx, grads);
    }

    const Tensor<output_shape, B>& output() const { return std::get<depth - 1>(outputs_); }

    template <std::size_t I>
    layer_t<I>& layer() { return std::get<I>(layers_); }
    template <std::size_t I>
    const auto& layer_output() const { return std::get<I>(outputs_); }

    // f(layer, index) for every layer, in order.
    template <class F>
    void for_each_layer(F&& f) {
        each([&]<std::size_t I>() { f(std::get<I>(layers_), I); });
    }

    template <class F>
    void visit_state(F&& f, const std::string& prefix = "") {
        each([&]<std::size_t I>() { std::get<I>(layers_).visit_state(f, prefix + std::to_string(I) + "."); });
    }

    // f(Rng&) for the private random stream of every layer that has one (Dropout).
    template <class F>
    void visit_random_streams(F&& f) {
        each([&]<std::size_t I>() {
            if constexpr (requires { std::get<I>(layers_).visit_random_streams(f); })
                std::get<I>(layers_).visit_random_streams(f);
        });
    }

    void reset_parameters(Rng& rng, Init init = Init::pytorch) {
        each([&]<std::size_t I>() { std::get<I>(layers_).reset_parameters(rng, init); });
    }

private:
    template <std::size_t I>
    const Tensor<typename layer_t<I>::input_shape, B>& tangent_of() const {
        if constexpr (I == 0) return *input_tangent_;
        else return std::get<I - 1>(tangents_);
    }
    template <std::size_t I>
    const Tensor<typename layer_t<I>::input_shape, B>& input_of() const {
        if constexpr (I == 0) return *input_;
        else return std::get<I - 1>(outputs_);
    }
    template <class F>
    static void each(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) { (f.template operator()<I>(), ...); }
        (std::make_index_sequence<depth>{});
    }
    template <class F>
    static void each_reversed(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) { (f.template operator()<depth - 1 - I>(), ...); }
        (std::make_index_sequence<depth>{});
    }

    layer_types layers_;
    typename detail::OutputTensors<layer_types, B>::type outputs_;
    typename detail::OutputTensors<layer_types, B>::type grads_;  // grads_[i] = dL/d outputs_[i]
    // Tangent passes (second order); empty until first used.
    typename detail::OutputTensors<layer_types, B>::type tangents_;
    typename detail::OutputTensors<layer_types, B>::type tangent_grads_;
    const Tensor<In, B>* input_ = nullptr;
    const Tensor<In, B>* input_tangent_ = nullptr;
};

template <class... Specs>
struct Sequential {
    template <ShapeType S, class B>
    struct bind {
        using type = SequentialNet<S, B, Specs...>;
    };
};

// The runtime network of a spec bound to an input shape: Network<Sequential<...>, Shape<100>>.
template <class Spec, ShapeType In, class B = Cpu>
using Network = bind_t<Spec, In, B>;

}  // namespace xgan
