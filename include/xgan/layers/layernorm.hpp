#pragma once
// LayerNorm<Shape<D...>, Eps>: normalises each sample over all of its dimensions, with an
// element-wise affine transform, as torch.nn.LayerNorm(normalized_shape=[D...], eps=Eps)
// (elementwise_affine=True). Eps is a Ratio, PyTorch's 1e-5 by default:
// LayerNorm<Shape<64, 7, 7>>, LayerNorm<Shape<256>, ratio(1e-6)>. The normalised shape must be
// the whole sample shape (a mismatch fails to compile naming the layer and both shapes).
//   formula  y = (x - mean) / sqrt(var + eps) * weight + bias, mean and biased var over the
//            sample's N = D0*D1*... values; the same in train and eval mode
//   shapes   any S -> S; weight, bias [D...]
//   forward  caches each sample's mean and r = 1/sqrt(var + eps) (double)
//   backward dweight += sum_b dy xhat, dbias += sum_b dy;
//            dx = r (g - mean(g) - xhat mean(g xhat)),  g = weight dy  (J = r P, P symmetric)
//   tangent  exact second order (for gradient penalties), with a = mean(xhat xt):
//              xhat_t = r (xt - mean(xt) - xhat a),  yt = weight xhat_t
//            and its reverse pass, gt = weight ytbar, c = mean(gt xhat),
//            C = mean(gt xt) - mean(gt) mean(xt):
//              xtbar  = r (gt - mean(gt) - xhat c)
//              xbar   = r (g - mean(g) - xhat mean(g xhat))
//                       - r^2 (xhat (C - 3 a c) + c (xt - mean(xt)) + a (gt - mean(gt)))
//              dweight += sum_b ybar xhat + ytbar xhat_t,  dbias += sum_b ybar
//   init     weight 1, bias 0 (PyTorch's, under both inits)
// Statistics are accumulated in double, per sample through the backend's position sums and
// per element (the parameter gradients) through its channel sums.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "xgan/core/host_device.hpp"
#include "xgan/core/static_checks.hpp"
#include "xgan/layers/batchnorm.hpp"  // detail::bn: python_float, Times, InvStd
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail::ln {

using backend::Index;

// Per-sample statistics of a batch viewed as [n, N, 1]: Index::o is the sample, Index::c the
// element. mean and r = 1/sqrt(var + eps) per sample; w the affine weight per element.
template <class T>
struct Stats {
    const double *mean, *r;
    const T* w;
    template <class X>
    XGAN_HD double xhat(Index k, X x) const { return (double(x) - mean[k.o]) * r[k.o]; }
};

struct Value {
    template <class X>
    XGAN_HD double operator()(Index, X x) const { return double(x); }
};
struct CenteredSquare {
    const double* mean;
    template <class X>
    XGAN_HD double operator()(Index k, X x) const {
        const double d = double(x) - mean[k.o];
        return d * d;
    }
};
using bn::InvStd;  // 1 / sqrt(sum / n + eps)
using bn::Times;
template <class T>
struct Normalise {  // (x - mean) r w + b, in the scalar type (as the forward always has)
    Stats<T> s;
    const T* b;
    template <class X>
    XGAN_HD X operator()(Index k, X x) const { return (x - X(s.mean[k.o])) * X(s.r[k.o]) * X(s.w[k.c]) + X(b[k.c]); }
};
template <class T>
struct WeightedGrad {  // w dy
    const T* w;
    template <class X>
    XGAN_HD double operator()(Index k, X dy) const { return double(dy) * double(w[k.c]); }
};
template <class T>
struct WeightedGradXhat {  // w dy xhat
    Stats<T> s;
    template <class X>
    XGAN_HD double operator()(Index k, X dy, X x) const { return double(dy) * double(s.w[k.c]) * s.xhat(k, x); }
};
template <class T>
struct XhatTimes {  // xhat xt
    Stats<T> s;
    template <class X>
    XGAN_HD double operator()(Index k, X x, X xt) const { return s.xhat(k, x) * double(xt); }
};
template <class T>
struct WeightedGradTimes {  // w dy xt
    const T* w;
    template <class X>
    XGAN_HD double operator()(Index k, X dy, X xt) const { return double(dy) * double(w[k.c]) * double(xt); }
};
// dx = r (g - mean(g) - xhat mean(g xhat)), g = w dy; sums sg = sum g, sgx = sum g xhat
template <class T>
struct InputGradient {
    Stats<T> s;
    const double *sg, *sgx;
    double inv_n;
    template <class X>
    XGAN_HD X operator()(Index k, X dy, X x) const {
        const double r = s.r[k.o];
        return X(r * (double(dy) * double(s.w[k.c]) - sg[k.o] * inv_n - s.xhat(k, x) * sgx[k.o] * inv_n));
    }
};
// yt = w r (xt - mean(xt) - xhat a), a = mean(xhat xt)
template <class T>
struct Tangent {
    Stats<T> s;
    const double *mt, *a;
    template <class X>
    XGAN_HD X operator()(Index k, X x, X xt) const {
        return X(double(s.w[k.c]) * s.r[k.o] * (double(xt) - mt[k.o] - s.xhat(k, x) * a[k.o]));
    }
};
// The reverse pass of the tangent pass (header comment), from the per-sample sums
// sg = sum w ybar, sgx = sum w ybar xhat, sgt = sum w ytbar, sgtx = sum w ytbar xhat,
// sgtt = sum w ytbar xt.
template <class T>
struct TangentReverse {
    Stats<T> s;
    const double *mt, *a, *sg, *sgx, *sgt, *sgtx, *sgtt;
    double inv_n;
    // xtbar = r (gt - mean(gt) - xhat c)
    template <class X>
    XGAN_HD X xtbar(Index k, X x, X ytbar) const {
        const double c = sgtx[k.o] * inv_n;
        return X(s.r[k.o] * (double(ytbar) * double(s.w[k.c]) - sgt[k.o] * inv_n - s.xhat(k, x) * c));
    }
    // xbar = r (g - mean(g) - xhat mean(g xhat)) - r^2 (xhat (C - 3 a c) + c (xt - mean(xt)) + a (gt - mean(gt)))
    template <class X>
    XGAN_HD X xbar(Index k, X x, X xt, X ybar, X ytbar) const {
        const double r = s.r[k.o], w = double(s.w[k.c]), xhat = s.xhat(k, x);
        const double mgt = sgt[k.o] * inv_n, c = sgtx[k.o] * inv_n, C = sgtt[k.o] * inv_n - mgt * mt[k.o];
        const double kx = C - 3 * a[k.o] * c;
        return X(r * (double(ybar) * w - sg[k.o] * inv_n - xhat * sgx[k.o] * inv_n) -
                 r * r * (xhat * kx + c * (double(xt) - mt[k.o]) + a[k.o] * (double(ytbar) * w - mgt)));
    }
};
template <class T>
struct XtbarOf {
    TangentReverse<T> t;
    template <class X>
    XGAN_HD X operator()(Index k, X x, X ytbar) const { return t.xtbar(k, x, ytbar); }
};
template <class T>
struct XbarOf {
    TangentReverse<T> t;
    template <class X>
    XGAN_HD X operator()(Index k, X x, X xt, X ybar, X ytbar) const { return t.xbar(k, x, xt, ybar, ytbar); }
};
// The parameter gradient per element: dy xhat, and with a tangent pass + ytbar r (xt - mean(xt) - xhat a)
template <class T>
struct WeightGrad {
    Stats<T> s;
    template <class X>
    XGAN_HD double operator()(Index k, X dy, X x) const { return double(dy) * s.xhat(k, x); }
};
template <class T>
struct WeightGradSecondOrder {
    Stats<T> s;
    const double *mt, *a;
    template <class X>
    XGAN_HD double operator()(Index k, X dy, X x, X xt, X ytbar) const {
        const double xhat = s.xhat(k, x);
        return double(dy) * xhat + double(ytbar) * s.r[k.o] * (double(xt) - mt[k.o] - xhat * a[k.o]);
    }
};
struct AddCast {  // g + acc, rounded to g's type
    template <class G, class X>
    XGAN_HD G operator()(G g, X acc) const { return g + G(acc); }
};

}  // namespace detail::ln

