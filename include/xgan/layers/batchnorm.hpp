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

// Sums over n values in double, 8 independent lanes (vectorisable).
template <class T>
double sum(const T* x, std::size_t n) {
    double lanes[8] = {};
    const std::size_t full = n - n % 8;
    for (std::size_t i = 0; i < full; i += 8)
        for (std::size_t j = 0; j < 8; ++j) lanes[j] += double(x[i + j]);
    double s = 0;
    for (std::size_t i = full; i < n; ++i) s += double(x[i]);
    for (double l : lanes) s += l;
    return s;
}
// sum (x - mean)^2
template <class T>
double centered_squares(const T* x, std::size_t n, double mean) {
    double lanes[8] = {};
    const std::size_t full = n - n % 8;
    for (std::size_t i = 0; i < full; i += 8)
        for (std::size_t j = 0; j < 8; ++j) {
            const double d = double(x[i + j]) - mean;
            lanes[j] += d * d;
        }
    double s = 0;
    for (std::size_t i = full; i < n; ++i) s += (double(x[i]) - mean) * (double(x[i]) - mean);
    for (double l : lanes) s += l;
    return s;
}
// sum (x - mean) * dy
template <class T>
double centered_dot(const T* x, const T* dy, std::size_t n, double mean) {
    double lanes[8] = {};
    const std::size_t full = n - n % 8;
    for (std::size_t i = 0; i < full; i += 8)
        for (std::size_t j = 0; j < 8; ++j) lanes[j] += (double(x[i + j]) - mean) * double(dy[i + j]);
    double s = 0;
    for (std::size_t i = full; i < n; ++i) s += (double(x[i]) - mean) * double(dy[i]);
    for (double l : lanes) s += l;
    return s;
}

}  // namespace detail::bn

// Normalises channel c of samples of shape S = (C, Inner...) over the batch and the Inner
// positions. Dim (1 or 2) only names the layer.
template <int Dim, std::size_t C, std::size_t Inner, Ratio Eps, Ratio Momentum, ShapeType S, class B>
class BatchNormLayer {
    using T = typename B::scalar;
    static_assert(S::size == C * Inner);
    // Channels per task: a block of channels for (B, C) inputs (loops run along C), one
    // channel per task otherwise (loops run along the Inner positions).
    static constexpr std::size_t grain = Inner == 1 ? 256 : std::max<std::size_t>(1, 4096 / Inner);

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
          mean_(C), invstd_(C), acc_(C), acc2_(C) {}

    void forward(const Tensor<S, B>& x, Tensor<S, B>& y, Mode mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        train_ = mode == Mode::train;
        if (train_ && sync_) {
            forward_synchronized(x, y);
        } else if (train_) {
            const std::size_t count = n * Inner;
            if (count <= 1)
                throw Error("xgan: " + name() + " expected more than 1 value per channel when training, got a batch of " +
                            std::to_string(n) + " samples of shape " + S::str());
            const double m = Momentum.value();
            const double unbias = double(count) / double(count - 1);
            B::parallel_for(C, grain, [&](std::size_t c0, std::size_t c1) {
                batch_statistics(x, c0, c1);
                for (std::size_t c = c0; c < c1; ++c) {
                    const double var = acc_[c] / double(count);
                    invstd_[c] = 1.0 / std::sqrt(var + Eps.value());
                    running_mean_[c] = T((1 - m) * double(running_mean_[c]) + m * mean_[c]);
                    running_var_[c] = T((1 - m) * double(running_var_[c]) + m * var * unbias);
                }
                normalise(x, y, c0, c1);
            });
            ++num_batches_tracked_;
        } else {
            B::parallel_for(C, grain, [&](std::size_t c0, std::size_t c1) {
                for (std::size_t c = c0; c < c1; ++c) {
                    mean_[c] = double(running_mean_[c]);
                    invstd_[c] = 1.0 / std::sqrt(double(running_var_[c]) + Eps.value());
                }
                normalise(x, y, c0, c1);
            });
        }
    }

