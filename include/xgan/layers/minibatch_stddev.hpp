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
#include "xgan/core/host_device.hpp"
#include "xgan/core/static_checks.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail::mbstd {

using backend::Index;

// The batch as [groups, S, F]: a position sum over it sums a group's samples per feature.
struct Value {
    template <class X>
    XGAN_HD double operator()(Index, X x) const { return double(x); }
};
struct Times {
    double s;
    template <class X>
    XGAN_HD double operator()(X x) const { return s * double(x); }
};
struct CenteredSquare {  // (x - mu)^2, mu per (group, feature)
    const double* mean;
    std::size_t features;
    template <class X>
    XGAN_HD double operator()(Index k, X x) const {
        const double d = double(x) - mean[k.o * features + k.i];
        return d * d;
    }
};
struct StdDev {  // sqrt(sum / S + eps)
    double group, eps;
    template <class X>
    XGAN_HD double operator()(X sum) const { return std::sqrt(double(sum) / group + eps); }
};
// (x - mu) xt / s per (sample, feature), for the batch as [n, F, 1] (o: sample, c: feature)
struct Slope {
    const double *mean, *std;
    std::size_t features, group;
    template <class X>
    XGAN_HD double operator()(Index k, X x, X xt) const {
        const std::size_t at = k.o / group * features + k.c;
        return (double(x) - mean[at]) * double(xt) / std[at];
    }
};
// (x - mu)(xt - mean xt) per (group, feature), for the batch as [groups, S, F]
struct CenteredProduct {
    const double *mean, *mean_t;
    std::size_t features;
    template <class X>
    XGAN_HD double operator()(Index k, X x, X xt) const {
        const std::size_t at = k.o * features + k.i;
        return (double(x) - mean[at]) * (double(xt) - mean_t[at]);
    }
};
// The extra channel's values of a sample of y as [n, F + P, 1]
struct ExtraChannel {
    std::size_t features;
    template <class X>
    XGAN_HD double operator()(Index k, X dy) const { return k.c >= features ? double(dy) : 0.0; }
};
// y[i] = [x[i], value[group of i] broadcast], over y as [n, F + P, 1] (x read by index)
template <class T>
struct Append {
    const T* x;
    const double* value;
    std::size_t features, group;
    double scale;
    XGAN_HD T operator()(Index k) const {
        return k.c < features ? x[k.o * features + k.c] : T(value[k.o / group] * scale);
    }
};
// dx[i, f] = dy[i, f] + k[g] (x - mu) / s,  k[g] = scale * (sum of dy over g's extra channels);
// dx as [n, F, 1], dy (read by index) as [n, F + P]
template <class T>
struct StatisticGrad {
    const T* dy;
    const double *mean, *std, *extra;
    std::size_t features, positions, group;
    double scale;
    template <class X>
    XGAN_HD X operator()(Index k, X x) const {
        const std::size_t at = k.o / group * features + k.c;
        const double kg = extra[k.o / group] * scale;
        return X(double(dy[k.o * (features + positions) + k.c]) + kg * (double(x) - mean[at]) / std[at]);
    }
};
// ... + k (dt / s - w d / (S s^3)) (xbar's second-order term, rounded separately as the sum of two passes)
template <class T>
struct SecondOrderGrad {
    StatisticGrad<T> first;
    const double *mean_t, *w, *extra_t;
    template <class X>
    XGAN_HD X operator()(Index k, X x, X xt) const {
        const std::size_t at = k.o / first.group * first.features + k.c;
        const double S = double(first.group), s = first.std[at];
        const double kt = extra_t[k.o / first.group] * first.scale;
        const double d = double(x) - first.mean[at], dt = double(xt) - mean_t[at];
        return first(k, x) + X(kt * (dt / s - w[at] * d / (S * s * s * s)));
    }
};

}  // namespace detail::mbstd

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
        reserve(n);
        const std::size_t groups = n / group_;
        B::position_sum(grouped(n), detail::mbstd::Value{}, mean_.data(), x.data());
        B::map(groups * F, detail::mbstd::Times{1.0 / double(group_)}, mean_.data(), mean_.data());
        B::position_sum(grouped(n), detail::mbstd::CenteredSquare{mean_.data(), F}, std_.data(), x.data());
        B::map(groups * F, detail::mbstd::StdDev{double(group_), eps}, std_.data(), std_.data());
        // m = mean_f s_f per group
        B::position_sum({groups, F, 1}, detail::mbstd::Value{}, per_group_.data(), std_.data());
        append(x, per_group_.data(), 1.0 / double(F), y);
    }

    void backward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<Out, B>& dy, Tensor<In, B>* dx,
                  ParamGrads) {
        if (!dx) return;
        dx->resize(x.batch());
        extra_channel_sums(dy, per_group_.data());
        B::indexed_map(rows(x.batch()), statistic_grad(dy), dx->data(), x.data());
    }

    // Second order: see the header comment.
    void tangent_forward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<In, B>& xt, Tensor<Out, B>& yt) {
        const std::size_t n = x.batch();
        yt.resize(n);
        // mt = sum over the group and f of (x - mu) xt / s, / (F S)
        B::position_sum(rows(n), detail::mbstd::Slope{mean_.data(), std_.data(), F, group_}, per_sample_.data(), x.data(),
                        xt.data());
        B::position_sum({n / group_, group_, 1}, detail::mbstd::Value{}, per_group_.data(), per_sample_.data());
        append(xt, per_group_.data(), 1.0 / double(F * group_), yt);
    }

    void tangent_backward(const Tensor<In, B>& x, const Tensor<Out, B>&, const Tensor<In, B>& xt, const Tensor<Out, B>&,
                          const Tensor<Out, B>& ybar, const Tensor<Out, B>& ytbar, Tensor<In, B>* xbar,
                          Tensor<In, B>* xtbar, ParamGrads) {
        const std::size_t n = x.batch();
        extra_channel_sums(ytbar, extra_t_.data());
        if (xtbar) {
            xtbar->resize(n);
            B::indexed_map(rows(n), statistic_grad(ytbar, extra_t_.data()), xtbar->data(), x.data());
        }
        if (!xbar) return;
        xbar->resize(n);
        extra_channel_sums(ybar, per_group_.data());
        // + dmt d(mt)/dx: mt's dependence on x through d and s; mean_t = mean_i xt, w = sum_i d (xt - mean_t)
        const std::size_t groups = n / group_;
        B::position_sum(grouped(n), detail::mbstd::Value{}, mean_t_.data(), xt.data());
        B::map(groups * F, detail::mbstd::Times{1.0 / double(group_)}, mean_t_.data(), mean_t_.data());
        B::position_sum(grouped(n), detail::mbstd::CenteredProduct{mean_.data(), mean_t_.data(), F}, w_.data(), x.data(),
                        xt.data());
        B::indexed_map(rows(n),
                       detail::mbstd::SecondOrderGrad<T>{statistic_grad(ybar), mean_t_.data(), w_.data(), extra_t_.data()},
                       xbar->data(), x.data(), xt.data());
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

    // The batch as [groups, S, F] and as rows [n, F, 1].
    xgan::backend::ChannelLayout grouped(std::size_t n) const { return {n / group_, group_, F}; }
    static xgan::backend::ChannelLayout rows(std::size_t n) { return {n, F, 1}; }

    void reserve(std::size_t n) {
        for (auto* b : {&mean_, &std_, &mean_t_, &w_})
            if (b->size() < n * F) b->resize(n * F);
        for (auto* b : {&per_sample_, &per_group_, &extra_t_})
            if (b->size() < n) b->resize(n);
    }

    // out[i] = [in[i], value[group of i] * scale broadcast over the extra channel].
    void append(const Tensor<In, B>& in, const double* value, double scale, Tensor<Out, B>& out) const {
        B::indexed_map({in.batch(), F + P, 1}, detail::mbstd::Append<T>{in.data(), value, F, group_, scale}, out.data());
    }

    // sums[g] = group g's sum of dy over the extra channels (dL/dm).
    void extra_channel_sums(const Tensor<Out, B>& dy, double* sums) {
        const std::size_t n = dy.batch();
        B::position_sum({n, F + P, 1}, detail::mbstd::ExtraChannel{F}, per_sample_.data(), dy.data());
        B::position_sum({n / group_, group_, 1}, detail::mbstd::Value{}, sums, per_sample_.data());
    }

    // dx[i, f] = dy[i, f] + dm d / (F S s) for dm = the group's extra-channel sum of dy.
    detail::mbstd::StatisticGrad<T> statistic_grad(const Tensor<Out, B>& dy, const double* extra = nullptr) const {
        return {dy.data(), mean_.data(), std_.data(), extra ? extra : per_group_.data(), F, P, group_,
                1.0 / (double(F) * double(group_))};
    }

    std::size_t group_ = 1;  // group size of the last forward
    // [groups, F] of the last forward: mu_f, s_f = sqrt(biased var + 1e-8); of a tangent pass:
    // mean_i xt and w_f
    typename B::template buffer<double> mean_, std_, mean_t_, w_;
    typename B::template buffer<double> per_sample_, per_group_, extra_t_;  // [n] sums of a pass
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
