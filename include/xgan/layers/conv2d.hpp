#pragma once
// Conv2d<InC, OutC, K, Stride, Padding, Bias, Dilation>: 2-d cross-correlation with square
// kernels, zero padding, as torch.nn.Conv2d(InC, OutC, K, Stride, Padding, Dilation, bias=Bias).
//   formula  y[n,o,i,j] = b[o] + sum_{c,p,q} W[o,c,p,q] * x[n, c, i*S - P + p*D, j*S - P + q*D]
//            (x is zero outside the image)
//   shapes   (B, InC, H, W) -> (B, OutC, H', W'), H' = floor((H + 2P - D*(K-1) - 1) / S) + 1;
//            weight [OutC, InC, K, K], bias [OutC]
//   forward  im2col of a chunk of samples into one [InC*K*K, chunk*H'*W'] matrix, one GEMM with the
//            weight for the whole chunk; caches that matrix when the whole batch fits one chunk
//            (backward then skips its own im2col)
//   backward db += sum of dy, dW += dY col^T (one GEMM per chunk), dx = col2im(W^T dY)
//   tangent  exact second-order passes (the layer is linear in x): yt = the bias-free layer
//            applied to xt; the reverse pass is backward along (x, ybar) plus (xt, ytbar)
//   init     PyTorch: W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = InC*K*K
//            (kaiming_uniform with a = sqrt(5)); dcgan: W ~ N(0, 0.02), b = 0
// A chunk holds as many samples as keep its column matrix near 4 MB of floats; all scratch is
// sized by the largest batch seen, so after the first call at a batch size nothing allocates.
// Every step is a backend kernel: im2col, GEMM, the transposes to and from channel-major
// order, col2im, bias reduction. Wrong channel count or rank, or an image smaller than the dilated
// kernel, fails to compile with a message that names the layer.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "xgan/core/static_checks.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail::conv {

// Output extent of a convolution along one axis; 0 when the dilated kernel does not fit.
constexpr std::size_t conv_out(std::size_t in, std::size_t k, std::size_t s, std::size_t p, std::size_t d) {
    const std::size_t span = d * (k - 1) + 1;
    return in + 2 * p >= span ? (in + 2 * p - span) / s + 1 : 0;
}

// Samples per chunk: enough that the chunk's column matrix (rows x chunk*cols) stays near
// target scalars, at least one, at most the batch.
inline std::size_t chunk_samples(std::size_t batch, std::size_t rows, std::size_t cols) {
    constexpr std::size_t target = std::size_t{1} << 20;  // 4 MB of floats: measured best of 1/4, 1, 4 MiB scalars
    return std::clamp<std::size_t>(target / (rows * cols), 1, std::max<std::size_t>(batch, 1));
}

// "(3, 3)"
inline std::string pair(std::size_t v) {
    const std::string n = std::to_string(v);
    std::string s = "(";  // appended piece by piece: GCC 12 warns (-Wrestrict) on "(" + std::string
    s += n;
    s += ", ";
    s += n;
    s += ')';
    return s;
}

}  // namespace detail::conv

template <std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride, std::size_t Padding, bool Bias,
          std::size_t Dilation, std::size_t H, std::size_t W, class B>
class Conv2dLayer {
    static constexpr std::size_t Ho = detail::conv::conv_out(H, K, Stride, Padding, Dilation);
    static constexpr std::size_t Wo = detail::conv::conv_out(W, K, Stride, Padding, Dilation);
    static constexpr std::size_t L = Ho * Wo;           // output pixels per channel
    static constexpr std::size_t CKK = InC * K * K;     // rows of the column matrix
    using geometry = xgan::backend::ConvGeometry<InC, H, W, Ho, Wo, K, Stride, Padding, Dilation>;
    using T = typename B::scalar;

public:
    using input_shape = Shape<InC, H, W>;
    using output_shape = Shape<OutC, Ho, Wo>;
    using backend = B;
    using scalar = T;
    static constexpr std::size_t parameter_count = OutC * CKK + (Bias ? OutC : 0);
    static constexpr double forward_flops = 2.0 * double(OutC) * double(CKK) * double(L);

    static std::string name() {
        using detail::conv::pair;
        std::string s = "Conv2d(" + std::to_string(InC) + ", " + std::to_string(OutC) + ", kernel_size=" + pair(K) +
                        ", stride=" + pair(Stride);
        if (Padding != 0) s += ", padding=" + pair(Padding);
        if (Dilation != 1) s += ", dilation=" + pair(Dilation);
        if (!Bias) s += ", bias=False";
        return s + ")";
    }

    Conv2dLayer() : weight_(OutC * CKK), weight_grad_(OutC * CKK), bias_(Bias ? OutC : 0), bias_grad_(Bias ? OutC : 0) {}

    void forward(const Tensor<input_shape, B>& x, Tensor<output_shape, B>& y, Mode) { run_forward(x, y, Bias); }

    void backward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>&, const Tensor<output_shape, B>& dy,
                  Tensor<input_shape, B>* dx, ParamGrads grads) {
        run_backward(x, dy, dx, grads == ParamGrads::accumulate, Bias);
    }

    // Second order (see layer.hpp, "tangent passes"): Conv2d is linear in x, so
    //   yt = conv(xt) without bias;  xbar = conv^T(ybar);  xtbar = conv^T(ytbar);
    //   dW += ybar (x) x + ytbar (x) xt (correlations);  db += sum ybar.
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
                        {std::int64_t(OutC), std::int64_t(InC), std::int64_t(K), std::int64_t(K)},
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
        const double bound = 1.0 / std::sqrt(double(CKK));
        init_uniform<B>(rng, weight_.data(), weight_.size(), -bound, bound);
        if constexpr (Bias) init_uniform<B>(rng, bias_.data(), bias_.size(), -bound, bound);
    }

