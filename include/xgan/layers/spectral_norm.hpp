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

#include "xgan/core/static_checks.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/layer.hpp"
#include "xgan/layers/linear.hpp"

namespace xgan {

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

    SpectralNormLayer() : weight_orig_(Rows * Cols), weight_orig_grad_(Rows * Cols), u_(Rows), v_(Cols), wtu_(Cols) {}

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
        std::copy(w.value, w.value + Rows * Cols, weight_orig_.data());
        rng.fill_normal(u_.data(), Rows);
        normalise(u_.data(), Rows);
        rng.fill_normal(v_.data(), Cols);
        normalise(v_.data(), Cols);
    }

    // sigma of the last forward
    double sigma() const { return sigma_; }

private:
    // v = normalize(W^T u), u = normalize(W v)
    void power_iteration() {
        const T* w = weight_orig_.data();
        std::fill(wtu_.begin(), wtu_.end(), 0.0);
        for (std::size_t r = 0; r < Rows; ++r)
            for (std::size_t c = 0; c < Cols; ++c) wtu_[c] += double(w[r * Cols + c]) * double(u_[r]);
        for (std::size_t c = 0; c < Cols; ++c) v_[c] = T(wtu_[c]);
        normalise(v_.data(), Cols);
        for (std::size_t r = 0; r < Rows; ++r) u_[r] = T(row_dot_v(r));
        normalise(u_.data(), Rows);
    }

    // sigma = u^T W v; the wrapped layer's weight = W / sigma
    void normalise_weight() {
        double s = 0;
        for (std::size_t r = 0; r < Rows; ++r) s += double(u_[r]) * row_dot_v(r);
        sigma_ = s;
        const T* w = weight_orig_.data();
        T* wn = inner_weight().value;
        for (std::size_t i = 0; i < Rows * Cols; ++i) wn[i] = T(double(w[i]) / s);
    }

    // (W v)[r]
    double row_dot_v(std::size_t r) const {
        const T* row = weight_orig_.data() + r * Cols;
        double s = 0;
        for (std::size_t c = 0; c < Cols; ++c) s += double(row[c]) * double(v_[c]);
        return s;
    }

    // The wrapped layer's weight (W / sigma) and gradient; its gradient zeroed when the pass
    // will accumulate into it, so that it then holds this pass's G alone.
    StateEntry<T> clear_inner_weight_grad(ParamGrads grads) {
        StateEntry<T> w = inner_weight();
        if (grads == ParamGrads::accumulate) std::fill(w.grad, w.grad + Rows * Cols, T(0));
        return w;
    }

    // d weight_orig += (G - <G, W / sigma> u v^T) / sigma
    void fold_weight_gradient(const StateEntry<T>& w) {
        double g_dot_wn = 0;
        for (std::size_t i = 0; i < Rows * Cols; ++i) g_dot_wn += double(w.grad[i]) * double(w.value[i]);
        for (std::size_t r = 0; r < Rows; ++r) {
            const double k = g_dot_wn * double(u_[r]);
            const T* g = w.grad + r * Cols;
            T* out = weight_orig_grad_.data() + r * Cols;
            for (std::size_t c = 0; c < Cols; ++c) out[c] += T((double(g[c]) - k * double(v_[c])) / sigma_);
        }
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
    static void normalise(T* a, std::size_t n) {
        double sq = 0;
        for (std::size_t i = 0; i < n; ++i) sq += double(a[i]) * double(a[i]);
        const double norm = std::max(std::sqrt(sq), eps);
        for (std::size_t i = 0; i < n; ++i) a[i] = T(double(a[i]) / norm);
    }

    Inner inner_;
    typename Inner::backend::template buffer<T> weight_orig_, weight_orig_grad_;  // [Rows * Cols]
    typename Inner::backend::template buffer<T> u_;                               // [Rows]
    typename Inner::backend::template buffer<T> v_;                               // [Cols]
    typename Inner::backend::template buffer<double> wtu_;                        // [Cols] W^T u, scratch
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
