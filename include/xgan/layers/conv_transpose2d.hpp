#pragma once
// ConvTranspose2d<InC, OutC, K, Stride, Padding, OutputPadding, Bias, Dilation>: the transposed
// convolution (the adjoint of Conv2d<OutC, InC, ...>), as torch.nn.ConvTranspose2d(InC, OutC, K,
// Stride, Padding, OutputPadding, bias=Bias, dilation=Dilation).
//   formula  y[n,o,a,b] = b[o] + sum over (c,i,j,p,q) with a = i*S - P + p*D, b = j*S - P + q*D
//            of W[c,o,p,q] * x[n,c,i,j]
//   shapes   (B, InC, H, W) -> (B, OutC, H', W'), H' = (H-1)*S - 2P + D*(K-1) + OutputPadding + 1;
//            weight [InC, OutC, K, K] (PyTorch's layout), bias [OutC]
//   forward  one GEMM per chunk of samples, col[OutC*K*K, chunk*H*W] = W^T X, then col2im into y;
//            caches nothing (backward reads x from Sequential)
//   backward dcol = im2col(dy); dW += X dcol^T, db += sum of dy, dx = W dcol (one GEMM each)
//   tangent  exact second-order passes (the layer is linear in x): yt = the bias-free layer
//            applied to xt; the reverse pass is backward along (x, ybar) plus (xt, ytbar)
//   init     PyTorch: W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = OutC*K*K, since
//            torch computes fan_in from the weight's dimension 1; dcgan: W ~ N(0, 0.02), b = 0
// OutputPadding must be smaller than Stride or Dilation (PyTorch's rule), else a compile error
// names the layer. Scratch is sized by the largest batch seen, as in Conv2d.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "xgan/core/static_checks.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail::conv {

// Output extent of a transposed convolution along one axis; 0 when it would not be positive.
constexpr std::size_t conv_transpose_out(std::size_t in, std::size_t k, std::size_t s, std::size_t p, std::size_t op,
                                         std::size_t d) {
    const std::size_t full = (in - 1) * s + d * (k - 1) + op + 1;
    return full > 2 * p ? full - 2 * p : 0;
}

// The layer named here has OutputPadding >= both Stride and Dilation, which PyTorch rejects.
template <class Layer>
struct invalid_output_padding {
    static_assert(dependent_false<Layer>,
                  "xgan: ConvTranspose2d needs OutputPadding < Stride (or < Dilation), as torch.nn.ConvTranspose2d; "
                  "the layer is named in invalid_output_padding<Layer>.");
    static constexpr bool value = false;
};

}  // namespace detail::conv

template <std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride, std::size_t Padding,
          std::size_t OutputPadding, bool Bias, std::size_t Dilation, std::size_t H, std::size_t W, class B>
class ConvTranspose2dLayer {
    static constexpr std::size_t Ho = detail::conv::conv_transpose_out(H, K, Stride, Padding, OutputPadding, Dilation);
    static constexpr std::size_t Wo = detail::conv::conv_transpose_out(W, K, Stride, Padding, OutputPadding, Dilation);
    static constexpr std::size_t L = H * W;          // input pixels per channel: columns per sample
    static constexpr std::size_t OKK = OutC * K * K;  // rows of the column matrix
    // The output image is the "input" of the adjoint convolution, the input grid its output.
    using geometry = xgan::backend::ConvGeometry<OutC, Ho, Wo, H, W, K, Stride, Padding, Dilation>;  // of the output
    using T = typename B::scalar;

public:
    using input_shape = Shape<InC, H, W>;
    using output_shape = Shape<OutC, Ho, Wo>;
    using backend = B;
    using scalar = T;
    static constexpr std::size_t parameter_count = InC * OKK + (Bias ? OutC : 0);
    static constexpr double forward_flops = 2.0 * double(InC) * double(OKK) * double(L);

    static std::string name() {
        using detail::conv::pair;
        std::string s = "ConvTranspose2d(" + std::to_string(InC) + ", " + std::to_string(OutC) +
                        ", kernel_size=" + pair(K) + ", stride=" + pair(Stride);
        if (Padding != 0) s += ", padding=" + pair(Padding);
        if (Dilation != 1) s += ", dilation=" + pair(Dilation);
        if (OutputPadding != 0) s += ", output_padding=" + pair(OutputPadding);
        if (!Bias) s += ", bias=False";
        return s + ")";
    }

