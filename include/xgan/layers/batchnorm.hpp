#pragma once
// BatchNorm1d<C, Eps, Momentum> and BatchNorm2d<C, Eps, Momentum>: batch normalisation with a
// learned affine transform and running statistics, as torch.nn.BatchNorm1d/2d(C, eps, momentum)
// (affine=True, track_running_stats=True). Eps and Momentum are Ratios in PyTorch's argument
// order, defaulting to PyTorch's 1e-5 and 0.1: BatchNorm2d<64>, BatchNorm1d<256, ratio(0.8)>.
//   formula  y = (x - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c], per channel c
//            train: mean and biased var of the batch (over B and the spatial positions), and
//                   running_mean = (1 - m) running_mean + m mean,
//                   running_var  = (1 - m) running_var  + m var * n / (n - 1)   (unbiased),
//                   num_batches_tracked += 1
//            eval:  mean = running_mean, var = running_var
//   shapes   BatchNorm1d: (B, C) -> (B, C) or (B, C, L) -> (B, C, L);
//            BatchNorm2d: (B, C, H, W) -> (B, C, H, W); weight, bias, running stats [C]
//   state    weight, bias, running_mean, running_var, num_batches_tracked (I64, shape [])
//   forward  caches the mean and 1/sqrt(var + eps) it used ([C] each) and the mode; the
//            normalised input is recomputed from x in backward (cheaper than storing it)
//   backward dweight += sum dy * xhat, dbias += sum dy; train: dx is the full batch-statistics
//            gradient w/sqrt(var+eps) (dy - mean(dy) - xhat mean(dy xhat)); eval: dx = dy w/sqrt(var+eps)
//   init     PyTorch: weight 1, bias 0; dcgan: weight ~ N(1, 0.02), bias 0; both reset the
//            running statistics (0, 1) and num_batches_tracked (0)
// Statistics are accumulated in double. Training on one value per channel throws xgan::Error,
// as PyTorch raises ValueError.
// Synchronized (set_synchronized, data-parallel training): in train mode the statistics and
// the input gradient's sums are those of the global batch, summed over the ranks (as
// torch.nn.SyncBatchNorm); the parameter gradients stay this rank's part of the sum.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/core/host_device.hpp"
#include "xgan/core/static_checks.hpp"
#include "xgan/distributed/communicator.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail::bn {

// repr() of a Python float: "1e-05", "0.1", "0.8", "1.0".
inline std::string python_float(double v) {
    char buf[40];
    int prec = 1;
    for (; prec < 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    const int exp = v == 0 ? 0 : int(std::floor(std::log10(std::abs(v))));
    if (exp < -4 || exp >= 16) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        return buf;
    }
    std::snprintf(buf, sizeof buf, "%.*f", std::max(prec - 1 - exp, 0), v);
    std::string s = buf;
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
}

