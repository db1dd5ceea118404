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
// Statistics are accumulated in double; samples run in parallel (TBB).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "xgan/core/static_checks.hpp"
#include "xgan/layers/batchnorm.hpp"  // detail::bn::python_float
#include "xgan/layers/layer.hpp"

namespace xgan {

template <Ratio Eps, ShapeType S, class B>
class LayerNormLayer {
    using T = typename B::scalar;
    static constexpr std::size_t N = S::size;
    // Elements per task of the parameter-gradient passes (they loop over the batch inside).
    static constexpr std::size_t grain = 1024;

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

    LayerNormLayer() : weight_(N, T(1)), weight_grad_(N), bias_(N), bias_grad_(N) {}

    void forward(const Tensor<S, B>& x, Tensor<S, B>& y, Mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        stats_.resize(2 * n);
        B::parallel_for(n, 1, [&](std::size_t i0, std::size_t i1) {
            for (std::size_t i = i0; i < i1; ++i) {
                const T* in = x.sample(i);
                const double mean = detail::bn::sum(in, N) / double(N);
                const double var = detail::bn::centered_squares(in, N, mean) / double(N);
                const double r = 1.0 / std::sqrt(var + Eps.value());
                stats_[2 * i] = mean;
                stats_[2 * i + 1] = r;
                T* out = y.sample(i);
                const T m = T(mean), rr = T(r);
                for (std::size_t e = 0; e < N; ++e) out[e] = (in[e] - m) * rr * weight_[e] + bias_[e];
            }
        });
    }

    void backward(const Tensor<S, B>& x, const Tensor<S, B>&, const Tensor<S, B>& dy, Tensor<S, B>* dx,
                  ParamGrads grads) {
        const std::size_t n = x.batch();
        if (grads == ParamGrads::accumulate) accumulate_parameter_grads(x, dy, nullptr, nullptr);
        if (!dx) return;
        dx->resize(n);
        B::parallel_for(n, 1, [&](std::size_t i0, std::size_t i1) {
            for (std::size_t i = i0; i < i1; ++i) {
                const double mean = stats_[2 * i], r = stats_[2 * i + 1];
                const T *in = x.sample(i), *g = dy.sample(i);
                double sg = 0, sgx = 0;  // sum(w dy), sum(w dy xhat)
                for (std::size_t e = 0; e < N; ++e) {
                    const double gw = double(g[e]) * double(weight_[e]);
                    sg += gw;
                    sgx += gw * (double(in[e]) - mean) * r;
                }
                const double mg = sg / double(N), mgx = sgx / double(N);
                T* out = dx->sample(i);
                for (std::size_t e = 0; e < N; ++e) {
                    const double xhat = (double(in[e]) - mean) * r;
                    out[e] = T(r * (double(g[e]) * double(weight_[e]) - mg - xhat * mgx));
                }
            }
        });
    }

    // Second order: see the header comment.
    void tangent_forward(const Tensor<S, B>& x, const Tensor<S, B>&, const Tensor<S, B>& xt, Tensor<S, B>& yt) {
        const std::size_t n = x.batch();
        yt.resize(n);
        tangent_stats(x, xt);
        B::parallel_for(n, 1, [&](std::size_t i0, std::size_t i1) {
            for (std::size_t i = i0; i < i1; ++i) {
                const double mean = stats_[2 * i], r = stats_[2 * i + 1];
                const double mt = tstats_[2 * i], a = tstats_[2 * i + 1];
                const T *in = x.sample(i), *t = xt.sample(i);
                T* out = yt.sample(i);
                for (std::size_t e = 0; e < N; ++e) {
                    const double xhat = (double(in[e]) - mean) * r;
                    out[e] = T(double(weight_[e]) * r * (double(t[e]) - mt - xhat * a));
                }
            }
        });
    }

