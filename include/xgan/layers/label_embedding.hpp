#pragma once
// LabelEmbedding<Classes, Dim>: a learned embedding of the class label in place of its one-hot
// code, for conditional GANs (the PyTorch cGAN tutorials' nn.Embedding(classes, dim) whose
// output is concatenated to z, or viewed as image planes beside D's input).
// ConditionalGan feeds G [z, one-hot] and D [image, one-hot planes]; as a network's first layer,
// LabelEmbedding replaces the last Classes channels (the one-hot code) by the label's row of
// its weight [Classes, Dim] (nn.Embedding's layout), as Dim / (H*W) planes:
//   (B, Z + Classes)           -> (B, Z + Dim)                      rank 1 (Dim values)
//   (B, C + Classes, H, W)     -> (B, C + Dim / (H*W), H, W)        rank 3 (Dim a multiple of H*W)
// The map is linear in the code, e[j] = sum_c code[c] W[c, j], with code[c] the mean of plane c,
// so its gradients (and the tangent passes a gradient penalty needs, whose x̂ interpolates the
// label planes too) are exact; for a one-hot code it is the row of the label.
// init: N(0, 1), as nn.Embedding (also under Init::dcgan, whose N(0, 0.02) is for conv and linear).
#include <algorithm>
#include <string>

#include "xgan/core/host_device.hpp"
#include "xgan/core/static_checks.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail {
// LabelEmbedding's view of a sample shape: rank 1 is (N, 1, 1).
template <ShapeType S>
struct ChannelsPlanes {
    static constexpr std::size_t channels = S::dims[0];
    static constexpr std::size_t plane = S::rank == 3 ? S::dims[1] * S::dims[2] : 1;
};
template <ShapeType S, std::size_t Channels>
using with_channels = std::conditional_t<S::rank == 3, Shape<Channels, (S::rank == 3 ? S::dims[1] : 1), (S::rank == 3 ? S::dims[2] : 1)>,
                                         Shape<Channels>>;
}  // namespace detail

namespace detail::embedding {
struct Value {
    template <class X>
    XGAN_HD double operator()(backend::Index, X x) const { return double(x); }
};
template <class T>
struct Mean {  // sum / count, rounded to T
    double count;
    template <class X>
    XGAN_HD T operator()(X sum) const { return T(double(sum) / count); }
};
// dx over [n, Kept + Classes, P]: the kept channels pass dy (samples dy_stride apart) through;
// code plane c gets dcode[c] / P
template <class T>
struct InputGradient {
    const T *dy, *dcode;
    std::size_t kept, classes, plane, dy_stride;
    XGAN_HD T operator()(backend::Index k) const {
        if (k.c < kept) return dy[k.o * dy_stride + k.c * plane + k.i];
        return T(double(dcode[k.o * classes + (k.c - kept)]) / double(plane));
    }
};
}  // namespace detail::embedding

template <std::size_t Classes, std::size_t Dim, ShapeType In, class B>
class LabelEmbeddingLayer {
    static constexpr std::size_t P = detail::ChannelsPlanes<In>::plane;           // values per plane
    static constexpr std::size_t Kept = detail::ChannelsPlanes<In>::channels - Classes;  // channels before the code

public:
    using input_shape = In;
    using output_shape = detail::with_channels<In, Kept + Dim / P>;
    using backend = B;
    using scalar = typename B::scalar;
    static constexpr std::size_t parameter_count = Classes * Dim;
    static constexpr double forward_flops = 2.0 * Classes * Dim;

    static std::string name() {
        return "LabelEmbedding(" + std::to_string(Classes) + ", " + std::to_string(Dim) + ")";
    }

    LabelEmbeddingLayer() : weight_(Classes * Dim), weight_grad_(Classes * Dim) {}

    void forward(const Tensor<In, B>& x, Tensor<output_shape, B>& y, Mode) {
        const std::size_t n = x.batch();
        y.resize(n);
        read_codes(x);
        if constexpr (Kept > 0)  // the channels before the code pass through
            B::copy_blocks({n, 1, Kept * P, In::size, 0, Out::size, 0}, x.data(), y.data());
        // E[n, Dim] = code[n, Classes] W[Classes, Dim], into each sample after the kept channels
        B::gemm(Trans::no, Trans::no, int(n), int(Dim), int(Classes), scalar(1), codes_.data() + Kept, int(Channels),
                weight_.data(), int(Dim), scalar(0), y.data() + Kept * P, int(Out::size));
    }