// The per-element and per-channel functions of the passes (backend kernels take functors).
struct Value {
    template <class X>
    XGAN_HD double operator()(backend::Index, X x) const { return double(x); }
};
struct CenteredSquare {  // (x - mean[c])^2
    const double* mean;
    template <class X>
    XGAN_HD double operator()(backend::Index k, X x) const {
        const double d = double(x) - mean[k.c];
        return d * d;
    }
};
struct CenteredDot {  // (x - mean[c]) dy
    const double* mean;
    template <class X>
    XGAN_HD double operator()(backend::Index k, X x, X dy) const { return (double(x) - mean[k.c]) * double(dy); }
};
// y = x a[c] + k[c]: in double for rows of channels, in the scalar type for images (as the
// forward always has).
template <bool InDouble>
struct Affine {
    const double *a, *k;
    template <class X>
    XGAN_HD X operator()(backend::Index i, X x) const {
        if constexpr (InDouble) return X(double(x) * a[i.c] + k[i.c]);
        else return x * X(a[i.c]) + X(k[i.c]);
    }
};
// dx = a[c] dy + b[c] x + k[c]
template <bool InDouble>
struct InputGradient {
    const double *a, *b, *k;
    template <class X>
    XGAN_HD X operator()(backend::Index i, X dy, X x) const {
        if constexpr (InDouble) return X(a[i.c] * double(dy) + b[i.c] * double(x) + k[i.c]);
        else return X(a[i.c]) * dy + X(b[i.c]) * x + X(k[i.c]);
    }
};
struct Times {  // s * x
    double s;
    template <class X>
    XGAN_HD double operator()(X x) const { return s * double(x); }
};
struct InvStd {  // 1 / sqrt(sum / count + eps)
    double count, eps;
    template <class X>
    XGAN_HD double operator()(X sum) const { return 1.0 / std::sqrt(double(sum) / count + eps); }
};
struct RunningAverage {  // (1 - m) running + m scale value
    double m, scale;
    template <class R, class X>
    XGAN_HD R operator()(R running, X value) const { return R((1 - m) * double(running) + m * scale * double(value)); }
};
struct Product {
    template <class X, class Y>
    XGAN_HD double operator()(X x, Y y) const { return double(x) * double(y); }
};
struct Shift {  // bias - mean scale
    template <class X, class Y, class Z>
    XGAN_HD double operator()(X bias, Y mean, Z scale) const { return double(bias) - double(mean) * double(scale); }
};
struct AddCast {  // g + acc s, rounded to g's type
    double s = 1;
    template <class G, class X>
    XGAN_HD G operator()(G g, X acc) const { return g + G(double(acc) * s); }
};
struct AddProduct {  // g + acc v, rounded to g's type
    template <class G, class X, class Y>
    XGAN_HD G operator()(G g, X acc, Y v) const { return g + G(double(acc) * double(v)); }
};
// The train-mode input-gradient coefficients from acc = sum dy and acc2 = sum (x - mean) dy
// over count values: kx = acc2 invstd^2 / count; b = -a kx; k = a (kx mean - acc / count).
struct CoefB {
    double count;
    template <class A, class I, class S2>
    XGAN_HD double operator()(A a, I invstd, S2 acc2) const { return -double(a) * double(acc2) * double(invstd) * double(invstd) / count; }
};
struct CoefK {
    double count;
    template <class A, class I, class S2, class M, class S1>
    XGAN_HD double operator()(A a, I invstd, S2 acc2, M mean, S1 acc) const {
        const double kx = double(acc2) * double(invstd) * double(invstd) / count;
        return double(a) * (kx * double(mean) - double(acc) / count);
    }
};

}  // namespace detail::bn

// Normalises channel c of samples of shape S = (C, Inner...) over the batch and the Inner
// positions. Dim (1 or 2) only names the layer.
template <int Dim, std::size_t C, std::size_t Inner, Ratio Eps, Ratio Momentum, ShapeType S, class B>
class BatchNormLayer {
    using T = typename B::scalar;
    static_assert(S::size == C * Inner);

public:
    using input_shape = S;
    using output_shape = S;
    using backend = B;
    using scalar = T;
    static constexpr std::size_t parameter_count = 2 * C;
    static constexpr double forward_flops = 2.0 * double(S::size);

    static std::string name() {
        return "BatchNorm" + std::to_string(Dim) + "d(" + std::to_string(C) +
               ", eps=" + detail::bn::python_float(Eps.value()) +
               ", momentum=" + detail::bn::python_float(Momentum.value()) + ", affine=True, track_running_stats=True)";
    }

    BatchNormLayer()
        : weight_(C, T(1)), weight_grad_(C), bias_(C), bias_grad_(C), running_mean_(C), running_var_(C, T(1)),
          mean_(C), invstd_(C), acc_(C), acc2_(C), coef_a_(C), coef_b_(C), coef_k_(C) {}

    void forward(const Tensor<S, B>& x, Tensor<S, B>& y, Mode mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        train_ = mode == Mode::train;
        if (train_ && !sync_) {
            // this batch's statistics and the normalisation, channel by channel in one kernel
            const double count = double(n * Inner);
            check_count(count);
            B::batch_norm_train(layout(n), Eps.value(), x.data(), weight_.data(), bias_.data(), y.data(), mean_.data(),
                                invstd_.data(), acc_.data());
            update_running_statistics(count);
            return;
        }
        if (train_) {  // the global batch's statistics: sums over the ranks between the passes
            double count = double(n * Inner);
            B::channel_sum(layout(n), detail::bn::Value{}, acc_.data(), x.data());
            count = sum_over_ranks(acc_.data(), C, count);
            check_count(count);
            sync_count_ = count;
            B::map(C, detail::bn::Times{1.0 / count}, mean_.data(), acc_.data());
            B::channel_sum(layout(n), detail::bn::CenteredSquare{mean_.data()}, acc_.data(), x.data());
            sum_over_ranks(acc_.data(), C, count);
            B::map(C, detail::bn::InvStd{count, Eps.value()}, invstd_.data(), acc_.data());
            update_running_statistics(count);
        } else {
            B::map(C, detail::bn::Times{1.0}, mean_.data(), running_mean_.data());
            B::map(C, detail::bn::InvStd{1.0, Eps.value()}, invstd_.data(), running_var_.data());
        }
        // y = x * scale + shift with scale = weight * invstd, shift = bias - mean * scale (as PyTorch)
        B::map(C, detail::bn::Product{}, coef_a_.data(), weight_.data(), invstd_.data());
        B::map(C, detail::bn::Shift{}, coef_k_.data(), bias_.data(), mean_.data(), coef_a_.data());
        B::indexed_map(layout(n), detail::bn::Affine<Inner == 1>{coef_a_.data(), coef_k_.data()}, y.data(), x.data());
    }

