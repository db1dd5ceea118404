#pragma once
// Gan<G, D, Noise, Objective>: binds a generator spec, a discriminator spec, the noise shape
// and the objective into one type, and checks at compile time that they fit: G takes the
// noise (its first layer checks), D takes G's output (D's first layer checks), D outputs one
// number per sample, and a Sigmoid-ended D is not paired with a logits objective.
#include "xgan/core/static_checks.hpp"
#include "xgan/gan/objective.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/nn/sequential.hpp"

namespace xgan {

// D's output is not one number per sample.
template <class Discriminator, class OutputShape>
struct discriminator_must_output_one_value {
    static_assert(dependent_false<Discriminator>,
                  "xgan: a GAN's discriminator must output Shape<1> per sample; end it with Linear<N, 1> "
                  "(or a convolution to 1x1x1 followed by Flatten).");
    static constexpr bool value = false;
};

template <class Objective, class LastLayer>
struct objective_expects_logits_not_sigmoid {
    static_assert(dependent_false<Objective>,
                  "xgan: this objective works on logits, but the discriminator ends with a Sigmoid: remove the "
                  "Sigmoid or use objective::Bce.");
    static constexpr bool value = false;
};

template <class GSpec, class DSpec, ShapeType Noise, class Objective = objective::Bce, class B = Cpu>
struct Gan {
    using generator = Network<GSpec, Noise, B>;
    using sample_shape = typename generator::output_shape;
    using discriminator = Network<DSpec, sample_shape, B>;
    using noise_shape = Noise;
    using objective = Objective;
    using backend = B;

private:
    using d_out = typename discriminator::output_shape;
    static_assert(std::conditional_t<std::is_same_v<d_out, Shape<1>> || std::is_same_v<d_out, Shape<1, 1, 1>>,
                                     std::true_type, discriminator_must_output_one_value<DSpec, d_out>>::value);
    using d_last = typename discriminator::template layer_t<discriminator::depth - 1>;
    static constexpr bool ends_with_sigmoid =
        std::is_same_v<d_last, ActivationLayer<activation::Sigmoid, d_out, B>>;
    static_assert(std::conditional_t<!(Objective::uses_logits && ends_with_sigmoid), std::true_type,
                                     objective_expects_logits_not_sigmoid<Objective, d_last>>::value);
};

}  // namespace xgan
