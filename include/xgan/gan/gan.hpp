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
                  "xgan: this objective (BCE with logits, Wasserstein, hinge, least squares) works on the raw "
                  "score, but the discriminator ends with a Sigmoid: remove the Sigmoid (or use objective::Bce).");
    static constexpr bool value = false;
};

// A gradient penalty or R1 needs exact second-order passes through every critic layer.
template <class Layer>
struct critic_layer_has_no_exact_second_order {
    static_assert(dependent_false<Layer>,
                  "xgan: a gradient penalty (WGAN-GP, R1) needs the exact second-order (tangent) passes of every "
                  "critic layer, and the layer named in critic_layer_has_no_exact_second_order<Layer> has none "
                  "(BatchNorm mixes the samples of a batch): remove it from the critic or use LayerNorm.");
    static constexpr bool value = false;
};

namespace detail {
// value: every layer of Net has tangent passes; instantiating it fails naming the first that has none.
template <class Net>
struct SecondOrderCheck {
    static constexpr bool value = []<std::size_t... I>(std::index_sequence<I...>) {
        return (std::conditional_t<HasTangentPasses<typename Net::template layer_t<I>>, std::true_type,
                                   critic_layer_has_no_exact_second_order<typename Net::template layer_t<I>>>::value &&
                ...);
    }(std::make_index_sequence<Net::depth>{});
};
}  // namespace detail

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
    static_assert(std::conditional_t<::xgan::objective::HasPenalty<Objective>, detail::SecondOrderCheck<discriminator>,
                                     std::true_type>::value);
};

}  // namespace xgan
