#pragma once
// MinibatchDiscrimination<Kernels, KernelDim, Mean, InitStd>: minibatch discrimination (Salimans et al.
// 2016, "Improved Techniques for Training GANs", section 3.2), placed near the end of D so that
// it can tell a batch of near-identical samples (mode collapse) from a varied one. Each sample
// is projected to Kernels rows of KernelDim values, and for every row the layer appends how
// close the other samples of the batch come to it. As the widely used PyTorch module
// MinibatchDiscrimination(in_features, out_features, kernel_dims, mean) (state name "T").
//   formula  for samples i, j = 1..N of x [N, A], kernels b and k = 1..KernelDim:
//              M = x T  ([N, A] x [A, Kernels*KernelDim], viewed as [N, Kernels, KernelDim])
//              c[i, j, b] = exp(-sum_k |M[i,b,k] - M[j,b,k]|)
//              o[i, b] = s sum_{j != i} c[i, j, b],  s = 1, or 1 / (N - 1) with Mean
//              y[i] = [x[i], o[i]]
//            (the reference sums over all j and subtracts the self term exp(0) = 1; summing over
//            j != i is the same value without the cancellation)
//   shapes   (N, A) -> (N, A + Kernels); T [A, Kernels, KernelDim]; with Mean, N >= 2 (else
//            xgan::Error, where the reference divides by zero)
//   forward  caches M; the same in train and eval mode
//   backward with g[i, b] = s dy[i, A + b] and sg[i, j, b, k] = sign(M[i,b,k] - M[j,b,k]):
//              Mbar[i, b, k] = -sum_j (g[i, b] + g[j, b]) c[i, j, b] sg[i, j, b, k]
//              dx = dy[:, :A] + Mbar T^T,   dT += x^T Mbar
//            (o[i] depends on every x[j]: each pair enters the gradients of both samples)
//   tangent  exact forward-over-reverse, with sign() locally constant (|u|'' = 0 off the kink
//            u = 0, which random inputs miss; at u = 0 sign is 0, as PyTorch's abs backward):
//              Mt = xt T,  lt[i, j, b] = sum_k sg[i, j, b, k] (Mt[i,b,k] - Mt[j,b,k])
//              yt[i] = [xt[i], ot[i]],  ot[i, b] = -s sum_{j != i} c[i, j, b] lt[i, j, b]
//            and its reverse pass, with g, h the scaled extra columns of ybar, ytbar:
//              Mtbar[i, b, k] = -sum_j (h[i, b] + h[j, b]) c sg
//              Mbar[i, b, k]  =  sum_j ((h[i, b] + h[j, b]) lt - (g[i, b] + g[j, b])) c sg
//              xbar = ybar[:, :A] + Mbar T^T,  xtbar = ytbar[:, :A] + Mtbar T^T,
//              dT += x^T Mbar + xt^T Mtbar
// Under a gradient penalty ∇x D is the backward of ones through the batch (the gradient of
// sum_j D(x_j)), as torch.autograd.grad(D(x).sum(), x): these passes make its parameter
// gradient exact, so a WGAN-GP critic may hold the layer (see minibatch_stddev.hpp).
//   init     T ~ N(0, InitStd^2), under Init::pytorch and Init::dcgan alike (DCGAN's
//            weights_init touches Conv and BatchNorm layers only). InitStd 1 is the reference's
//            init.normal(T, 0, 1); on hundreds of features it makes every |M_i - M_j| large and
//            every c zero, a layer without gradient, so models use the improved-GAN code's
//            N(0, 0.05^2): MinibatchDiscrimination<100, 5, false, ratio(0.05)>
// The products with T are backend GEMMs; the pairwise sums are loops over the batch in double,
// parallel over i, each sample's sum in a fixed order (results do not depend on scheduling).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/core/static_checks.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

template <std::size_t A, std::size_t Kernels, std::size_t KernelDim, bool Mean, Ratio InitStd, class B>
class MinibatchDiscriminationLayer {
public:
    using input_shape = Shape<A>;
    using output_shape = Shape<A + Kernels>;
    using backend = B;
    using scalar = typename B::scalar;
    static constexpr std::size_t KD = Kernels * KernelDim;  // columns of M
    static constexpr std::size_t parameter_count = A * KD;
    // M = x T, and the pairwise terms against one other sample (their count grows with the batch)
    static constexpr double forward_flops = 2.0 * A * KD + Kernels * (3.0 * KernelDim + 2.0);

    static std::string name() {
        return "MinibatchDiscrimination(in_features=" + std::to_string(A) +
               ", out_features=" + std::to_string(Kernels) + ", kernel_dims=" + std::to_string(KernelDim) +
               (Mean ? ", mean=True)" : ")");
    }

    MinibatchDiscriminationLayer() : t_(A * KD), t_grad_(A * KD) {}

