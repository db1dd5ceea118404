#pragma once
// Pooling over K x K windows, without padding, in floor mode (PyTorch's defaults).
//
// MaxPool2d<K, Stride>: the maximum over each K x K window, as torch.nn.MaxPool2d(K, Stride)
// (no padding, dilation 1, floor mode).
//   formula  y[n, c, i, j] = max over p, q < K of x[n, c, i*S + p, j*S + q]
//   shapes   (B, C, H, W) -> (B, C, H', W'), H' = floor((H - K) / S) + 1
//   forward  caches the position of each window's maximum (the first one on ties, a NaN if
//            any, as PyTorch's CPU kernel), sized by the largest batch seen
//   backward dx = 0, then dx[argmax] += dy for every window (overlapping windows add up)
//   tangent  piecewise linear: yt = xt[argmax of x]; xbar, xtbar scatter ybar, ytbar to the argmax
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "xgan/core/static_checks.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

template <std::size_t K, std::size_t S, std::size_t C, std::size_t H, std::size_t W, class B>
class MaxPool2dLayer : public StatelessLayer<Shape<C, H, W>, Shape<C, (H - K) / S + 1, (W - K) / S + 1>, B> {
    using T = typename B::scalar;
    static constexpr std::size_t Ho = (H - K) / S + 1, Wo = (W - K) / S + 1;
    using windows = xgan::backend::WindowGeometry<H, W, K, S>;
    using In = Shape<C, H, W>;
    using Out = Shape<C, Ho, Wo>;

public:
    static constexpr double forward_flops = double(K * K) * double(Out::size);
    static std::string name() {
        return "MaxPool2d(kernel_size=" + std::to_string(K) + ", stride=" + std::to_string(S) +
               ", padding=0, dilation=1, ceil_mode=False)";
    }

    void forward(const Tensor<In, B>& x, Tensor<Out, B>& y, Mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        if (argmax_.size() < n * Out::size) argmax_.resize(n * Out::size);
        B::template window_max<windows>(n * C, x.data(), y.data(), argmax_.data());
    }

    void backward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<Out, B>& dy, Tensor<In, B>* dx,
                  ParamGrads) {
        if (dx) scatter(x.batch(), dy, *dx);
    }

    void tangent_forward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<In, B>& xt, Tensor<Out, B>& yt) {
        const std::size_t n = x.batch();
        yt.resize(n);
        B::template take<windows>(n * C, xt.data(), argmax_.data(), yt.data());
    }

    void tangent_backward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<In, B>&, const Tensor<Out, B>&,
                          const Tensor<Out, B>& ybar, const Tensor<Out, B>& ytbar, Tensor<In, B>* xbar, Tensor<In, B>* xtbar,
                          ParamGrads) {
        if (xbar) scatter(x.batch(), ybar, *xbar);
        if (xtbar) scatter(x.batch(), ytbar, *xtbar);
    }

private:
    // dx = 0, then dx[argmax] += dy
    void scatter(std::size_t n, const Tensor<Out, B>& dy, Tensor<In, B>& dx) {
        dx.resize(n);
        B::template put_add<windows>(n * C, dy.data(), argmax_.data(), dx.data());
    }

    typename B::template buffer<std::uint32_t> argmax_;  // [batch, C, H', W'], index into the H x W plane
};

namespace detail {
// A pooling spec bound to (C, H, W) samples at least K x K (others are refused, naming Spec).
template <template <std::size_t, std::size_t, std::size_t, std::size_t, std::size_t, class> class Layer, class Spec,
          std::size_t K, std::size_t Stride, ShapeType S, class B>
struct PoolBind {
    using dims = ImageDims<S>;
    static_assert(require_valid_input<Spec, S, dims::rank3 && dims::H >= K && dims::W >= K>);
    static constexpr bool ok = dims::rank3 && dims::H >= K && dims::W >= K;
    using type = Layer<K, Stride, dims::C, ok ? dims::H : K, ok ? dims::W : K, B>;
};
}  // namespace detail

template <std::size_t K, std::size_t Stride = K>
struct MaxPool2d {
    static_assert(K > 0 && Stride > 0, "xgan: MaxPool2d needs a positive kernel size and stride");
    template <ShapeType S, class B>
    struct bind : detail::PoolBind<MaxPool2dLayer, MaxPool2d, K, Stride, S, B> {};
};

// AvgPool2d<K, Stride>: the mean of each K x K window, as torch.nn.AvgPool2d(K, Stride) (no
// padding, floor mode; PGGAN's downsampling between D's blocks).
//   formula  y[n, c, i, j] = (1 / K²) sum over p, q < K of x[n, c, i*S + p, j*S + q]
//   shapes   (B, C, H, W) -> (B, C, H', W'), H' = floor((H - K) / S) + 1
//   forward  caches nothing
//   backward dx = 0, then every window adds dy / K² to each of its inputs
//   tangent  linear in x: yt = pool(xt); xbar, xtbar = the backward of ybar, ytbar
template <std::size_t K, std::size_t S, std::size_t C, std::size_t H, std::size_t W, class B>
class AvgPool2dLayer : public LinearStatelessLayer<AvgPool2dLayer<K, S, C, H, W, B>, Shape<C, H, W>,
                                                   Shape<C, (H - K) / S + 1, (W - K) / S + 1>, B> {
    using T = typename B::scalar;
    static constexpr std::size_t Ho = (H - K) / S + 1, Wo = (W - K) / S + 1;
    using windows = xgan::backend::WindowGeometry<H, W, K, S>;
    using In = Shape<C, H, W>;
    using Out = Shape<C, Ho, Wo>;

public:
    static constexpr double forward_flops = double(K * K) * double(Out::size);
    static std::string name() {
        return "AvgPool2d(kernel_size=" + std::to_string(K) + ", stride=" + std::to_string(S) + ", padding=0)";
    }

    void forward(const Tensor<In, B>& x, Tensor<Out, B>& y, Mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        B::template window_sum<windows>(n * C, T(K * K), x.data(), y.data());
    }

    void backward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<Out, B>& dy, Tensor<In, B>* dx,
                  ParamGrads) {
        if (!dx) return;
        const std::size_t n = x.batch();
        dx->resize(n);
        B::template window_spread<windows>(n * C, T(K * K), dy.data(), dx->data());
    }
};

template <std::size_t K, std::size_t Stride = K>
struct AvgPool2d {
    static_assert(K > 0 && Stride > 0, "xgan: AvgPool2d needs a positive kernel size and stride");
    template <ShapeType S, class B>
    struct bind : detail::PoolBind<AvgPool2dLayer, AvgPool2d, K, Stride, S, B> {};
};

}  // namespace xgan