    void backward(const Tensor<S, B>& x, const Tensor<S, B>&, const Tensor<S, B>& dy, Tensor<S, B>* dx,
                  ParamGrads grads) {
        const std::size_t n = x.batch();
        const bool want_w = grads == ParamGrads::accumulate;
        if (dx) dx->resize(n);
        if (!want_w && !dx) return;
        if (train_ && sync_) {
            backward_synchronized(x, dy, dx, want_w);
            return;
        }
        const double count = double(n * Inner);
        B::parallel_for(C, grain, [&](std::size_t c0, std::size_t c1) {
            // acc_ = sum dy, acc2_ = sum (x - mean) dy, per channel
            if (want_w || train_) gradient_sums(x, dy, c0, c1);
            for (std::size_t c = c0; c < c1; ++c) {
                if (want_w) {
                    weight_grad_[c] += T(acc2_[c] * invstd_[c]);
                    bias_grad_[c] += T(acc_[c]);
                }
            }
            if (!dx) return;
            input_gradient(x, dy, *dx, count, c0, c1);
        });
    }

    // Data-parallel training: the statistics of the global batch (comm's ranks); nullptr: this batch's.
    void set_synchronized(distributed::Communicator* comm) { sync_ = comm; }

private:
    // dx = a dy + b x + k per channel, from acc_ = sum dy and acc2_ = sum (x - mean) dy over
    // `count` values, for c in [c0, c1).
    void input_gradient(const Tensor<S, B>& x, const Tensor<S, B>& dy, Tensor<S, B>& dx, double count, std::size_t c0,
                        std::size_t c1) {
        const std::size_t n = x.batch();
        for (std::size_t c = c0; c < c1; ++c) {
            const double a = double(weight_[c]) * invstd_[c];
            if (train_) {
                const double kx = acc2_[c] * invstd_[c] * invstd_[c] / count;  // coefficient of (x - mean)
                coef_b(c) = -a * kx;
                coef_k(c) = a * (kx * mean_[c] - acc_[c] / count);
            } else {
                coef_b(c) = 0;
                coef_k(c) = 0;
            }
            coef_a(c) = a;
        }
        for (std::size_t i = 0; i < n; ++i) {
            if constexpr (Inner == 1) {
                const T* g = dy.sample(i);
                const T* in = x.sample(i);
                T* out = dx.sample(i);
                for (std::size_t c = c0; c < c1; ++c)
                    out[c] = T(coef_a(c) * double(g[c]) + coef_b(c) * double(in[c]) + coef_k(c));
            } else {
                for (std::size_t c = c0; c < c1; ++c) {
                    const T* g = dy.sample(i) + c * Inner;
                    const T* in = x.sample(i) + c * Inner;
                    T* out = dx.sample(i) + c * Inner;
                    const T a = T(coef_a(c)), b = T(coef_b(c)), k = T(coef_k(c));
                    for (std::size_t j = 0; j < Inner; ++j) out[j] = a * g[j] + b * in[j] + k;
                }
            }
        }
    }

public:

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
        if (init == Init::dcgan) rng.fill_normal(weight_.data(), C, 1.0, 0.02);
        else std::fill(weight_.begin(), weight_.end(), T(1));
        std::fill(bias_.begin(), bias_.end(), T(0));
        std::fill(running_mean_.begin(), running_mean_.end(), T(0));
        std::fill(running_var_.begin(), running_var_.end(), T(1));
        num_batches_tracked_ = 0;
    }

    std::int64_t num_batches_tracked() const { return num_batches_tracked_; }

