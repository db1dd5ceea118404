#pragma once
// GAN objectives: what the discriminator's output means and which loss trains each network.
// An objective provides
//   discriminator_loss(out, target, grad)  loss for one batch of D outputs and targets (1 real, 0 fake)
//   generator_loss(out, grad)              the generator's loss on D(G(z))
//   probability(out)                       D's output as a probability, for D(x) / D(G(z)) logs
//   uses_logits                            true when D's last layer must not be a Sigmoid
#include <cmath>
#include <span>

#include "xgan/loss/bce.hpp"

namespace xgan::objective {

// The original GAN with the non-saturating generator loss; D ends in a Sigmoid (BCELoss).
struct Bce {
    static constexpr bool uses_logits = false;
    static constexpr const char* name = "bce";
    template <class T>
    static T discriminator_loss(std::span<const T> out, std::span<const T> target, std::span<T> grad) {
        return loss::bce(out, target, grad);
    }
    template <class T>
    static T generator_loss(std::span<const T> out, std::span<T> grad, std::span<T> ones) {
        return loss::bce(out, std::span<const T>(ones), grad);
    }
    template <class T>
    static T probability(T out) { return out; }
};

// The same objective on logits (BCEWithLogitsLoss): D has no final Sigmoid; numerically stable.
struct BceWithLogits {
    static constexpr bool uses_logits = true;
    static constexpr const char* name = "bce-logits";
    template <class T>
    static T discriminator_loss(std::span<const T> out, std::span<const T> target, std::span<T> grad) {
        return loss::bce_with_logits(out, target, grad);
    }
    template <class T>
    static T generator_loss(std::span<const T> out, std::span<T> grad, std::span<T> ones) {
        return loss::bce_with_logits(out, std::span<const T>(ones), grad);
    }
    template <class T>
    static T probability(T out) { return T(1) / (T(1) + std::exp(-out)); }
};

}  // namespace xgan::objective
