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
// The products with T are backend GEMMs; the pairwise terms are the backend's position sums
// in double, their functors reading M (and Mt, c, the output gradients) by index; c is kept
// from the forward for the backward ([N, N, Kernels] doubles).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/core/host_device.hpp"
#include "xgan/core/static_checks.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail::mbd {

using backend::Index;

// The functors of one layer's pairwise passes, M being [n, Kernels, KernelDim] (KD per sample).
template <std::size_t A, std::size_t K, std::size_t D>
struct Kernels {
    static constexpr std::size_t KD = K * D;
    XGAN_HD static double sign(double u) { return double((u > 0) - (u < 0)); }

    // sum_k |M[i,b,k] - M[j,b,k]| over pairs flattened as ((i n + j) K + b) (Index::o), k (Index::c)
    template <class T>
    struct PairL1 {
        const T* m;
        std::size_t n;
        XGAN_HD std::size_t i_of(std::size_t p) const { return p / (n * K); }
        XGAN_HD std::size_t j_of(std::size_t p) const { return p / K % n; }
        XGAN_HD double diff(std::size_t i, std::size_t j, std::size_t bk) const { return double(m[i * KD + bk]) - double(m[j * KD + bk]); }
        XGAN_HD double operator()(Index x) const {
            const std::size_t b = x.o % K;
            return std::abs(diff(i_of(x.o), j_of(x.o), b * D + x.c));
        }
    };
    // sum_k sg (Mt[i,b,k] - Mt[j,b,k]), sg = sign(M[i,b,k] - M[j,b,k]), flattened as PairL1
    template <class T>
    struct PairTangent {
        PairL1<T> p;
        const T* mt;
        XGAN_HD double operator()(Index x) const {
            const std::size_t i = p.i_of(x.o), j = p.j_of(x.o), bk = x.o % K * D + x.c;
            return sign(p.diff(i, j, bk)) * (double(mt[i * KD + bk]) - double(mt[j * KD + bk]));
        }
    };
    struct ExpNeg {
        template <class X>
        XGAN_HD double operator()(X l1) const { return std::exp(-double(l1)); }
    };
    // over pairs as [n, n, K] (o = i, c = j, i = b): terms with j != i
    struct OffDiagonal {
        template <class X>
        XGAN_HD double operator()(Index x, X c) const { return x.o == x.c ? 0.0 : double(c); }
    };
    struct OffDiagonalProduct {
        template <class X>
        XGAN_HD double operator()(Index x, X c, X lt) const { return x.o == x.c ? 0.0 : double(c) * double(lt); }
    };
    // y[i] = [in[i], factor sums[i]] over y as [n, A + K, 1]
    template <class T>
    struct Append {
        const T* in;
        const double* sums;
        double factor;
        XGAN_HD T operator()(Index x) const { return x.c < A ? in[x.o * A + x.c] : T(factor * sums[x.o * K + x.c - A]); }
    };
    // The reverse passes over [n, n, KD] (o = i, c = j, i = b*D + k), summed over j != i:
    //   lt null:  -(g_i + g_j) c sg                 (g from dy: s dy[:, A + b])
    //   lt given: ((h_i + h_j) lt - (g_i + g_j)) c sg  (g from dy = ybar, h from dyt = ytbar)
    template <class T>
    struct Reverse {
        PairL1<T> p;
        const double *c, *lt;
        const T *dy, *dyt;
        double s;
        std::size_t stride;  // of dy's rows, A + K
        XGAN_HD double g(const T* d, std::size_t i, std::size_t b) const { return double(d[i * stride + A + b]); }
        XGAN_HD double operator()(Index x) const {
            const std::size_t i = x.o, j = x.c;
            if (i == j) return 0.0;
            const std::size_t b = x.i / D, pair = (i * p.n + j) * K + b;
            const double sg = sign(p.diff(i, j, x.i));
            const double gsum = s * (g(dy, i, b) + g(dy, j, b));
            if (!lt) return -gsum * c[pair] * sg;
            const double hsum = s * (g(dyt, i, b) + g(dyt, j, b));
            return (hsum * lt[pair] - gsum) * c[pair] * sg;
        }
    };
    template <class T>
    struct Round {
        template <class X>
        XGAN_HD T operator()(X v) const { return T(v); }
    };
};

}  // namespace detail::mbd

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
        reserve(n);
        multiply_t(x, m_);  // M = x T
        // c[i, j, b] = exp(-sum_k |M[i,b,k] - M[j,b,k]|), for every ordered pair (kept for backward)
        B::position_sum({n * n * Kernels, KernelDim, 1}, pair_l1(n), c_.data());
        B::map(n * n * Kernels, ExpNeg{}, c_.data(), static_cast<const double*>(c_.data()));
        B::position_sum(pairs(n), OffDiagonal{}, sums_.data(), static_cast<const double*>(c_.data()));
        append(x, s, y);
    }

    void backward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>&, const Tensor<output_shape, B>& dy,
                  Tensor<input_shape, B>* dx, ParamGrads grads) {
        const std::size_t n = x.batch();
        if (!dx && grads == ParamGrads::skip) return;
        const double s = scale(n);
        // Mbar[i, b, k] = -sum_j (g[i, b] + g[j, b]) c sg
        B::position_sum({n, n, KD}, Reverse<scalar>{pair_l1(n), c_.data(), nullptr, dy.data(), nullptr, s, A + Kernels},
                        acc_.data());
        B::map(n * KD, Round<scalar>{}, mbar_.data(), static_cast<const double*>(acc_.data()));
        through_t(x, dy, mbar_, dx, grads);
    }

    // Second order: see the header comment.
    void tangent_forward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>&,
                         const Tensor<input_shape, B>& xt, Tensor<output_shape, B>& yt) {
        const std::size_t n = x.batch();
        const double s = scale(n);
        yt.resize(n);
        tangent_pairs(xt);
        // ot[i, b] = -s sum_{j != i} c lt
        B::position_sum(pairs(n), OffDiagonalProduct{}, sums_.data(), static_cast<const double*>(c_.data()),
                        static_cast<const double*>(lt_.data()));
        append(xt, -s, yt);
    }

    void tangent_backward(const Tensor<input_shape, B>& x, const Tensor<output_shape, B>&,
                          const Tensor<input_shape, B>& xt, const Tensor<output_shape, B>&,
                          const Tensor<output_shape, B>& ybar, const Tensor<output_shape, B>& ytbar,
                          Tensor<input_shape, B>* xbar, Tensor<input_shape, B>* xtbar, ParamGrads grads) {
        const std::size_t n = x.batch();
        const double s = scale(n);
        tangent_pairs(xt);  // the caller's xt is what counts, not the last tangent_forward's
        // Mbar = sum_j ((h_i + h_j) lt - (g_i + g_j)) c sg;  Mtbar = -sum_j (h_i + h_j) c sg
        B::position_sum({n, n, KD},
                        Reverse<scalar>{pair_l1(n), c_.data(), lt_.data(), ybar.data(), ytbar.data(), s, A + Kernels},
                        acc_.data());
        B::map(n * KD, Round<scalar>{}, mbar_.data(), static_cast<const double*>(acc_.data()));
        B::position_sum({n, n, KD}, Reverse<scalar>{pair_l1(n), c_.data(), nullptr, ytbar.data(), nullptr, s, A + Kernels},
                        acc_.data());
        B::map(n * KD, Round<scalar>{}, mtbar_.data(), static_cast<const double*>(acc_.data()));
        through_t(x, ybar, mbar_, xbar, grads);
        through_t(xt, ytbar, mtbar_, xtbar, grads);
    }

    template <class F>
    void visit_state(F&& f, const std::string& prefix) {
        const std::vector<std::int64_t> shape{std::int64_t(A), std::int64_t(Kernels), std::int64_t(KernelDim)};
        f(StateEntry<scalar>{prefix + "T", shape, t_.data(), t_grad_.data()});
    }

    void reset_parameters(Rng& rng, Init) { init_normal<B>(rng, t_.data(), t_.size(), 0.0, InitStd.value()); }