    void forward(const Tensor<input_shape, B>& x, Tensor<output_shape, B>& y, Mode) {
        const std::size_t n = x.batch();
        const double s = scale(n);
        y.resize(n);
        multiply_t(x, m_);  // M = x T
        acc_.assign(n * Kernels, 0.0);
        for_each_pair(n, nullptr, [&](std::size_t i, std::size_t b, std::size_t, double c, double, const Signs&) {
            acc_[i * Kernels + b] += c;
        });
        for (std::size_t i = 0; i < n; ++i) {
            std::copy(x.sample(i), x.sample(i) + A, y.sample(i));
            for (std::size_t b = 0; b < Kernels; ++b) y.sample(i)[A + b] = scalar(s * acc_[i * Kernels + b]);
        }
    }

    void backward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>&, const Tensor<output_shape, B>& dy,
                  Tensor<input_shape, B>* dx, ParamGrads grads) {
        const std::size_t n = x.batch();
        if (!dx && grads == ParamGrads::skip) return;
        const double s = scale(n);
        acc_.assign(n * KD, 0.0);
        for_each_pair(n, nullptr, [&](std::size_t i, std::size_t b, std::size_t j, double c, double, const Signs& sg) {
            const double w = -s * (double(dy.sample(i)[A + b]) + double(dy.sample(j)[A + b])) * c;
            double* out = acc_.data() + (i * Kernels + b) * KernelDim;
            for (std::size_t k = 0; k < KernelDim; ++k) out[k] += w * sg[k];
        });
        to_scalar(acc_, mbar_);
        through_t(x, dy, mbar_, dx, grads);
    }

    // Second order: see the header comment.
    void tangent_forward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>&,
                         const Tensor<input_shape, B>& xt, Tensor<output_shape, B>& yt) {
        const std::size_t n = x.batch();
        const double s = scale(n);
        yt.resize(n);
        multiply_t(xt, mt_);  // Mt = xt T
        acc_.assign(n * Kernels, 0.0);
        for_each_pair(n, mt_.data(), [&](std::size_t i, std::size_t b, std::size_t, double c, double lt, const Signs&) {
            acc_[i * Kernels + b] -= c * lt;
        });
        for (std::size_t i = 0; i < n; ++i) {
            std::copy(xt.sample(i), xt.sample(i) + A, yt.sample(i));
            for (std::size_t b = 0; b < Kernels; ++b) yt.sample(i)[A + b] = scalar(s * acc_[i * Kernels + b]);
        }
    }

    void tangent_backward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>&,
                          const Tensor<input_shape, B>& xt, const Tensor<output_shape, B>&,
                          const Tensor<output_shape, B>& ybar, const Tensor<output_shape, B>& ytbar,
                          Tensor<input_shape, B>* xbar, Tensor<input_shape, B>* xtbar, ParamGrads grads) {
        const std::size_t n = x.batch();
        const double s = scale(n);
        multiply_t(xt, mt_);  // Mt again: the caller's xt is what counts, not the last tangent_forward's
        acc_.assign(n * KD, 0.0);   // Mbar
        acct_.assign(n * KD, 0.0);  // Mtbar
        auto pair = [&](std::size_t i, std::size_t b, std::size_t j, double c, double lt, const Signs& sg) {
            const double g = s * (double(ybar.sample(i)[A + b]) + double(ybar.sample(j)[A + b]));
            const double h = s * (double(ytbar.sample(i)[A + b]) + double(ytbar.sample(j)[A + b]));
            const double w = (h * lt - g) * c, wt = -h * c;
            double* out = acc_.data() + (i * Kernels + b) * KernelDim;
            double* outt = acct_.data() + (i * Kernels + b) * KernelDim;
            for (std::size_t k = 0; k < KernelDim; ++k) {
                out[k] += w * sg[k];
                outt[k] += wt * sg[k];
            }
        };
        for_each_pair(n, mt_.data(), pair);
        to_scalar(acc_, mbar_);
        to_scalar(acct_, mtbar_);
        through_t(x, ybar, mbar_, xbar, grads);
        through_t(xt, ytbar, mtbar_, xtbar, grads);
    }

    template <class F>
    void visit_state(F&& f, const std::string& prefix) {
        const std::vector<std::int64_t> shape{std::int64_t(A), std::int64_t(Kernels), std::int64_t(KernelDim)};
        f(StateEntry<scalar>{prefix + "T", shape, t_.data(), t_grad_.data()});
    }

    void reset_parameters(Rng& rng, Init) { rng.fill_normal(t_.data(), t_.size(), 0.0, InitStd.value()); }

