#pragma once
// SpectralNorm<Layer>: spectral normalisation (Miyato et al. 2018) of a Linear or Conv2d, as
// torch.nn.utils.spectral_norm(layer) with n_power_iterations=1, eps=1e-12, dim=0:
//   SpectralNorm<Linear<64, 1>>, SpectralNorm<Conv2d<3, 64, 4, 2, 1>>.
//   formula  W = weight_orig as a [Out, fan_in] matrix (the row-major layout of both layers);
//            train: one power iteration  v = normalize(W^T u), u = normalize(W v)  updates the
//                   buffers u and v (normalize(a) = a / max(||a||, eps));  eval: none
//            sigma = u^T W v, and the wrapped layer runs with weight W / sigma
//   shapes   those of the wrapped layer
//   state    PyTorch's order: bias (if any), weight_orig [the layer's weight shape],
//            weight_u [Out], weight_v [fan_in] (buffers)
//   backward u and v are constants (torch runs the iteration under no_grad), so with
//            G = dL/d(W / sigma), the wrapped layer's weight gradient:
//              d weight_orig += (G - <G, W / sigma> u v^T) / sigma
//   tangent  y and J x xt depend on weight_orig only through W / sigma (fixed by the forward),
//            so the wrapped layer's tangent passes give G and the same map gives the exact
//            parameter gradient of a gradient penalty
//   init     the wrapped layer's own (Init), then u ~ N(0, 1) and v ~ N(0, 1), each normalised,
//            drawn from the same Rng in that order (as torch draws them after the layer's init)
// The wrapped layer keeps W / sigma as its weight and its gradient G as scratch; neither is in
// the state. A penalty in train mode runs the critic forward once more, and so one more power
// iteration, as torch does.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "xgan/core/host_device.hpp"
#include "xgan/core/static_checks.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/layer.hpp"
#include "xgan/layers/linear.hpp"

namespace xgan {

namespace detail::sn {
using backend::Index;
template <class T>
struct TimesRow {  // w[r, c] u[r]
    const T* u;
    template <class X>
    XGAN_HD double operator()(Index k, X w) const { return double(w) * double(u[k.o]); }
};
template <class T>
struct TimesColumn {  // w[r, c] v[c]
    const T* v;
    template <class X>
    XGAN_HD double operator()(Index k, X w) const { return double(w) * double(v[k.c]); }
};
template <class T>
struct Round {
    template <class X>
    XGAN_HD T operator()(X x) const { return T(x); }
};
struct Square {
    template <class X>
    XGAN_HD double operator()(X x) const { return double(x) * double(x); }
};
struct Product {
    template <class X, class Y>
    XGAN_HD double operator()(X x, Y y) const { return double(x) * double(y); }
};
struct DivideBy {
    double d;
    template <class X>
    XGAN_HD X operator()(X x) const { return X(double(x) / d); }
};
template <class T>
struct Fold {  // out + (g - <G, W / sigma> u[r] v[c]) / sigma
    const T *u, *v;
    double g_dot_wn, sigma;
    template <class X>
    XGAN_HD X operator()(Index k, X out, X g) const {
        return out + X((double(g) - g_dot_wn * double(u[k.o]) * double(v[k.c])) / sigma);
    }
};
}  // namespace detail::sn

// Inner is a bound Linear or Conv2d layer whose weight is a [Rows, Cols] matrix.
template <class Inner, std::size_t Rows, std::size_t Cols>
class SpectralNormLayer {
    using T = typename Inner::scalar;
    using In = Tensor<typename Inner::input_shape, typename Inner::backend>;
    using Out = Tensor<typename Inner::output_shape, typename Inner::backend>;
    static constexpr double eps = 1e-12;

public:
    using input_shape = typename Inner::input_shape;
    using output_shape = typename Inner::output_shape;
    using backend = typename Inner::backend;
    using scalar = T;
    static constexpr std::size_t parameter_count = Inner::parameter_count;
    static constexpr double forward_flops = Inner::forward_flops;

    static std::string name() { return "SpectralNorm(" + Inner::name() + ")"; }

    SpectralNormLayer()
        : weight_orig_(Rows * Cols), weight_orig_grad_(Rows * Cols), u_(Rows), v_(Cols), wtu_(Cols), wv_(Rows) {}

    void forward(const In& x, Out& y, Mode mode) {
        if (mode == Mode::train) power_iteration();
        normalise_weight();
        inner_.forward(x, y, mode);
    }

    void backward(const In& x, const Out& y, const Out& dy, In* dx, ParamGrads grads) {
        const StateEntry<T> w = clear_inner_weight_grad(grads);
        inner_.backward(x, y, dy, dx, grads);
        if (grads == ParamGrads::accumulate) fold_weight_gradient(w);
    }

    void tangent_forward(const In& x, const Out& y, const In& xt, Out& yt) { inner_.tangent_forward(x, y, xt, yt); }
    void tangent_backward(const In& x, const Out& y, const In& xt, const Out& yt, const Out& ybar, const Out& ytbar,
                          In* xbar, In* xtbar, ParamGrads grads) {
        const StateEntry<T> w = clear_inner_weight_grad(grads);
        inner_.tangent_backward(x, y, xt, yt, ybar, ytbar, xbar, xtbar, grads);
        if (grads == ParamGrads::accumulate) fold_weight_gradient(w);
    }

    template <class F>
    void visit_state(F&& f, const std::string& prefix) {
        const std::string weight = prefix + "weight";
        std::vector<std::int64_t> weight_shape;
        inner_.visit_state(
            [&](const StateEntry<T>& e) {
                if (e.name == weight) weight_shape = e.shape;
                else f(e);  // the bias
            },
            prefix);
        f(StateEntry<T>{prefix + "weight_orig", weight_shape, weight_orig_.data(), weight_orig_grad_.data()});
        f(StateEntry<T>{prefix + "weight_u", {std::int64_t(Rows)}, u_.data(), nullptr});
        f(StateEntry<T>{prefix + "weight_v", {std::int64_t(Cols)}, v_.data(), nullptr});
    }

