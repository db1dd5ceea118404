#pragma once
// MinibatchStdDev<Group>: the minibatch standard deviation layer of progressive growing
// (Karras et al. 2018, "Progressive Growing of GANs", section 3), placed near the end of D so
// that it can see the variation across a batch. The batch is split into groups of
// S = min(Group, N) consecutive samples (as pytorch_GAN_zoo's miniBatchStdDev, x.view(-1, S, C,
// H, W)); each group gets one statistic, appended to each of its samples as a constant channel.
//   formula  for a group of samples i = 1..S and features f = (c, h, w) of the F = C*H*W:
//              mu_f = mean_i x[i, f],  s_f = sqrt(mean_i (x[i, f] - mu_f)^2 + 1e-8),
//              m = mean_f s_f,  y[i] = [x[i], m broadcast to (1, H, W)]
//            (biased variance, as the paper's reference code; pytorch_GAN_zoo uses torch.var's
//            unbiased one, a zero channel for S = 1, and the whole batch when S does not divide N)
//   shapes   (N, C, H, W) -> (N, C + 1, H, W); N must be a multiple of S (else xgan::Error)
//   forward  caches mu_f and s_f per group (double); the same in train and eval mode
//   backward dx[i, f] = dy[i, f] + dm d[i, f] / (F S s_f),  d = x - mu,
//            dm = the group's sum of dy over its extra channels
//   tangent  the exact Jacobian of the whole batch (the groups couple their samples):
//              yt[i] = [xt[i], mt],  mt = sum_f w_f / (F S s_f),  w_f = sum_i d[i, f] xt[i, f]
//            and its reverse pass, with dm, dmt the group's sums of ybar, ytbar over the extra
//            channels and dt = xt - mean_i xt:
//              xtbar[i, f] = ytbar[i, f] + dmt d[i, f] / (F S s_f)
//              xbar[i, f]  = ybar[i, f] + dm d[i, f] / (F S s_f)
//                            + dmt / (F S) (dt[i, f] / s_f - w_f d[i, f] / (S s_f^3))
// Under a gradient penalty (gan/penalty.hpp) ∇x D is the backward of ones through the batch,
// i.e. ∂/∂x_i of sum_j D(x_j), which here includes the other samples of x_i's group: exactly
// what PyTorch's autograd.grad(D(x).sum(), x) and the PGGAN reference code (WGAN-GP with this
// layer in D) compute. These tangent passes make that penalty's parameter gradient exact; no
// per-sample Jacobian exists, and the penalty is that of the batch as grouped.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/core/static_checks.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

template <std::size_t Group, std::size_t C, std::size_t H, std::size_t W, class B>
class MinibatchStdDevLayer : public StatelessLayer<Shape<C, H, W>, Shape<C + 1, H, W>, B> {
    using T = typename B::scalar;
    using In = Shape<C, H, W>;
    using Out = Shape<C + 1, H, W>;
    static constexpr std::size_t F = In::size;  // features per sample
    static constexpr std::size_t P = H * W;     // positions of the appended channel
    static constexpr double eps = 1e-8;

public:
    static constexpr double forward_flops = 6.0 * double(F);
    static std::string name() { return "MinibatchStdDev(group_size=" + std::to_string(Group) + ")"; }

    void forward(const Tensor<In, B>& x, Tensor<Out, B>& y, Mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        group_ = group_size(n);
        mean_.resize(n / group_ * F);
        std_.resize(n / group_ * F);
        for_each_group(n, [&](std::size_t g, std::vector<double>&) {
            double* mu = mean_.data() + g * F;
            double* s = std_.data() + g * F;
            std::fill(mu, mu + F, 0.0);
            std::fill(s, s + F, 0.0);
            for (std::size_t i = first(g); i < first(g + 1); ++i) {
                const T* in = x.sample(i);
                for (std::size_t f = 0; f < F; ++f) mu[f] += double(in[f]);
            }
            for (std::size_t f = 0; f < F; ++f) mu[f] /= double(group_);
            for (std::size_t i = first(g); i < first(g + 1); ++i) {
                const T* in = x.sample(i);
                for (std::size_t f = 0; f < F; ++f) s[f] += (double(in[f]) - mu[f]) * (double(in[f]) - mu[f]);
            }
            double m = 0;
            for (std::size_t f = 0; f < F; ++f) {
                s[f] = std::sqrt(s[f] / double(group_) + eps);
                m += s[f];
            }
            write_group(g, x, T(m / double(F)), y);
        });
    }

