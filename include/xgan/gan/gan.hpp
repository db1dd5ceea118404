#pragma once
// Gan<G, D, Noise, Objective>: binds a generator spec, a discriminator spec, the noise shape
// and the objective into one type, and checks at compile time that they fit: G takes the
// noise (its first layer checks), D takes G's output (D's first layer checks), D outputs one
// number per sample, and a Sigmoid-ended D is not paired with a logits objective.
#include "xgan/backend/cpu.hpp"
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

namespace detail {
// Shape<D0 + K, rest...>: K more channels (label planes) in front of the first dimension.
template <ShapeType S, std::size_t K>
struct WithChannels;
template <std::size_t D0, std::size_t... Rest, std::size_t K>
struct WithChannels<Shape<D0, Rest...>, K> {
    using type = Shape<D0 + K, Rest...>;
};
}  // namespace detail

// What Gan and ConditionalGan share. With Classes > 0 the label enters G as a one-hot vector
// (or one-hot planes) concatenated to z, and D as one-hot planes concatenated to the image's
// channels: G takes Noise with Classes more leading entries, D takes the sample with Classes
// more channels.
template <class GSpec, class DSpec, ShapeType Noise, std::size_t Classes, class Objective, class B>
struct GanTypes {
    using noise_shape = Noise;
    using generator_input = typename detail::WithChannels<Noise, Classes>::type;
    using generator = Network<GSpec, generator_input, B>;
    using sample_shape = typename generator::output_shape;
    using discriminator_input = typename detail::WithChannels<sample_shape, Classes>::type;
    using discriminator = Network<DSpec, discriminator_input, B>;
    using objective = Objective;
    using backend = B;
    static constexpr std::size_t classes = Classes;

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

template <class GSpec, class DSpec, ShapeType Noise, class Objective = objective::Bce, class B = Cpu>
struct Gan : GanTypes<GSpec, DSpec, Noise, 0, Objective, B> {};

// A conditional GAN over Classes labels (cGAN): ConditionalGan<G, D, Shape<100>, 10> has
// G: Shape<110> -> sample, D: (C + 10, H, W) -> 1.
template <class GSpec, class DSpec, ShapeType Noise, std::size_t Classes, class Objective = objective::Bce, class B = Cpu>
struct ConditionalGan : GanTypes<GSpec, DSpec, Noise, Classes, Objective, B> {
    static_assert(Classes > 1, "xgan: a conditional GAN needs at least two classes");
};

// The same GAN type on another backend: with_backend_t<Dcgan::gan, Cuda> is Dcgan's pair with
// its objective, trained on the GPU.
template <class GanT, class B>
struct with_backend;
template <class GSpec, class DSpec, ShapeType Noise, class Objective, class B0, class B>
struct with_backend<Gan<GSpec, DSpec, Noise, Objective, B0>, B> {
    using type = Gan<GSpec, DSpec, Noise, Objective, B>;
};
template <class GSpec, class DSpec, ShapeType Noise, std::size_t Classes, class Objective, class B0, class B>
struct with_backend<ConditionalGan<GSpec, DSpec, Noise, Classes, Objective, B0>, B> {
    using type = ConditionalGan<GSpec, DSpec, Noise, Classes, Objective, B>;
};
template <class GanT, class B>
using with_backend_t = typename with_backend<GanT, B>::type;

}  // namespace xgan
