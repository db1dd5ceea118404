#pragma once
// Gradient penalties with exact parameter gradients (forward-over-reverse, no finite
// differences), for critics whose layers all have tangent passes (layers/layer.hpp):
//   GradientPenalty (WGAN-GP)  P = w mean_i (||∇x D(x_i)||₂ - 1)²
//   R1Penalty                  P = w/2 mean_i ||∇x D(x_i)||₂²
// With g_i = ∇x D(x_i) and v_i = dP/dg_i, dP/dθ = ∇θ Σ_i <v_i, g_i> = ∇θ Σ_i J_D(x_i) v_i: the
// reverse pass of the tangent pass along v (ybar = 0, ytbar = 1). GanTrainer calls this at
// x̂ (WGAN-GP) or at the real batch (R1); it is public so that tests and users' own loops run
// the same code. g_i is the gradient of Σ_j D(x_j) with respect to x_i (a backward of ones):
// D(x_i)'s own gradient for per-sample critics, and what torch.autograd.grad(D(x).sum(), x)
// gives for a critic that couples samples (MinibatchStdDev).
#include <algorithm>
#include <cmath>

#include "xgan/core/host_device.hpp"
#include "xgan/gan/objective.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

namespace detail::penalty {
struct Square {
    template <class X>
    XGAN_HD double operator()(backend::Index, X g) const { return double(g) * double(g); }
};
// Per sample, from sq = ||g||²: the penalty's term (WGAN-GP: w (||g|| - 1)² / n; R1:
// w/2 ||g||² / n), and (Scales) the factor of v = dP/dg = factor g, times grad_scale.
template <class Objective>
struct Terms {
    double w, n, grad_scale;
    static constexpr bool interpolates = Objective::penalty_kind == objective::PenaltyKind::interpolates;
    template <class X>
    XGAN_HD double operator()(X sq) const {
        if constexpr (interpolates) {
            const double norm = std::sqrt(double(sq));
            return w * (norm - 1) * (norm - 1) / n;
        } else {
            return 0.5 * w * double(sq) / n;
        }
    }
};
template <class Objective>
struct Scales {
    Terms<Objective> t;
    template <class X>
    XGAN_HD double operator()(X sq) const {
        if constexpr (Terms<Objective>::interpolates) {
            const double norm = std::sqrt(double(sq));
            return norm > 0 ? t.grad_scale * 2 * t.w * (norm - 1) / (t.n * norm) : 0;
        } else {
            return t.grad_scale * t.w / t.n;
        }
    }
};
struct ScaleRows {  // c[sample] g
    const double* c;
    template <class X>
    XGAN_HD X operator()(backend::Index k, X g) const { return X(c[k.o] * double(g)); }
};
}  // namespace detail::penalty

// Scratch of gradient_penalty for the critic Net; sized by the largest batch seen.
template <class Net>
struct PenaltyBuffers {
    using B = typename Net::backend;
    Tensor<typename Net::input_shape, B> input_grad;  // ∇x D per sample
    Tensor<typename Net::input_shape, B> direction;   // v = dP/d∇x D
    Tensor<typename Net::output_shape, B> ones, zeros;
    typename B::template buffer<double> squares, scales;  // per sample: ||∇x D||², v / ∇x D
};

// Runs d on x (in `mode`), returns Objective's penalty at x and, with grads == accumulate,
// adds grad_scale dP/dθ to d's parameter gradients (data-parallel training passes shard /
// global batch). Objective is GradientPenalty<...> or R1Penalty<...>.
template <class Objective, class Net>
    requires objective::HasPenalty<Objective>
double gradient_penalty(Net& d, const Tensor<typename Net::input_shape, typename Net::backend>& x,
                        PenaltyBuffers<Net>& buf, Mode mode = Mode::train, ParamGrads grads = ParamGrads::accumulate,
                        double grad_scale = 1) {
    using T = typename Net::scalar;
    using B = typename Net::backend;
    using In = typename Net::input_shape;
    const std::size_t n = x.batch();
    d.forward(x, mode);
    buf.ones.resize(n);
    buf.zeros.resize(n);
    B::fill(buf.ones.data(), buf.ones.size(), T(1));
    B::fill(buf.zeros.data(), buf.zeros.size(), T(0));
    d.backward(buf.ones, &buf.input_grad, ParamGrads::skip);  // ∇x D per sample (D outputs one value)
    buf.direction.resize(n);
    if (buf.squares.size() < n) {
        buf.squares.resize(n);
        buf.scales.resize(n);
    }
    const xgan::backend::ChannelLayout rows{n, In::size, 1};
    B::position_sum(rows, detail::penalty::Square{}, buf.squares.data(), buf.input_grad.data());
    // the penalty, and per sample the factor v_i / g_i
    const detail::penalty::Terms<Objective> terms{Objective::penalty_weight, double(n), grad_scale};
    const double p = B::sum(n, terms, static_cast<const double*>(buf.squares.data()));
    B::map(n, detail::penalty::Scales<Objective>{terms}, buf.scales.data(), static_cast<const double*>(buf.squares.data()));
    B::indexed_map(rows, detail::penalty::ScaleRows{buf.scales.data()}, buf.direction.data(), buf.input_grad.data());
    if (grads == ParamGrads::accumulate) {
        d.tangent_forward(buf.direction);
        d.tangent_backward(buf.zeros, buf.ones, nullptr, nullptr);
    }
    return p;
}

}  // namespace xgan