    void tangent_backward(const Tensor<S, B>& x, const Tensor<S, B>&, const Tensor<S, B>& xt, const Tensor<S, B>&,
                          const Tensor<S, B>& ybar, const Tensor<S, B>& ytbar, Tensor<S, B>* xbar, Tensor<S, B>* xtbar,
                          ParamGrads grads) {
        const std::size_t n = x.batch();
        tangent_stats(x, xt);
        if (grads == ParamGrads::accumulate) accumulate_parameter_grads(x, ybar, &xt, &ytbar);
        if (!xbar && !xtbar) return;
        if (xbar) xbar->resize(n);
        if (xtbar) xtbar->resize(n);
        B::parallel_for(n, 1, [&](std::size_t i0, std::size_t i1) {
            for (std::size_t i = i0; i < i1; ++i) {
                const double mean = stats_[2 * i], r = stats_[2 * i + 1];
                const double mt = tstats_[2 * i], a = tstats_[2 * i + 1];
                const T *in = x.sample(i), *t = xt.sample(i), *g = ybar.sample(i), *gt = ytbar.sample(i);
                // sums of g = w ybar, g xhat, gt = w ytbar, gt xhat, gt xt
                double sg = 0, sgx = 0, sgt = 0, sgtx = 0, sgtt = 0;
                for (std::size_t e = 0; e < N; ++e) {
                    const double w = double(weight_[e]);
                    const double xhat = (double(in[e]) - mean) * r;
                    const double gw = double(g[e]) * w, gtw = double(gt[e]) * w;
                    sg += gw;
                    sgx += gw * xhat;
                    sgt += gtw;
                    sgtx += gtw * xhat;
                    sgtt += gtw * double(t[e]);
                }
                const double inv = 1.0 / double(N);
                const double mg = sg * inv, mgx = sgx * inv, mgt = sgt * inv, c = sgtx * inv;
                const double C = sgtt * inv - mgt * mt;
                const double kx = C - 3 * a * c;
                T* xb = xbar ? xbar->sample(i) : nullptr;
                T* xtb = xtbar ? xtbar->sample(i) : nullptr;
                for (std::size_t e = 0; e < N; ++e) {
                    const double w = double(weight_[e]);
                    const double xhat = (double(in[e]) - mean) * r;
                    const double gtw = double(gt[e]) * w;
                    if (xtb) xtb[e] = T(r * (gtw - mgt - xhat * c));
                    if (xb)
                        xb[e] = T(r * (double(g[e]) * w - mg - xhat * mgx) -
                                  r * r * (xhat * kx + c * (double(t[e]) - mt) + a * (gtw - mgt)));
                }
            }
        });
    }

    template <class F>
    void visit_state(F&& f, const std::string& prefix) {
        const std::vector<std::int64_t> shape(S::dims.begin(), S::dims.end());
        f(StateEntry<T>{prefix + "weight", shape, weight_.data(), weight_grad_.data()});
        f(StateEntry<T>{prefix + "bias", shape, bias_.data(), bias_grad_.data()});
    }

    void reset_parameters(Rng&, Init) {
        std::fill(weight_.begin(), weight_.end(), T(1));
        std::fill(bias_.begin(), bias_.end(), T(0));
    }

private:
    // tstats_ = (mean(xt), mean(xhat xt)) per sample.
    void tangent_stats(const Tensor<S, B>& x, const Tensor<S, B>& xt) {
        const std::size_t n = x.batch();
        tstats_.resize(2 * n);
        B::parallel_for(n, 1, [&](std::size_t i0, std::size_t i1) {
            for (std::size_t i = i0; i < i1; ++i) {
                const double mean = stats_[2 * i], r = stats_[2 * i + 1];
                const T *in = x.sample(i), *t = xt.sample(i);
                double st = 0, sxt = 0;
                for (std::size_t e = 0; e < N; ++e) {
                    st += double(t[e]);
                    sxt += (double(in[e]) - mean) * r * double(t[e]);
                }
                tstats_[2 * i] = st / double(N);
                tstats_[2 * i + 1] = sxt / double(N);
            }
        });
    }

    // dweight += sum_b dy xhat (+ ytbar xhat_t), dbias += sum_b dy; parallel over elements.
    void accumulate_parameter_grads(const Tensor<S, B>& x, const Tensor<S, B>& dy, const Tensor<S, B>* xt,
                                    const Tensor<S, B>* ytbar) {
        const std::size_t n = x.batch();
        B::parallel_for(N, grain, [&](std::size_t e0, std::size_t e1) {
            for (std::size_t i = 0; i < n; ++i) {
                const double mean = stats_[2 * i], r = stats_[2 * i + 1];
                const T *in = x.sample(i), *g = dy.sample(i);
                for (std::size_t e = e0; e < e1; ++e) {
                    const double xhat = (double(in[e]) - mean) * r;
                    weight_grad_[e] += T(double(g[e]) * xhat);
                    bias_grad_[e] += g[e];
                }
                if (!xt) continue;
                const double mt = tstats_[2 * i], a = tstats_[2 * i + 1];
                const T *t = xt->sample(i), *gt = ytbar->sample(i);
                for (std::size_t e = e0; e < e1; ++e) {
                    const double xhat = (double(in[e]) - mean) * r;
                    weight_grad_[e] += T(double(gt[e]) * r * (double(t[e]) - mt - xhat * a));
                }
            }
        });
    }

    typename B::template buffer<T> weight_, weight_grad_, bias_, bias_grad_;
    std::vector<double> stats_;   // per sample of the last forward: mean, r = 1/sqrt(var + eps)
    std::vector<double> tstats_;  // per sample of the last tangent pass: mean(xt), mean(xhat xt)
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