    void backward(const Tensor<S, B>& x, const Tensor<S, B>&, const Tensor<S, B>& dy, Tensor<S, B>* dx,
                  ParamGrads grads) {
        const std::size_t n = x.batch();
        const bool want_w = grads == ParamGrads::accumulate;
        if (dx) dx->resize(n);
        if (!want_w && !dx) return;
        if (train_ && !sync_) {  // the sums and the input gradient, channel by channel in one kernel
            B::batch_norm_train_backward(layout(n), x.data(), dy.data(), weight_.data(), mean_.data(), invstd_.data(),
                                         dx ? dx->data() : nullptr, acc_.data(), acc2_.data());
            if (want_w) accumulate_parameter_gradients();
            return;
        }
        // acc_ = sum dy, acc2_ = sum (x - mean) dy, per channel
        if (want_w || train_) {
            B::channel_sum(layout(n), detail::bn::Value{}, acc_.data(), dy.data());
            B::channel_sum(layout(n), detail::bn::CenteredDot{mean_.data()}, acc2_.data(), x.data(), dy.data());
        }
        if (want_w) accumulate_parameter_gradients();
        if (!dx) return;
        // dx = a dy + b x + k per channel: a = weight invstd; in train mode the batch statistics'
        // terms b and k, from the sums of the global batch
        B::map(C, detail::bn::Product{}, coef_a_.data(), weight_.data(), invstd_.data());
        if (train_) {
            sum_over_ranks(acc_.data(), C, 0);
            sum_over_ranks(acc2_.data(), C, 0);
            B::map(C, detail::bn::CoefB{sync_count_}, coef_b_.data(), coef_a_.data(), invstd_.data(), acc2_.data());
            B::map(C, detail::bn::CoefK{sync_count_}, coef_k_.data(), coef_a_.data(), invstd_.data(), acc2_.data(),
                   mean_.data(), acc_.data());
        } else {
            B::fill(coef_b_.data(), C, 0.0);
            B::fill(coef_k_.data(), C, 0.0);
        }
        B::indexed_map(layout(n), detail::bn::InputGradient<Inner == 1>{coef_a_.data(), coef_b_.data(), coef_k_.data()},
                       dx->data(), dy.data(), x.data());
    }

    // Data-parallel training: the statistics of the global batch (comm's ranks); nullptr: this batch's.
    void set_synchronized(distributed::Communicator* comm) { sync_ = comm; }

    template <class F>
    void visit_state(F&& f, const std::string& prefix) {
        const std::vector<std::int64_t> shape{std::int64_t(C)};
        f(StateEntry<T>{prefix + "weight", shape, weight_.data(), weight_grad_.data()});
        f(StateEntry<T>{prefix + "bias", shape, bias_.data(), bias_grad_.data()});
        f(StateEntry<T>{prefix + "running_mean", shape, running_mean_.data(), nullptr});
        f(StateEntry<T>{prefix + "running_var", shape, running_var_.data(), nullptr});
        f(StateEntry<T>{prefix + "num_batches_tracked", {}, nullptr, nullptr, &num_batches_tracked_});
    }

    void reset_parameters(Rng& rng, Init init) {
        if (init == Init::dcgan) init_normal<B>(rng, weight_.data(), C, 1.0, 0.02);
        else B::fill(weight_.data(), C, T(1));
        B::fill(bias_.data(), C, T(0));
        B::fill(running_mean_.data(), C, T(0));
        B::fill(running_var_.data(), C, T(1));
        num_batches_tracked_ = 0;
    }

    std::int64_t num_batches_tracked() const { return num_batches_tracked_; }

private:
    static xgan::backend::ChannelLayout layout(std::size_t n) { return {n, C, Inner}; }

    void check_count(double count) const {
        if (count <= 1)
            throw Error("xgan: " + name() + " expected more than 1 value per channel when training, got " +
                        (sync_ ? "a global batch of " : "a batch of ") + std::to_string(std::size_t(count) / Inner) +
                        " samples of shape " + S::str());
    }

    // running_mean, running_var from mean_ and acc_ = sum (x - mean)^2 over count values
    void update_running_statistics(double count) {
        const double m = Momentum.value();
        B::map(C, detail::bn::RunningAverage{m, 1.0}, running_mean_.data(), running_mean_.data(), mean_.data());
        B::map(C, detail::bn::RunningAverage{m, 1.0 / (count - 1)}, running_var_.data(), running_var_.data(), acc_.data());
        ++num_batches_tracked_;
    }