    ConvTranspose2dLayer()
        : weight_(InC * OKK), weight_grad_(InC * OKK), bias_(Bias ? OutC : 0), bias_grad_(Bias ? OutC : 0) {}

    void forward(const Tensor<input_shape, B>& x, Tensor<output_shape, B>& y, Mode) { run_forward(x, y, Bias); }

    void backward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>&, const Tensor<output_shape, B>& dy,
                  Tensor<input_shape, B>* dx, ParamGrads grads) {
        run_backward(x, dy, dx, grads == ParamGrads::accumulate, Bias);
    }

    // Second order (see layer.hpp, "tangent passes"): linear in x, so yt = convT(xt) without
    // bias, and the reverse pass is the ordinary backward once along (x, ybar) and once along
    // (xt, ytbar), the bias gradient from ybar only.
    void tangent_forward(const Tensor<input_shape, B>&, const Tensor<output_shape, B>&, const Tensor<input_shape, B>& xt,
                         Tensor<output_shape, B>& yt) {
        run_forward(xt, yt, false);
    }
    void tangent_backward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>&, const Tensor<input_shape, B>& xt,
                          const Tensor<output_shape, B>&, const Tensor<output_shape, B>& ybar,
                          const Tensor<output_shape, B>& ytbar, Tensor<input_shape, B>* xbar, Tensor<input_shape, B>* xtbar,
                          ParamGrads grads) {
        if (!detail::all_zero(ybar)) {
            run_backward(x, ybar, xbar, grads == ParamGrads::accumulate, Bias);
        } else if (xbar) {  // ybar = 0 (a penalty's reverse pass): the primal half is zero
            xbar->resize(x.batch());
            B::fill(xbar->data(), xbar->size(), T(0));
        }
        run_backward(xt, ytbar, xtbar, grads == ParamGrads::accumulate, false);
    }

    template <class F>
    void visit_state(F&& f, const std::string& prefix) {
        f(StateEntry<T>{prefix + "weight",
                        {std::int64_t(InC), std::int64_t(OutC), std::int64_t(K), std::int64_t(K)},
                        weight_.data(),
                        weight_grad_.data()});
        if constexpr (Bias) f(StateEntry<T>{prefix + "bias", {std::int64_t(OutC)}, bias_.data(), bias_grad_.data()});
    }

    void reset_parameters(Rng& rng, Init init) {
        if (init == Init::dcgan) {
            init_normal<B>(rng, weight_.data(), weight_.size(), 0.0, 0.02);
            B::fill(bias_.data(), bias_.size(), T(0));
            return;
        }
        const double bound = 1.0 / std::sqrt(double(OKK));  // fan_in from weight dim 1 (OutC), as torch
        init_uniform<B>(rng, weight_.data(), weight_.size(), -bound, bound);
        if constexpr (Bias) init_uniform<B>(rng, bias_.data(), bias_.size(), -bound, bound);
    }

