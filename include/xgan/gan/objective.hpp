#pragma once
// GAN objectives: what the discriminator's output means and which loss trains each network.
// An objective provides (each loss on backend B's memory, through B's kernels)
//   discriminator_loss<B>(out, side, target, grad)  loss for one batch of D outputs, all of one side
//                                          (real data or generated), with per-sample targets
//   generator_loss<B>(out, grad, ones)     the generator's loss on D(G(z))
//   probability(out)                       D's output as a probability, for D(x) / D(G(z)) logs
//                                          (a functor's body: one scalar)
//   uses_logits                            true when D's last layer must not be a Sigmoid
//   uses_targets                           true when the loss reads the targets (label smoothing,
//                                          noise and flipping act through them); otherwise the
//                                          side alone decides, and check_labels refuses such options
// Penalties wrap an objective: GradientPenalty<Wasserstein> is WGAN-GP, R1Penalty<Bce> adds R1.
#include <cmath>
#include <span>
#include <string>
#include <type_traits>

#include "xgan/core/host_device.hpp"
#include "xgan/layers/layer.hpp"

#include "xgan/core/error.hpp"
#include "xgan/gan/labels.hpp"
#include "xgan/loss/bce.hpp"

namespace xgan::objective {

// Which batch a discriminator loss is computed on.
enum class Side { real, fake };

// The original GAN with the non-saturating generator loss; D ends in a Sigmoid (BCELoss).
struct Bce {
    static constexpr bool uses_logits = false;
    static constexpr bool outputs_probability = true;
    static constexpr bool uses_targets = true;
    static constexpr const char* name = "bce";
    template <class B, class T = typename B::scalar>
    static T discriminator_loss(std::span<const T> out, Side, std::span<const T> target, std::span<T> grad) {
        return loss::bce<B>(out, target, grad);
    }
    template <class B, class T = typename B::scalar>
    static T generator_loss(std::span<const T> out, std::span<T> grad, std::span<T> ones) {
        return loss::bce<B>(out, std::span<const T>(ones), grad);
    }
    template <class T>
    XGAN_HD static T probability(T out) { return out; }
};

// The same objective on logits (BCEWithLogitsLoss): D has no final Sigmoid; numerically stable.
struct BceWithLogits {
    static constexpr bool uses_logits = true;
    static constexpr bool outputs_probability = true;
    static constexpr bool uses_targets = true;
    static constexpr const char* name = "bce-logits";
    template <class B, class T = typename B::scalar>
    static T discriminator_loss(std::span<const T> out, Side, std::span<const T> target, std::span<T> grad) {
        return loss::bce_with_logits<B>(out, target, grad);
    }
    template <class B, class T = typename B::scalar>
    static T generator_loss(std::span<const T> out, std::span<T> grad, std::span<T> ones) {
        return loss::bce_with_logits<B>(out, std::span<const T>(ones), grad);
    }
    template <class T>
    XGAN_HD static T probability(T out) { return T(1) / (T(1) + std::exp(-out)); }
};

namespace detail {
struct Identity {
    template <class T>
    XGAN_HD T operator()(T x) const { return x; }
};
struct Square {
    template <class T>
    XGAN_HD T operator()(T x) const { return x * x; }
};

// Loss sign*mean(out) with its gradient.
template <class B, class T>
T signed_mean(std::span<const T> out, T sign, std::span<T> grad) {
    B::fill(grad.data(), grad.size(), sign / T(out.size()));
    return T(double(sign) * B::sum(out.size(), Identity{}, out.data()) / double(out.size()));
}

struct DriftGrad {  // g + 2 eps x / n
    double eps, n;
    template <class T>
    XGAN_HD T operator()(T g, T x) const { return g + T(2) * T(eps) * x / T(n); }
};
struct HingeTerm {  // relu(1 - sign x)
    double sign;
    template <class T>
    XGAN_HD T operator()(T x) const { return T(1) - T(sign) * x > T(0) ? T(1) - T(sign) * x : T(0); }
};
struct HingeGrad {
    double sign, n;
    template <class T>
    XGAN_HD T operator()(T x) const { return T(1) - T(sign) * x > T(0) ? -T(sign) / T(n) : T(0); }
};
struct SquaredError {  // (x - t)^2
    template <class T>
    XGAN_HD T operator()(T x, T t) const { return (x - t) * (x - t); }
};
struct ErrorOverN {  // (x - t) / n
    double n;
    template <class T>
    XGAN_HD T operator()(T x, T t) const { return (x - t) / T(n); }
};
}  // namespace detail

// Wasserstein GAN: the critic maximises mean D(real) - mean D(fake) (loss: mean D(fake) -
// mean D(real)); the generator minimises -mean D(G(z)). D outputs an unbounded score.
struct Wasserstein {
    static constexpr bool uses_logits = true;
    static constexpr bool outputs_probability = false;
    static constexpr bool uses_targets = false;
    static constexpr const char* name = "wasserstein";
    static constexpr const char* penalised_name = "wgan-gp";  // GradientPenalty<Wasserstein>'s
    template <class B, class T = typename B::scalar>
    static T discriminator_loss(std::span<const T> out, Side side, std::span<const T>, std::span<T> grad) {
        return detail::signed_mean<B>(out, side == Side::real ? T(-1) : T(1), grad);
    }
    template <class B, class T = typename B::scalar>
    static T generator_loss(std::span<const T> out, std::span<T> grad, std::span<T>) {
        return detail::signed_mean<B>(out, T(-1), grad);
    }
    template <class T>
    XGAN_HD static T probability(T out) { return out; }
};

// PGGAN's critic loss (Karras et al. 2018): Wasserstein's plus the drift term Epsilon * mean
// D(real)², which keeps the critic's scores from drifting far from 0 (the paper's Epsilon is
// 0.001). The generator's loss is Wasserstein's.
template <Ratio Epsilon = Ratio{1, 1000}>
struct WassersteinDrift : Wasserstein {
    static constexpr const char* name = "wasserstein-drift";
    static constexpr const char* penalised_name = "wgan-gp-drift";
    static constexpr double drift = Epsilon.value();
    template <class B, class T = typename B::scalar>
    static T discriminator_loss(std::span<const T> out, Side side, std::span<const T> target, std::span<T> grad) {
        T loss = Wasserstein::discriminator_loss<B>(out, side, target, grad);
        if (side == Side::fake) return loss;
        const double n = double(out.size());
        B::map(out.size(), detail::DriftGrad{drift, n}, grad.data(), grad.data(), out.data());
        return T(double(loss) + drift * B::sum(out.size(), detail::Square{}, out.data()) / n);
    }
};

// Hinge loss (SAGAN, BigGAN): D: mean relu(1 - D(real)) + mean relu(1 + D(fake)); G: -mean D(G(z)).
struct Hinge {
    static constexpr bool uses_logits = true;
    static constexpr bool outputs_probability = false;
    static constexpr bool uses_targets = false;
    static constexpr const char* name = "hinge";
    template <class B, class T = typename B::scalar>
    static T discriminator_loss(std::span<const T> out, Side side, std::span<const T>, std::span<T> grad) {
        const double sign = side == Side::real ? 1 : -1;  // real: relu(1 - out), fake: relu(1 + out)
        const double n = double(out.size());
        B::map(out.size(), detail::HingeGrad{sign, n}, grad.data(), out.data());
        return T(B::sum(out.size(), detail::HingeTerm{sign}, out.data()) / n);
    }
    template <class B, class T = typename B::scalar>
    static T generator_loss(std::span<const T> out, std::span<T> grad, std::span<T>) {
        return detail::signed_mean<B>(out, T(-1), grad);
    }
    template <class T>
    XGAN_HD static T probability(T out) { return out; }
};

// Least-squares GAN: D: 0.5 mean (D(x) - target)^2; G: 0.5 mean (D(G(z)) - 1)^2; D is linear at the end.
struct LeastSquares {
    static constexpr bool uses_logits = true;
    static constexpr bool outputs_probability = false;
    static constexpr bool uses_targets = true;
    static constexpr const char* name = "lsgan";
    template <class B, class T = typename B::scalar>
    static T discriminator_loss(std::span<const T> out, Side, std::span<const T> target, std::span<T> grad) {
        const double n = double(out.size());
        B::map(out.size(), detail::ErrorOverN{n}, grad.data(), out.data(), target.data());
        return T(0.5 * B::sum(out.size(), detail::SquaredError{}, out.data(), target.data()) / n);
    }
    template <class B, class T = typename B::scalar>
    static T generator_loss(std::span<const T> out, std::span<T> grad, std::span<T> ones) {
        return discriminator_loss<B>(std::span<const T>(out), Side::real, std::span<const T>(ones), grad);
    }
    template <class T>
    XGAN_HD static T probability(T out) { return out; }
};

enum class PenaltyKind { interpolates, real };

// WGAN-GP's penalty: lambda * mean (||∇x D(x̂)||₂ - 1)², x̂ = real + α (fake - real), α ~ U(0, 1).
template <class Base, Ratio Lambda = Ratio{10, 1}>
struct GradientPenalty : Base {
    static constexpr const char* name = [] {
        if constexpr (requires { Base::penalised_name; }) return Base::penalised_name;  // wgan-gp, wgan-gp-drift
        else return "gradient-penalty";
    }();
    static constexpr PenaltyKind penalty_kind = PenaltyKind::interpolates;
    static constexpr double penalty_weight = Lambda.value();
};

// R1: gamma / 2 * mean ||∇x D(x_real)||₂².
template <class Base, Ratio Gamma = Ratio{10, 1}>
struct R1Penalty : Base {
    static constexpr const char* name = "r1";
    static constexpr PenaltyKind penalty_kind = PenaltyKind::real;
    static constexpr double penalty_weight = Gamma.value();
};

template <class O>
concept HasPenalty = requires { O::penalty_kind; O::penalty_weight; };

// Throws Error when `labels` cannot mean anything under Objective: smoothing, noise or flipping
// for an objective that ignores targets (its loss would silently stay the plain one), targets
// outside [0, 1] for the BCE objectives, and ranges or probabilities that are not ranges.
template <class Objective>
void check_labels(const LabelOptions& labels) {
    const auto range = [](const char* what, double lo, double hi) {
        if (!(lo <= hi))
            throw Error(std::string("label options: the ") + what + " target range [" + shortest_text(lo) + ", " +
                        shortest_text(hi) + "] is empty");
    };
    range("real", labels.real_low, labels.real_high);
    range("fake", labels.fake_low, labels.fake_high);
    if (!(labels.flip >= 0 && labels.flip <= 1))
        throw Error("label options: the flip probability " + shortest_text(labels.flip) + " is outside [0, 1]");
    if constexpr (!Objective::uses_targets) {
        if (labels.real_low != 1 || labels.real_high != 1 || labels.fake_low != 0 || labels.fake_high != 0 || labels.flip != 0)
            throw Error(std::string("label options: the ") + Objective::name +
                        " objective does not use targets (its loss depends only on whether a batch is real or generated), "
                        "so label smoothing, label noise and label flipping would change nothing; leave them off");
    } else if constexpr (Objective::outputs_probability) {
        if (labels.real_low < 0 || labels.real_high > 1 || labels.fake_low < 0 || labels.fake_high > 1)
            throw Error(std::string("label options: the ") + Objective::name +
                        " objective needs targets in [0, 1] (they are probabilities)");
    }
}

}  // namespace xgan::objective