    void backward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<Out, B>& dy, Tensor<In, B>* dx,
                  ParamGrads) {
        if (!dx) return;
        const std::size_t n = x.batch();
        dx->resize(n);
        for_each_group(n, [&](std::size_t g, std::vector<double>&) { add_statistic_grad(g, x, dy, *dx); });
    }

    // Second order: see the header comment.
    void tangent_forward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<In, B>& xt, Tensor<Out, B>& yt) {
        const std::size_t n = x.batch();
        yt.resize(n);
        for_each_group(n, [&](std::size_t g, std::vector<double>&) {
            const double* mu = mean_.data() + g * F;
            const double* s = std_.data() + g * F;
            double mt = 0;
            for (std::size_t i = first(g); i < first(g + 1); ++i) {
                const T *in = x.sample(i), *t = xt.sample(i);
                for (std::size_t f = 0; f < F; ++f) mt += (double(in[f]) - mu[f]) * double(t[f]) / s[f];
            }
            write_group(g, xt, T(mt / double(F * group_)), yt);
        });
    }

    void tangent_backward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<In, B>& xt, const Tensor<Out, B>&,
                          const Tensor<Out, B>& ybar, const Tensor<Out, B>& ytbar, Tensor<In, B>* xbar,
                          Tensor<In, B>* xtbar, ParamGrads) {
        const std::size_t n = x.batch();
        if (xtbar) {
            xtbar->resize(n);
            for_each_group(n, [&](std::size_t g, std::vector<double>&) { add_statistic_grad(g, x, ytbar, *xtbar); });
        }
        if (!xbar) return;
        xbar->resize(n);
        for_each_group(n, [&](std::size_t g, std::vector<double>& scratch) {
            add_statistic_grad(g, x, ybar, *xbar);
            // + dmt ∂mt/∂x: mt's dependence on x through d and s
            const double* mu = mean_.data() + g * F;
            const double* s = std_.data() + g * F;
            const double S = double(group_);
            const double dmt = extra_channel_sum(g, ytbar);
            scratch.assign(2 * F, 0.0);  // [mean_i xt, w]
            double* mt = scratch.data();
            double* w = scratch.data() + F;
            for (std::size_t i = first(g); i < first(g + 1); ++i) {
                const T* t = xt.sample(i);
                for (std::size_t f = 0; f < F; ++f) mt[f] += double(t[f]);
            }
            for (std::size_t f = 0; f < F; ++f) mt[f] /= S;
            for (std::size_t i = first(g); i < first(g + 1); ++i) {
                const T *in = x.sample(i), *t = xt.sample(i);
                for (std::size_t f = 0; f < F; ++f) w[f] += (double(in[f]) - mu[f]) * (double(t[f]) - mt[f]);
            }
            const double k = dmt / (double(F) * S);
            for (std::size_t i = first(g); i < first(g + 1); ++i) {
                const T *in = x.sample(i), *t = xt.sample(i);
                T* out = xbar->sample(i);
                for (std::size_t f = 0; f < F; ++f) {
                    const double d = double(in[f]) - mu[f], dt = double(t[f]) - mt[f];
                    out[f] += T(k * (dt / s[f] - w[f] * d / (S * s[f] * s[f] * s[f])));
                }
            }
        });
    }

private:
    // min(Group, n), which must divide n.
    std::size_t group_size(std::size_t n) const {
        const std::size_t size = std::min(Group, n);
        if (size > 0 && n % size != 0)
            throw Error("xgan: " + name() + " splits the batch into groups of min(" + std::to_string(Group) +
                        ", batch) samples, and a batch of " + std::to_string(n) + " does not divide into groups of " +
                        std::to_string(size) + ": use a batch size that is a multiple of " + std::to_string(Group) +
                        " (or at most " + std::to_string(Group) + ")");
        return std::max<std::size_t>(size, 1);
    }
    std::size_t first(std::size_t g) const { return g * group_; }

    // f(g, scratch) for every group of the last forward's batch of n, in parallel.
    template <class Fn>
    void for_each_group(std::size_t n, Fn&& f) const {
        B::parallel_for(n / group_, 1, [&](std::size_t g0, std::size_t g1) {
            std::vector<double> scratch;
            for (std::size_t g = g0; g < g1; ++g) f(g, scratch);
        });
    }

    // out[i] = [in[i], value broadcast over the extra channel] for the samples of group g.
    void write_group(std::size_t g, const Tensor<In, B>& in, T value, Tensor<Out, B>& out) const {
        for (std::size_t i = first(g); i < first(g + 1); ++i) {
            std::copy(in.sample(i), in.sample(i) + F, out.sample(i));
            std::fill(out.sample(i) + F, out.sample(i) + F + P, value);
        }
    }

    // Group g's sum of dy over the extra channels: dL/dm.
    double extra_channel_sum(std::size_t g, const Tensor<Out, B>& dy) const {
        double sum = 0;
        for (std::size_t i = first(g); i < first(g + 1); ++i)
            for (std::size_t p = 0; p < P; ++p) sum += double(dy.sample(i)[F + p]);
        return sum;
    }

    // dx[i, f] = dy[i, f] + dm ∂m/∂x[i, f] for the samples of group g; ∂m/∂x = d / (F S s).
    void add_statistic_grad(std::size_t g, const Tensor<In, B>& x, const Tensor<Out, B>& dy, Tensor<In, B>& dx) const {
        const double* mu = mean_.data() + g * F;
        const double* s = std_.data() + g * F;
        const double k = extra_channel_sum(g, dy) / (double(F) * double(group_));
        for (std::size_t i = first(g); i < first(g + 1); ++i) {
            const T *in = x.sample(i), *gy = dy.sample(i);
            T* out = dx.sample(i);
            for (std::size_t f = 0; f < F; ++f) out[f] = T(double(gy[f]) + k * (double(in[f]) - mu[f]) / s[f]);
        }
    }

    std::size_t group_ = 1;     // group size of the last forward
    std::vector<double> mean_;  // [groups, F] of the last forward: mu_f
    std::vector<double> std_;   // [groups, F]: s_f = sqrt(biased var + 1e-8)
};

template <std::size_t Group = 4>
struct MinibatchStdDev {
    static_assert(Group >= 1, "xgan: MinibatchStdDev needs a group size of at least 1");
    template <ShapeType S, class B>
    struct bind {
        using dims = ImageDims<S>;
        // (C, H, W) samples only
        static_assert(require_valid_input<MinibatchStdDev, S, dims::rank3>);
        using type = MinibatchStdDevLayer<Group, dims::C, dims::H, dims::W, B>;
    };
};

}  // namespace xgan