private:
    // y = convT(x) (+ bias when with_bias).
    void run_forward(const Tensor<input_shape, B>& x, Tensor<output_shape, B>& y, bool with_bias) {
        const std::size_t n = x.batch();
        y.resize(n);
        const std::size_t chunk = reserve(n);
        for (std::size_t n0 = 0; n0 < n; n0 += chunk) {
            const std::size_t nc = std::min(chunk, n - n0), cols = nc * L;
            // X[InC, cols] = x[n0 : n0+nc] channel-major
            B::planes_to_channels({nc, InC, L}, x.sample(n0), xt_.data());
            // col[OKK, cols] = W[InC, OKK]^T X[InC, cols]
            B::gemm(Trans::yes, Trans::no, int(OKK), int(cols), int(InC), T(1), weight_.data(), int(OKK), xt_.data(),
                    int(cols), T(0), col_.data(), int(cols));
            B::template col2im<geometry>(col_.data(), nc, with_bias ? bias_.data() : nullptr, y.sample(n0));
        }
    }

    // dx = convT^T(dy) unless dx is null; with want_w, dW += x (x) im2col(dy) and, with bias_grad, db += sum dy.
    void run_backward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>& dy, Tensor<input_shape, B>* dx,
                      bool want_w, bool bias_grad) {
        const std::size_t n = x.batch();
        if (dx) dx->resize(n);
        if (!want_w && !dx) return;
        if (Bias && want_w && bias_grad) B::bias_grad({n, OutC, Ho * Wo}, dy.data(), bias_grad_.data());
        const std::size_t chunk = reserve(n);
        for (std::size_t n0 = 0; n0 < n; n0 += chunk) {
            const std::size_t nc = std::min(chunk, n - n0), cols = nc * L;
            // dcol[OKK, cols] = im2col(dy)
            B::template im2col<geometry>(dy.sample(n0), nc, col_.data());
            if (want_w) {
                B::planes_to_channels({nc, InC, L}, x.sample(n0), xt_.data());
                // dW[InC, OKK] += X[InC, cols] dcol[OKK, cols]^T
                B::gemm(Trans::no, Trans::yes, int(InC), int(OKK), int(cols), T(1), xt_.data(), int(cols), col_.data(),
                        int(cols), T(1), weight_grad_.data(), int(OKK));
            }
            if (dx) {
                // dX[InC, cols] = W[InC, OKK] dcol[OKK, cols], then back to NCHW
                B::gemm(Trans::no, Trans::no, int(InC), int(cols), int(OKK), T(1), weight_.data(), int(OKK), col_.data(),
                        int(cols), T(0), xt_.data(), int(cols));
                B::channels_to_planes({nc, InC, L}, xt_.data(), nullptr, dx->sample(n0));
            }
        }
    }

    std::size_t reserve(std::size_t n) {
        const std::size_t chunk = detail::conv::chunk_samples(n, OKK, L);
        if (col_.size() < OKK * chunk * L) col_.resize(OKK * chunk * L);
        if (xt_.size() < InC * chunk * L) xt_.resize(InC * chunk * L);
        return chunk;
    }

    typename B::template buffer<T> weight_, weight_grad_, bias_, bias_grad_;
    typename B::template buffer<T> col_;  // [OKK, chunk*L]  column matrix / its gradient
    typename B::template buffer<T> xt_;   // [InC, chunk*L]  input / input gradient, channel-major
};

template <std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride = 1, std::size_t Padding = 0,
          std::size_t OutputPadding = 0, bool Bias = true, std::size_t Dilation = 1>
struct ConvTranspose2d {
    static_assert(InC > 0 && OutC > 0 && K > 0, "xgan: ConvTranspose2d needs positive channel counts and kernel size");
    static_assert(Stride > 0 && Dilation > 0, "xgan: ConvTranspose2d needs Stride >= 1 and Dilation >= 1");

    template <ShapeType S, class B>
    struct bind {
        using dims = ImageDims<S>;
        static constexpr bool padding_ok = OutputPadding < Stride || OutputPadding < Dilation;
        static_assert(std::conditional_t<padding_ok, std::true_type,
                                         detail::conv::invalid_output_padding<ConvTranspose2d>>::value);
        // (C, H, W) samples only
        static_assert(require_valid_input<ConvTranspose2d, S, dims::rank3>);
        // InC channels
        static_assert(
            require_input_shape<ConvTranspose2d, S, std::conditional_t<dims::rank3, Shape<InC, dims::H, dims::W>, S>>);
        // a positive output size
        static constexpr bool fits =
            detail::conv::conv_transpose_out(dims::H, K, Stride, Padding, OutputPadding, Dilation) > 0 &&
            detail::conv::conv_transpose_out(dims::W, K, Stride, Padding, OutputPadding, Dilation) > 0;
        static_assert(require_valid_input<ConvTranspose2d, S, !dims::rank3 || fits>);
        static constexpr bool ok = dims::rank3 && fits;
        static constexpr std::size_t big = 2 * Padding + 1;  // a stand-in input size with a positive output
        using type = ConvTranspose2dLayer<InC, OutC, K, Stride, Padding, OutputPadding, Bias, Dilation,
                                          ok ? dims::H : big, ok ? dims::W : big, B>;
    };
};

}  // namespace xgan