template <Ratio Eps, ShapeType S, class B>
class LayerNormLayer {
    using T = typename B::scalar;
    static constexpr std::size_t N = S::size;

public:
    using input_shape = S;
    using output_shape = S;
    using backend = B;
    using scalar = T;
    static constexpr std::size_t parameter_count = 2 * N;
    static constexpr double forward_flops = 8.0 * double(N);

    static std::string name() {
        return "LayerNorm(" + S::str() + ", eps=" + detail::bn::python_float(Eps.value()) + ", elementwise_affine=True)";
    }

    LayerNormLayer() : weight_(N, T(1)), weight_grad_(N), bias_(N), bias_grad_(N), per_element_(N) {}

    void forward(const Tensor<S, B>& x, Tensor<S, B>& y, Mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        reserve(n);
        B::position_sum(layout(n), detail::ln::Value{}, sum1_.data(), x.data());
        B::map(n, detail::ln::Times{1.0 / double(N)}, mean_.data(), sum1_.data());
        B::position_sum(layout(n), detail::ln::CenteredSquare{mean_.data()}, sum1_.data(), x.data());
        B::map(n, detail::ln::InvStd{double(N), Eps.value()}, r_.data(), sum1_.data());
        B::indexed_map(layout(n), detail::ln::Normalise<T>{stats(), bias_.data()}, y.data(), x.data());
    }