    // weight_grad += acc2_ invstd, bias_grad += acc_ (this rank's sums)
    void accumulate_parameter_gradients() {
        B::map(C, detail::bn::AddProduct{}, weight_grad_.data(), weight_grad_.data(), acc2_.data(), invstd_.data());
        B::map(C, detail::bn::AddCast{}, bias_grad_.data(), bias_grad_.data(), acc_.data());
    }

    // Synchronized: sums[0, k) (B's memory) summed over the ranks, with `count` as one more
    // value; returns the count's sum.
    double sum_over_ranks(double* sums, std::size_t k, double count) {
        host_.resize(k + 1);
        B::copy_to_host(sums, k, host_.data());
        host_[k] = count;
        sync_->sum(host_.data(), k + 1);
        B::copy_from_host(host_.data(), k, sums);
        return host_[k];
    }

    typename B::template buffer<T> weight_, weight_grad_, bias_, bias_grad_, running_mean_, running_var_;
    std::int64_t num_batches_tracked_ = 0;
    typename B::template buffer<double> mean_, invstd_;            // [C] used by the last forward
    typename B::template buffer<double> acc_, acc2_;               // [C] per-channel sums
    typename B::template buffer<double> coef_a_, coef_b_, coef_k_;  // [C] coefficients of a pass
    bool train_ = true;  // mode of the last forward
    distributed::Communicator* sync_ = nullptr;  // synchronized: the ranks
    std::vector<double> host_;                    // synchronized: sums on their way through the ranks
    double sync_count_ = 0;                       // values per channel in the (global) batch of the last forward
};

namespace detail::bn {

// The shape a BatchNorm1d<C> expects of the same rank as S, and the positions per channel
// (0 when S has the wrong rank or channel count).
template <std::size_t C, class S>
struct Shape1d {
    using expected = Shape<C>;
    static constexpr std::size_t inner = 0;
};
template <std::size_t C, std::size_t X>
struct Shape1d<C, Shape<X>> {
    using expected = Shape<C>;
    static constexpr std::size_t inner = X == C ? 1 : 0;
};
template <std::size_t C, std::size_t X, std::size_t L>
struct Shape1d<C, Shape<X, L>> {
    using expected = Shape<C, L>;
    static constexpr std::size_t inner = X == C ? L : 0;
};

// The same for BatchNorm2d<C>; expected is S itself for a shape of the wrong rank, which
// require_valid_input reports.
template <std::size_t C, class S>
struct Shape2d {
    using expected = S;
    static constexpr bool rank3 = false;
    static constexpr std::size_t inner = 0;
};
template <std::size_t C, std::size_t X, std::size_t H, std::size_t W>
struct Shape2d<C, Shape<X, H, W>> {
    using expected = Shape<C, H, W>;
    static constexpr bool rank3 = true;
    static constexpr std::size_t inner = X == C ? H * W : 0;
};

}  // namespace detail::bn

template <std::size_t C, Ratio Eps = Ratio{1, 100000}, Ratio Momentum = Ratio{1, 10}>
struct BatchNorm1d {
    static_assert(C > 0, "xgan: BatchNorm1d needs at least one channel");
    template <ShapeType S, class B>
    struct bind {
        using shape = detail::bn::Shape1d<C, S>;
        // (C) or (C, L) samples
        static_assert(require_input_shape<BatchNorm1d, S, typename shape::expected>);
        static constexpr bool ok = shape::inner > 0;
        using type = BatchNormLayer<1, C, ok ? shape::inner : 1, Eps, Momentum, std::conditional_t<ok, S, Shape<C>>, B>;
    };
};

template <std::size_t C, Ratio Eps = Ratio{1, 100000}, Ratio Momentum = Ratio{1, 10}>
struct BatchNorm2d {
    static_assert(C > 0, "xgan: BatchNorm2d needs at least one channel");
    template <ShapeType S, class B>
    struct bind {
        using shape = detail::bn::Shape2d<C, S>;
        // (C, H, W) samples with C channels
        static_assert(require_valid_input<BatchNorm2d, S, shape::rank3>);
        static_assert(require_input_shape<BatchNorm2d, S, typename shape::expected>);
        static constexpr bool ok = shape::inner > 0;
        using type =
            BatchNormLayer<2, C, ok ? shape::inner : 1, Eps, Momentum, std::conditional_t<ok, S, Shape<C, 1, 1>>, B>;
    };
};

}  // namespace xgan