private:
    // y = conv(x) (+ bias when with_bias); leaves im2col(x) in col_ when the batch is one chunk.
    void run_forward(const Tensor<input_shape, B>& x, Tensor<output_shape, B>& y, bool with_bias) {
        const std::size_t n = x.batch();
        y.resize(n);
        const std::size_t chunk = reserve(n);
        for (std::size_t n0 = 0; n0 < n; n0 += chunk) {
            const std::size_t nc = std::min(chunk, n - n0), cols = nc * L;
            B::template im2col<geometry>(x.sample(n0), nc, col_.data());
            // Y[OutC, cols] = W[OutC, CKK] col[CKK, cols]
            B::gemm(Trans::no, Trans::no, int(OutC), int(cols), int(CKK), T(1), weight_.data(), int(CKK), col_.data(),
                    int(cols), T(0), yt_.data(), int(cols));
            // y[n0+s, o, :] = Y[o, s*L : (s+1)*L] + b[o]
            B::channels_to_planes({nc, OutC, L}, yt_.data(), with_bias ? bias_.data() : nullptr, y.sample(n0));
        }
        cached_input_ = chunk >= n ? x.data() : nullptr;
        cached_batch_ = n;
    }

    // dx = conv^T(dy) unless dx is null; with want_w, dW += dy (x) x and, with bias_grad, db += sum dy.
    void run_backward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>& dy, Tensor<input_shape, B>* dx,
                      bool want_w, bool bias_grad) {
        const std::size_t n = x.batch();
        if (dx) dx->resize(n);
        if (!want_w && !dx) return;
        if (Bias && want_w && bias_grad) B::bias_grad({n, OutC, L}, dy.data(), bias_grad_.data());
        const std::size_t chunk = reserve(n);
        const bool col_cached = cached_input_ == x.data() && cached_batch_ == n && chunk >= n;
        for (std::size_t n0 = 0; n0 < n; n0 += chunk) {
            const std::size_t nc = std::min(chunk, n - n0), cols = nc * L;
            // dY[o, s*L : (s+1)*L] = dy[n0+s, o, :]
            B::planes_to_channels({nc, OutC, L}, dy.sample(n0), yt_.data());
            if (want_w) {
                if (!col_cached) {
                    B::template im2col<geometry>(x.sample(n0), nc, col_.data());
                    // col_ now holds x's columns (all of them when the batch is one chunk): a
                    // cache of another input (the tangent pass's xt) must not be trusted after this.
                    cached_input_ = chunk >= n ? x.data() : nullptr;
                    cached_batch_ = n;
                }
                // dW[OutC, CKK] += dY[OutC, cols] col[CKK, cols]^T
                B::gemm(Trans::no, Trans::yes, int(OutC), int(CKK), int(cols), T(1), yt_.data(), int(cols), col_.data(),
                        int(cols), T(1), weight_grad_.data(), int(CKK));
            }
            if (dx) {
                // dcol[CKK, cols] = W^T dY, into the column buffer
                B::gemm(Trans::yes, Trans::no, int(CKK), int(cols), int(OutC), T(1), weight_.data(), int(CKK), yt_.data(),
                        int(cols), T(0), col_.data(), int(cols));
                cached_input_ = nullptr;
                B::template col2im<geometry>(col_.data(), nc, nullptr, dx->sample(n0));
            }
        }
    }

    // Sizes the scratch for a batch of n (grows only) and returns the samples per chunk.
    std::size_t reserve(std::size_t n) {
        const std::size_t chunk = detail::conv::chunk_samples(n, CKK, L);
        if (col_.size() < CKK * chunk * L) col_.resize(CKK * chunk * L);
        if (yt_.size() < OutC * chunk * L) yt_.resize(OutC * chunk * L);
        return chunk;
    }

    typename B::template buffer<T> weight_, weight_grad_, bias_, bias_grad_;
    typename B::template buffer<T> col_;  // [CKK, chunk*L]   column matrix / its gradient
    typename B::template buffer<T> yt_;   // [OutC, chunk*L]  output / output gradient, channel-major
    const T* cached_input_ = nullptr;     // col_ holds im2col of this input (whole batch), or null
    std::size_t cached_batch_ = 0;
};

template <std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride = 1, std::size_t Padding = 0,
          bool Bias = true, std::size_t Dilation = 1>
struct Conv2d {
    static_assert(InC > 0 && OutC > 0 && K > 0, "xgan: Conv2d needs positive channel counts and kernel size");
    static_assert(Stride > 0 && Dilation > 0, "xgan: Conv2d needs Stride >= 1 and Dilation >= 1");

    template <ShapeType S, class B>
    struct bind {
        using dims = ImageDims<S>;
        // (C, H, W) samples only
        static_assert(require_valid_input<Conv2d, S, dims::rank3>);
        // InC channels
        static_assert(require_input_shape<Conv2d, S, std::conditional_t<dims::rank3, Shape<InC, dims::H, dims::W>, S>>);
        // the padded image must hold the dilated kernel (output size >= 1)
        static constexpr bool fits = detail::conv::conv_out(dims::H, K, Stride, Padding, Dilation) > 0 &&
                                     detail::conv::conv_out(dims::W, K, Stride, Padding, Dilation) > 0;
        static_assert(require_valid_input<Conv2d, S, !dims::rank3 || fits>);
        // after a failed check, a well-formed stand-in keeps the error list short
        static constexpr bool ok = dims::rank3 && fits;
        static constexpr std::size_t span = Dilation * (K - 1) + 1;
        using type = Conv2dLayer<InC, OutC, K, Stride, Padding, Bias, Dilation, ok ? dims::H : span, ok ? dims::W : span, B>;
    };
};

}  // namespace xgan