private:
    using Buffer = typename B::template buffer<scalar>;
    using mbd = detail::mbd::Kernels<A, Kernels, KernelDim>;
    template <class U>
    using PairL1 = typename mbd::template PairL1<U>;
    template <class U>
    using PairTangent = typename mbd::template PairTangent<U>;
    template <class U>
    using AppendRow = typename mbd::template Append<U>;
    template <class U>
    using Reverse = typename mbd::template Reverse<U>;
    template <class U>
    using Round = typename mbd::template Round<U>;
    using ExpNeg = typename mbd::ExpNeg;
    using OffDiagonal = typename mbd::OffDiagonal;
    using OffDiagonalProduct = typename mbd::OffDiagonalProduct;

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
        B::gemm(Trans::no, Trans::no, int(n), int(KD), int(A), scalar(1), in.data(),
                int(A), t_.data(), int(KD), scalar(0), out.data(), int(KD));
    }

    // Pairs as [n, n, Kernels]: sample i (o), other sample j (c), kernel b (i).
    static xgan::backend::ChannelLayout pairs(std::size_t n) { return {n, n, Kernels}; }
    PairL1<scalar> pair_l1(std::size_t n) const { return {m_.data(), n}; }

    void reserve(std::size_t n) {
        if (c_.size() < n * n * Kernels) {
            c_.resize(n * n * Kernels);
            lt_.resize(n * n * Kernels);
        }
        if (acc_.size() < n * KD) acc_.resize(n * KD);
        if (mbar_.size() < n * KD) mbar_.resize(n * KD);
        if (mtbar_.size() < n * KD) mtbar_.resize(n * KD);
        if (sums_.size() < n * Kernels) sums_.resize(n * Kernels);
    }

    // mt_ = xt T and lt[i, j, b] = sum_k sg (Mt[i,b,k] - Mt[j,b,k]).
    void tangent_pairs(const Tensor<input_shape, B>& xt) {
        const std::size_t n = xt.batch();
        multiply_t(xt, mt_);
        B::position_sum({n * n * Kernels, KernelDim, 1}, PairTangent<scalar>{pair_l1(n), mt_.data()}, lt_.data());
    }

    // out[i] = [in[i], factor sums_[i]].
    void append(const Tensor<input_shape, B>& in, double factor, Tensor<output_shape, B>& out) const {
        B::indexed_map({in.batch(), A + Kernels, 1}, AppendRow<scalar>{in.data(), sums_.data(), factor}, out.data());
    }

    // The reverse pass through y = [in, f(in T)], given mbar = dL/dM:
    //   din = dy[:, :A] + mbar T^T (when din is not null),  dT += in^T mbar (unless skip).
    void through_t(const Tensor<input_shape, B>& in, const Tensor<output_shape, B>& dy, const Buffer& mbar,
                   Tensor<input_shape, B>* din, ParamGrads grads) {
        const std::size_t n = in.batch();
        if (grads == ParamGrads::accumulate)
            B::gemm(Trans::yes, Trans::no, int(A), int(KD), int(n), scalar(1), in.data(),
                    int(A), mbar.data(), int(KD), scalar(1), t_grad_.data(), int(KD));
        if (!din) return;
        din->resize(n);
        B::copy_blocks({n, 1, A, A + Kernels, 0, A, 0}, dy.data(), din->data());
        B::gemm(Trans::no, Trans::yes, int(n), int(A), int(KD), scalar(1), mbar.data(),
                int(KD), t_.data(), int(KD), scalar(1), din->data(), int(A));
    }

    Buffer t_, t_grad_;               // T [A, Kernels, KernelDim] and its gradient
    Buffer m_;                        // [N, KD]: M of the last forward
    Buffer mt_, mbar_, mtbar_;        // [N, KD] scratch: Mt, dL/dM, dL/dMt
    typename B::template buffer<double> c_, lt_;  // [N, N, Kernels]: c of the last forward, lt of a tangent pass
    typename B::template buffer<double> acc_;     // [N, KD] pairwise sums
    typename B::template buffer<double> sums_;    // [N, Kernels] sums over the other samples
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