private:
    using Buffer = typename B::template buffer<scalar>;
    using Signs = std::array<double, KernelDim>;

    // 1, or 1 / (n - 1) with Mean.
    static double scale(std::size_t n) {
        if constexpr (Mean) {
            if (n < 2)
                throw Error("xgan: " + name() + " averages over the other samples of the batch, and a batch of " +
                            std::to_string(n) + " has none: use a batch of at least 2 (or Mean = false)");
            return 1.0 / double(n - 1);
        } else {
            (void)n;
            return 1.0;
        }
    }

    // out = in T: [n, A] x [A, KD]. Buffers only grow, so a training step allocates once.
    void multiply_t(const Tensor<input_shape, B>& in, Buffer& out) const {
        const std::size_t n = in.batch();
        if (out.size() < n * KD) out.resize(n * KD);
        B::gemm(xgan::backend::Trans::no, xgan::backend::Trans::no, int(n), int(KD), int(A), scalar(1), in.data(),
                int(A), t_.data(), int(KD), scalar(0), out.data(), int(KD));
    }

    static void to_scalar(const std::vector<double>& from, Buffer& to) {
        if (to.size() < from.size()) to.resize(from.size());
        for (std::size_t i = 0; i < from.size(); ++i) to[i] = scalar(from[i]);
    }

    // The reverse pass through y = [in, f(in T)], given mbar = dL/dM:
    //   din = dy[:, :A] + mbar T^T (when din is not null),  dT += in^T mbar (unless skip).
    void through_t(const Tensor<input_shape, B>& in, const Tensor<output_shape, B>& dy, const Buffer& mbar,
                   Tensor<input_shape, B>* din, ParamGrads grads) {
        const std::size_t n = in.batch();
        if (grads == ParamGrads::accumulate)
            B::gemm(xgan::backend::Trans::yes, xgan::backend::Trans::no, int(A), int(KD), int(n), scalar(1), in.data(),
                    int(A), mbar.data(), int(KD), scalar(1), t_grad_.data(), int(KD));
        if (!din) return;
        din->resize(n);
        for (std::size_t i = 0; i < n; ++i) std::copy(dy.sample(i), dy.sample(i) + A, din->sample(i));
        B::gemm(xgan::backend::Trans::no, xgan::backend::Trans::yes, int(n), int(A), int(KD), scalar(1), mbar.data(),
                int(KD), t_.data(), int(KD), scalar(1), din->data(), int(A));
    }

    // visit(i, b, j, c, lt, sg) for every sample i, kernel b and other sample j != i of the
    // last forward's batch of n: c = c[i, j, b], sg[k] = sign(M[i,b,k] - M[j,b,k]) and, when mt
    // is given, lt = sum_k sg[k] (Mt[i,b,k] - Mt[j,b,k]) (else 0). Parallel over i; visit may
    // write to sample i's entries only.
    template <class Visit>
    void for_each_pair(std::size_t n, const scalar* mt, Visit&& visit) const {
        B::parallel_for(n, 1, [&](std::size_t i0, std::size_t i1) {
            Signs sg;
            for (std::size_t i = i0; i < i1; ++i)
                for (std::size_t b = 0; b < Kernels; ++b) {
                    const std::size_t row = b * KernelDim;
                    const scalar* mi = m_.data() + i * KD + row;
                    for (std::size_t j = 0; j < n; ++j) {
                        if (j == i) continue;
                        const scalar* mj = m_.data() + j * KD + row;
                        double l1 = 0, lt = 0;
                        for (std::size_t k = 0; k < KernelDim; ++k) {
                            const double u = double(mi[k]) - double(mj[k]);
                            sg[k] = double((u > 0) - (u < 0));
                            l1 += std::abs(u);
                        }
                        if (mt)
                            for (std::size_t k = 0; k < KernelDim; ++k)
                                lt += sg[k] * (double(mt[i * KD + row + k]) - double(mt[j * KD + row + k]));
                        visit(i, b, j, std::exp(-l1), lt, sg);
                    }
                }
        });
    }

    Buffer t_, t_grad_;               // T [A, Kernels, KernelDim] and its gradient
    Buffer m_;                        // [N, KD]: M of the last forward
    Buffer mt_, mbar_, mtbar_;        // [N, KD] scratch: Mt, dL/dM, dL/dMt
    std::vector<double> acc_, acct_;  // pairwise sums, [N, Kernels] or [N, KD]
};

template <std::size_t Kernels, std::size_t KernelDim, bool Mean = false, Ratio InitStd = Ratio{1, 1}>
struct MinibatchDiscrimination {
    static_assert(Kernels >= 1 && KernelDim >= 1,
                  "xgan: MinibatchDiscrimination needs at least one kernel of one dimension");
    template <ShapeType S, class B>
    struct bind {
        // flat (A) samples only: put Flatten before it
        static_assert(require_valid_input<MinibatchDiscrimination, S, S::rank == 1>);
        using type = MinibatchDiscriminationLayer<S::size, Kernels, KernelDim, Mean, InitStd, B>;
    };
};

}  // namespace xgan