private:
    // Train-mode forward with the global batch's statistics: per-channel sums, then centred
    // squares about the global mean, each summed over the ranks.
    void forward_synchronized(const Tensor<S, B>& x, Tensor<S, B>& y) {
        const std::size_t n = x.batch();
        sums_.assign(C + 1, 0.0);
        B::parallel_for(C, grain, [&](std::size_t c0, std::size_t c1) {
            for (std::size_t c = c0; c < c1; ++c)
                for (std::size_t i = 0; i < n; ++i) sums_[c] += detail::bn::sum(x.sample(i) + c * Inner, Inner);
        });
        sums_[C] = double(n * Inner);
        sync_->sum(sums_.data(), C + 1);
        sync_count_ = sums_[C];
        if (sync_count_ <= 1)
            throw Error("xgan: " + name() + " expected more than 1 value per channel when training, got a global batch of " +
                        std::to_string(std::size_t(sync_count_) / Inner) + " samples of shape " + S::str());
        B::parallel_for(C, grain, [&](std::size_t c0, std::size_t c1) {
            for (std::size_t c = c0; c < c1; ++c) {
                mean_[c] = sums_[c] / sync_count_;
                double q = 0;
                for (std::size_t i = 0; i < n; ++i) q += detail::bn::centered_squares(x.sample(i) + c * Inner, Inner, mean_[c]);
                sums_[c] = q;
            }
        });
        sync_->sum(sums_.data(), C);
        const double m = Momentum.value();
        const double unbias = sync_count_ / (sync_count_ - 1);
        B::parallel_for(C, grain, [&](std::size_t c0, std::size_t c1) {
            for (std::size_t c = c0; c < c1; ++c) {
                const double var = sums_[c] / sync_count_;
                invstd_[c] = 1.0 / std::sqrt(var + Eps.value());
                running_mean_[c] = T((1 - m) * double(running_mean_[c]) + m * mean_[c]);
                running_var_[c] = T((1 - m) * double(running_var_[c]) + m * var * unbias);
            }
            normalise(x, y, c0, c1);
        });
        ++num_batches_tracked_;
    }

    // Train-mode backward of a synchronized forward: this rank's sums give its share of the
    // parameter gradients; their sums over the ranks give the input gradient.
    void backward_synchronized(const Tensor<S, B>& x, const Tensor<S, B>& dy, Tensor<S, B>* dx, bool want_w) {
        B::parallel_for(C, grain, [&](std::size_t c0, std::size_t c1) {
            gradient_sums(x, dy, c0, c1);
            if (want_w)
                for (std::size_t c = c0; c < c1; ++c) {
                    weight_grad_[c] += T(acc2_[c] * invstd_[c]);
                    bias_grad_[c] += T(acc_[c]);
                }
        });
        if (!dx) return;
        sums_.resize(2 * C);
        std::copy_n(acc_.data(), C, sums_.data());
        std::copy_n(acc2_.data(), C, sums_.data() + C);
        sync_->sum(sums_.data(), 2 * C);
        std::copy_n(sums_.data(), C, acc_.data());
        std::copy_n(sums_.data() + C, C, acc2_.data());
        B::parallel_for(C, grain, [&](std::size_t c0, std::size_t c1) { input_gradient(x, dy, *dx, sync_count_, c0, c1); });
    }

    // mean_[c] and acc_[c] = sum (x - mean)^2 over the batch, for c in [c0, c1).
    void batch_statistics(const Tensor<S, B>& x, std::size_t c0, std::size_t c1) {
        const std::size_t n = x.batch();
        const double count = double(n * Inner);
        if constexpr (Inner == 1) {
            std::fill(acc_.begin() + c0, acc_.begin() + c1, 0.0);
            for (std::size_t i = 0; i < n; ++i) {
                const T* row = x.sample(i);
                for (std::size_t c = c0; c < c1; ++c) acc_[c] += double(row[c]);
            }
            for (std::size_t c = c0; c < c1; ++c) {
                mean_[c] = acc_[c] / count;
                acc_[c] = 0;
            }
            for (std::size_t i = 0; i < n; ++i) {
                const T* row = x.sample(i);
                for (std::size_t c = c0; c < c1; ++c) {
                    const double d = double(row[c]) - mean_[c];
                    acc_[c] += d * d;
                }
            }
        } else {
            for (std::size_t c = c0; c < c1; ++c) {
                double s = 0;
                for (std::size_t i = 0; i < n; ++i) s += detail::bn::sum(x.sample(i) + c * Inner, Inner);
                mean_[c] = s / count;
                double q = 0;
                for (std::size_t i = 0; i < n; ++i) q += detail::bn::centered_squares(x.sample(i) + c * Inner, Inner, mean_[c]);
                acc_[c] = q;
            }
        }
    }

    // y = x * scale + shift with scale = weight * invstd, shift = bias - mean * scale (as PyTorch).
    void normalise(const Tensor<S, B>& x, Tensor<S, B>& y, std::size_t c0, std::size_t c1) {
        for (std::size_t c = c0; c < c1; ++c) {
            const double scale = double(weight_[c]) * invstd_[c];
            coef_a(c) = scale;
            coef_k(c) = double(bias_[c]) - mean_[c] * scale;
        }
        for (std::size_t i = 0; i < x.batch(); ++i) {
            if constexpr (Inner == 1) {
                const T* in = x.sample(i);
                T* out = y.sample(i);
                for (std::size_t c = c0; c < c1; ++c) out[c] = T(double(in[c]) * coef_a(c) + coef_k(c));
            } else {
                for (std::size_t c = c0; c < c1; ++c) {
                    const T* in = x.sample(i) + c * Inner;
                    T* out = y.sample(i) + c * Inner;
                    const T a = T(coef_a(c)), k = T(coef_k(c));
                    for (std::size_t j = 0; j < Inner; ++j) out[j] = in[j] * a + k;
                }
            }
        }
    }

    // acc_[c] = sum dy, acc2_[c] = sum (x - mean) dy, for c in [c0, c1).
    void gradient_sums(const Tensor<S, B>& x, const Tensor<S, B>& dy, std::size_t c0, std::size_t c1) {
        const std::size_t n = x.batch();
        if constexpr (Inner == 1) {
            std::fill(acc_.begin() + c0, acc_.begin() + c1, 0.0);
            std::fill(acc2_.begin() + c0, acc2_.begin() + c1, 0.0);
            for (std::size_t i = 0; i < n; ++i) {
                const T* g = dy.sample(i);
                const T* in = x.sample(i);
                for (std::size_t c = c0; c < c1; ++c) {
                    acc_[c] += double(g[c]);
                    acc2_[c] += (double(in[c]) - mean_[c]) * double(g[c]);
                }
            }
        } else {
            for (std::size_t c = c0; c < c1; ++c) {
                double s = 0, d = 0;
                for (std::size_t i = 0; i < n; ++i) {
                    s += detail::bn::sum(dy.sample(i) + c * Inner, Inner);
                    d += detail::bn::centered_dot(x.sample(i) + c * Inner, dy.sample(i) + c * Inner, Inner, mean_[c]);
                }
                acc_[c] = s;
                acc2_[c] = d;
            }
        }
    }

    // Per-channel coefficients of the current elementwise pass.
    double& coef_a(std::size_t c) { return coef_[3 * c]; }
    double& coef_b(std::size_t c) { return coef_[3 * c + 1]; }
    double& coef_k(std::size_t c) { return coef_[3 * c + 2]; }

    typename B::template buffer<T> weight_, weight_grad_, bias_, bias_grad_, running_mean_, running_var_;
    std::int64_t num_batches_tracked_ = 0;
    typename B::template buffer<double> mean_, invstd_;  // [C] used by the last forward
    typename B::template buffer<double> acc_, acc2_;     // [C] per-channel sums
    typename B::template buffer<double> coef_ = typename B::template buffer<double>(3 * C);
    bool train_ = true;  // mode of the last forward
    distributed::Communicator* sync_ = nullptr;  // synchronized: the ranks
    std::vector<double> sums_;                    // synchronized: the per-channel sums being summed over the ranks
    double sync_count_ = 0;                       // synchronized: values per channel in the global batch
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
