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
        y.resize(x.batch());
        B::parallel_for(x.batch(), 16, [&](std::size_t i0, std::size_t i1) {
            for (std::size_t i = i0; i < i1; ++i) embed(x.sample(i), y.sample(i));
        });
    }

    void backward(const Tensor<In, B>& x, const Tensor<output_shape, B>&, const Tensor<output_shape, B>& dy,
                  Tensor<In, B>* dx, ParamGrads grads) {
        const std::size_t n = x.batch();
        if (grads == ParamGrads::accumulate)  // dW[c, :] += code[c] * de (serial: every sample adds to W)
            for (std::size_t i = 0; i < n; ++i) {
                scalar code[Classes];
                read_code(x.sample(i), code);
                const scalar* de = dy.sample(i) + Kept * P;
                for (std::size_t c = 0; c < Classes; ++c)
                    if (code[c] != scalar(0))
                        for (std::size_t j = 0; j < Dim; ++j) weight_grad_[c * Dim + j] += code[c] * de[j];
            }
        if (!dx) return;
        dx->resize(n);
        B::parallel_for(n, 16, [&](std::size_t i0, std::size_t i1) {
            for (std::size_t i = i0; i < i1; ++i) {
                const scalar* g = dy.sample(i);
                scalar* d = dx->sample(i);
                std::copy(g, g + Kept * P, d);  // the channels before the code pass through
                for (std::size_t c = 0; c < Classes; ++c) {  // d code[c] = <W[c, :], de>, spread over plane c
                    double s = 0;
                    for (std::size_t j = 0; j < Dim; ++j) s += double(weight_[c * Dim + j]) * double(g[Kept * P + j]);
                    std::fill(d + (Kept + c) * P, d + (Kept + c + 1) * P, scalar(s / double(P)));
                }
            }
        });
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

    void reset_parameters(Rng& rng, Init) { rng.fill_normal(weight_.data(), weight_.size(), 0.0, 1.0); }

private:
    // code[c]: the mean of plane c of the code (the one-hot value itself for one-hot planes).
    static void read_code(const scalar* x, scalar* code) {
        for (std::size_t c = 0; c < Classes; ++c) {
            const scalar* plane = x + (Kept + c) * P;
            double s = 0;
            for (std::size_t p = 0; p < P; ++p) s += double(plane[p]);
            code[c] = scalar(s / double(P));
        }
    }

    void embed(const scalar* x, scalar* y) const {
        scalar code[Classes];
        read_code(x, code);
        std::copy(x, x + Kept * P, y);
        scalar* e = y + Kept * P;
        std::fill(e, e + Dim, scalar(0));
        for (std::size_t c = 0; c < Classes; ++c)
            if (code[c] != scalar(0))
                for (std::size_t j = 0; j < Dim; ++j) e[j] += code[c] * weight_[c * Dim + j];
    }

    typename B::template buffer<scalar> weight_, weight_grad_;
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