    void backward(const Tensor<In, B>& x, const Tensor<output_shape, B>&, const Tensor<output_shape, B>& dy,
                  Tensor<In, B>* dx, ParamGrads grads) {
        const std::size_t n = x.batch();
        if (grads == ParamGrads::accumulate) {  // dW[Classes, Dim] += code^T dE
            read_codes(x);
            B::gemm(Trans::yes, Trans::no, int(Classes), int(Dim), int(n), scalar(1), codes_.data() + Kept, int(Channels),
                    dy.data() + Kept * P, int(Out::size), scalar(1), weight_grad_.data(), int(Dim));
        }
        if (!dx) return;
        dx->resize(n);
        // d code[n, Classes] = dE W^T, spread evenly over each code plane
        if (dcode_.size() < n * Classes) dcode_.resize(n * Classes);
        B::gemm(Trans::no, Trans::yes, int(n), int(Classes), int(Dim), scalar(1), dy.data() + Kept * P, int(Out::size),
                weight_.data(), int(Dim), scalar(0), dcode_.data(), int(Classes));
        B::indexed_map({n, Channels, P}, detail::embedding::InputGradient<scalar>{dy.data(), dcode_.data(), Kept, Classes, P, Out::size},
                       dx->data());
    }

    // Second order (see layer.hpp, "tangent passes"): linear in x without bias, so yt = f(xt),
    // xbar = f^T(ybar), xtbar = f^T(ytbar), dW += code(x) (x) ybar + code(xt) (x) ytbar.
    void tangent_forward(const Tensor<In, B>&, const Tensor<output_shape, B>&, const Tensor<In, B>& xt,
                         Tensor<output_shape, B>& yt) {
        forward(xt, yt, Mode::eval);
    }
    void tangent_backward(const Tensor<In, B>& x, const Tensor<output_shape, B>& y, const Tensor<In, B>& xt,
                          const Tensor<output_shape, B>&, const Tensor<output_shape, B>& ybar,
                          const Tensor<output_shape, B>& ytbar, Tensor<In, B>* xbar, Tensor<In, B>* xtbar, ParamGrads grads) {
        backward(x, y, ybar, xbar, grads);
        backward(xt, y, ytbar, xtbar, grads);
    }

    template <class F>
    void visit_state(F&& f, const std::string& prefix) {
        f(StateEntry<scalar>{prefix + "weight", {std::int64_t(Classes), std::int64_t(Dim)}, weight_.data(),
                             weight_grad_.data()});
    }

    void reset_parameters(Rng& rng, Init) { init_normal<B>(rng, weight_.data(), weight_.size(), 0.0, 1.0); }

private:
    static constexpr std::size_t Channels = Kept + Classes;
    using Out = output_shape;

    // codes_[i, c]: the mean of plane c of sample i (the one-hot value itself for one-hot
    // planes; the kept channels' means too, unused).
    void read_codes(const Tensor<In, B>& x) {
        const std::size_t n = x.batch();
        if (codes_.size() < n * Channels) {
            codes_.resize(n * Channels);
            plane_sums_.resize(n * Channels);
        }
        B::position_sum({n * Channels, P, 1}, detail::embedding::Value{}, plane_sums_.data(), x.data());
        B::map(n * Channels, detail::embedding::Mean<scalar>{double(P)}, codes_.data(), plane_sums_.data());
    }

    typename B::template buffer<scalar> weight_, weight_grad_;
    typename B::template buffer<scalar> codes_, dcode_;  // [n, Channels], [n, Classes]
    typename B::template buffer<double> plane_sums_;     // [n, Channels]
};

template <std::size_t Classes, std::size_t Dim>
struct LabelEmbedding {
    template <ShapeType S, class B>
    struct bind {
        static constexpr bool ok = (S::rank == 1 || S::rank == 3) && S::dims[0] > Classes &&
                                   Dim % detail::ChannelsPlanes<S>::plane == 0;
        static_assert(require_valid_input<LabelEmbedding, S, ok>);
        // After a failed check, a shape that keeps the compiler from piling up further errors.
        using type = LabelEmbeddingLayer<Classes, Dim, std::conditional_t<ok, S, Shape<Classes + 1>>, B>;
    };
};

}  // namespace xgan