    void backward(const Tensor<S, B>& x, const Tensor<S, B>&, const Tensor<S, B>& dy, Tensor<S, B>* dx,
                  ParamGrads grads) {
        const std::size_t n = x.batch();
        if (grads == ParamGrads::accumulate) {
            B::channel_sum(layout(n), detail::ln::WeightGrad<T>{stats()}, per_element_.data(), dy.data(), x.data());
            accumulate_parameter_grads(n, dy);
        }
        if (!dx) return;
        dx->resize(n);
        B::position_sum(layout(n), detail::ln::WeightedGrad<T>{weight_.data()}, sum1_.data(), dy.data());
        B::position_sum(layout(n), detail::ln::WeightedGradXhat<T>{stats()}, sum2_.data(), dy.data(), x.data());
        B::indexed_map(layout(n), detail::ln::InputGradient<T>{stats(), sum1_.data(), sum2_.data(), 1.0 / double(N)},
                       dx->data(), dy.data(), x.data());
    }

    // Second order: see the header comment.
    void tangent_forward(const Tensor<S, B>& x, const Tensor<S, B>&, const Tensor<S, B>& xt, Tensor<S, B>& yt) {
        const std::size_t n = x.batch();
        yt.resize(n);
        tangent_stats(x, xt);
        B::indexed_map(layout(n), detail::ln::Tangent<T>{stats(), mt_.data(), a_.data()}, yt.data(), x.data(), xt.data());
    }

    void tangent_backward(const Tensor<S, B>& x, const Tensor<S, B>&, const Tensor<S, B>& xt, const Tensor<S, B>&,
                          const Tensor<S, B>& ybar, const Tensor<S, B>& ytbar, Tensor<S, B>* xbar, Tensor<S, B>* xtbar,
                          ParamGrads grads) {
        const std::size_t n = x.batch();
        tangent_stats(x, xt);
        if (grads == ParamGrads::accumulate) {
            B::channel_sum(layout(n), detail::ln::WeightGradSecondOrder<T>{stats(), mt_.data(), a_.data()},
                           per_element_.data(), ybar.data(), x.data(), xt.data(), ytbar.data());
            accumulate_parameter_grads(n, ybar);
        }
        if (!xbar && !xtbar) return;
        const auto w = weight_.data();
        B::position_sum(layout(n), detail::ln::WeightedGrad<T>{w}, sum1_.data(), ybar.data());
        B::position_sum(layout(n), detail::ln::WeightedGradXhat<T>{stats()}, sum2_.data(), ybar.data(), x.data());
        B::position_sum(layout(n), detail::ln::WeightedGrad<T>{w}, sum3_.data(), ytbar.data());
        B::position_sum(layout(n), detail::ln::WeightedGradXhat<T>{stats()}, sum4_.data(), ytbar.data(), x.data());
        B::position_sum(layout(n), detail::ln::WeightedGradTimes<T>{w}, sum5_.data(), ytbar.data(), xt.data());
        const detail::ln::TangentReverse<T> reverse{stats(),       mt_.data(),    a_.data(),    sum1_.data(),
                                                    sum2_.data(),  sum3_.data(),  sum4_.data(), sum5_.data(),
                                                    1.0 / double(N)};
        if (xtbar) {
            xtbar->resize(n);
            B::indexed_map(layout(n), detail::ln::XtbarOf<T>{reverse}, xtbar->data(), x.data(), ytbar.data());
        }
        if (xbar) {
            xbar->resize(n);
            B::indexed_map(layout(n), detail::ln::XbarOf<T>{reverse}, xbar->data(), x.data(), xt.data(), ybar.data(),
                           ytbar.data());
        }
    }