    void reset_parameters(Rng& rng, Init init) {
        inner_.reset_parameters(rng, init);
        const StateEntry<T> w = inner_weight();
        B::copy(static_cast<const T*>(w.value), Rows * Cols, weight_orig_.data());
        init_normal<B>(rng, u_.data(), Rows);
        normalise(u_.data(), Rows);
        init_normal<B>(rng, v_.data(), Cols);
        normalise(v_.data(), Cols);
    }

    // sigma of the last forward
    double sigma() const { return sigma_; }

private:
    using B = typename Inner::backend;
    static constexpr xgan::backend::ChannelLayout matrix{Rows, Cols, 1};  // o: row, c: column

    // v = normalize(W^T u), u = normalize(W v)
    void power_iteration() {
        B::channel_sum(matrix, detail::sn::TimesRow<T>{u_.data()}, wtu_.data(), weight_orig_.data());
        B::map(Cols, detail::sn::Round<T>{}, v_.data(), wtu_.data());
        normalise(v_.data(), Cols);
        B::position_sum(matrix, detail::sn::TimesColumn<T>{v_.data()}, wv_.data(), weight_orig_.data());
        B::map(Rows, detail::sn::Round<T>{}, u_.data(), wv_.data());
        normalise(u_.data(), Rows);
    }

    // sigma = u^T W v; the wrapped layer's weight = W / sigma
    void normalise_weight() {
        B::position_sum(matrix, detail::sn::TimesColumn<T>{v_.data()}, wv_.data(), weight_orig_.data());
        const double s = B::sum(Rows, detail::sn::Product{}, u_.data(), wv_.data());
        sigma_ = s;
        B::map(Rows * Cols, detail::sn::DivideBy{s}, inner_weight().value, weight_orig_.data());
    }

    // The wrapped layer's weight (W / sigma) and gradient; its gradient zeroed when the pass
    // will accumulate into it, so that it then holds this pass's G alone.
    StateEntry<T> clear_inner_weight_grad(ParamGrads grads) {
        StateEntry<T> w = inner_weight();
        if (grads == ParamGrads::accumulate) B::fill(w.grad, Rows * Cols, T(0));
        return w;
    }

    // d weight_orig += (G - <G, W / sigma> u v^T) / sigma
    void fold_weight_gradient(const StateEntry<T>& w) {
        const double g_dot_wn = B::sum(Rows * Cols, detail::sn::Product{}, w.grad, w.value);
        B::indexed_map(matrix, detail::sn::Fold<T>{u_.data(), v_.data(), g_dot_wn, sigma_}, weight_orig_grad_.data(),
                       weight_orig_grad_.data(), w.grad);
    }

    // Looked up on each use (not kept as pointers), so that copies of the layer stay valid.
    StateEntry<T> inner_weight() {
        StateEntry<T> w;
        inner_.visit_state(
            [&](const StateEntry<T>& e) {
                if (e.name == "weight") w = e;
            },
            "");
        return w;
    }

    // a /= max(||a||, eps)
    // a = a / max(||a||, eps)
    static void normalise(T* a, std::size_t n) {
        const double norm = std::max(std::sqrt(B::sum(n, detail::sn::Square{}, a)), eps);
        B::map(n, detail::sn::DivideBy{norm}, a, a);
    }

    Inner inner_;
    typename Inner::backend::template buffer<T> weight_orig_, weight_orig_grad_;  // [Rows * Cols]
    typename Inner::backend::template buffer<T> u_;                               // [Rows]
    typename Inner::backend::template buffer<T> v_;                               // [Cols]
    typename Inner::backend::template buffer<double> wtu_;                        // [Cols] W^T u, scratch
    typename Inner::backend::template buffer<double> wv_;                         // [Rows] W v, scratch
    double sigma_ = 1;  // of the last forward
};

namespace detail::sn {
// The weight of a wrapped spec as a [rows, cols] matrix; supported only for Linear and Conv2d
// (ConvTranspose2d would need torch's dim=1).
template <class Spec>
struct WeightMatrix {
    static constexpr bool supported = false;
    static constexpr std::size_t rows = 1, cols = 1;
};
template <std::size_t In, std::size_t Out, bool Bias>
struct WeightMatrix<Linear<In, Out, Bias>> {
    static constexpr bool supported = true;
    static constexpr std::size_t rows = Out, cols = In;
};
template <std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride, std::size_t Padding, bool Bias,
          std::size_t Dilation>
struct WeightMatrix<Conv2d<InC, OutC, K, Stride, Padding, Bias, Dilation>> {
    static constexpr bool supported = true;
    static constexpr std::size_t rows = OutC, cols = InC * K * K;
};
}  // namespace detail::sn

template <class Spec>
struct spectral_norm_wraps_linear_or_conv2d {
    static_assert(dependent_false<Spec>,
                  "xgan: SpectralNorm<Layer> wraps a Linear or a Conv2d; the layer named in "
                  "spectral_norm_wraps_linear_or_conv2d<Layer> is neither.");
    static constexpr bool value = false;
};

template <class Spec>
struct SpectralNorm {
    using matrix = detail::sn::WeightMatrix<Spec>;
    static_assert(std::conditional_t<matrix::supported, std::true_type, spectral_norm_wraps_linear_or_conv2d<Spec>>::value);

    template <ShapeType S, class B>
    struct bind {
        using type = SpectralNormLayer<bind_t<Spec, S, B>, matrix::rows, matrix::cols>;
    };
};

}  // namespace xgan