    template <class F>
    void visit_state(F&& f, const std::string& prefix) {
        const std::vector<std::int64_t> shape(S::dims.begin(), S::dims.end());
        f(StateEntry<T>{prefix + "weight", shape, weight_.data(), weight_grad_.data()});
        f(StateEntry<T>{prefix + "bias", shape, bias_.data(), bias_grad_.data()});
    }

    void reset_parameters(Rng&, Init) {
        B::fill(weight_.data(), N, T(1));
        B::fill(bias_.data(), N, T(0));
    }

private:
    // A batch as [n, N, 1]: position sums are per-sample sums, channel sums per-element sums.
    static xgan::backend::ChannelLayout layout(std::size_t n) { return {n, N, 1}; }
    detail::ln::Stats<T> stats() const { return {mean_.data(), r_.data(), weight_.data()}; }

    void reserve(std::size_t n) {
        for (auto* b : {&mean_, &r_, &mt_, &a_, &sum1_, &sum2_, &sum3_, &sum4_, &sum5_})
            if (b->size() < n) b->resize(n);
    }

    // mt_ = mean(xt), a_ = mean(xhat xt) per sample.
    void tangent_stats(const Tensor<S, B>& x, const Tensor<S, B>& xt) {
        const std::size_t n = x.batch();
        B::position_sum(layout(n), detail::ln::Value{}, sum1_.data(), xt.data());
        B::map(n, detail::ln::Times{1.0 / double(N)}, mt_.data(), sum1_.data());
        B::position_sum(layout(n), detail::ln::XhatTimes<T>{stats()}, sum1_.data(), x.data(), xt.data());
        B::map(n, detail::ln::Times{1.0 / double(N)}, a_.data(), sum1_.data());
    }

    // weight_grad += per_element_ (the weight's sums, just taken), bias_grad += sum_b dy.
    void accumulate_parameter_grads(std::size_t n, const Tensor<S, B>& dy) {
        B::map(N, detail::ln::AddCast{}, weight_grad_.data(), weight_grad_.data(), per_element_.data());
        B::channel_sum(layout(n), detail::ln::Value{}, per_element_.data(), dy.data());
        B::map(N, detail::ln::AddCast{}, bias_grad_.data(), bias_grad_.data(), per_element_.data());
    }

    typename B::template buffer<T> weight_, weight_grad_, bias_, bias_grad_;
    typename B::template buffer<double> per_element_;  // [N] sums over the batch
    // per sample of the last forward: mean, r = 1/sqrt(var + eps); of the last tangent pass:
    // mean(xt), mean(xhat xt); and the per-sample sums of a pass
    typename B::template buffer<double> mean_, r_, mt_, a_, sum1_, sum2_, sum3_, sum4_, sum5_;
};

template <ShapeType NormalizedShape, Ratio Eps = Ratio{1, 100000}>
struct LayerNorm {
    template <ShapeType S, class B>
    struct bind {
        static_assert(require_input_shape<LayerNorm, S, NormalizedShape>);
        using type = LayerNormLayer<Eps, NormalizedShape, B>;
    };
};

}  // namespace xgan
