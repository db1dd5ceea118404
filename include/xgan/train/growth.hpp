#pragma once
// Progressive growing's schedule (PGGAN, Karras et al. 2018), counted in real images seen:
// stage 0 trains for `phase_images` images; every later stage first fades in over
// phase_images images (alpha rising linearly from 0 to 1) and then trains at alpha 1 for
// phase_images more. After the last stage's phases it stays at (last stage, 1).
//
// fit() applies it before every discriminator step to G, D and the average of G's weights,
// when RunSettings::growth_phase_images is set and the GAN's networks grow (their first layer
// is a ProgressiveGenerator / ProgressiveDiscriminator, nn/progressive.hpp). The growth is a
// function of the step count, so every rank of a data-parallel run and every resume agrees.
#include <cstddef>
#include <cstdint>

#include "xgan/gan/trainer.hpp"

namespace xgan::train {

struct Growth {
    std::size_t stage = 0;
    double alpha = 1.0;
    bool operator==(const Growth&) const = default;
};

// The point of the schedule after `images` real images, for a network of `stages` stages.
inline Growth growth_at(std::uint64_t phase_images, std::size_t stages, std::uint64_t images) {
    if (phase_images == 0 || stages < 2) return {stages ? stages - 1 : 0, 1.0};
    const std::uint64_t phase = images / phase_images;
    if (phase == 0) return {0, 1.0};
    const std::uint64_t stage = (phase - 1) / 2 + 1;
    if (stage >= stages) return {stages - 1, 1.0};
    if ((phase - 1) % 2 == 1) return {std::size_t(stage), 1.0};
    return {std::size_t(stage), double(images - phase * phase_images) / double(phase_images)};
}

// The GAN's generator and discriminator grow (one progressive layer each, at the front).
template <class GanT>
concept GrowingGan = requires(typename GanT::generator& g, typename GanT::discriminator& d) {
    g.template layer<0>().set_growth(std::size_t(0), 1.0);
    d.template layer<0>().set_growth(std::size_t(0), 1.0);
    { GanT::generator::template layer_t<0>::stages } -> std::convertible_to<std::size_t>;
};

template <GrowingGan GanT>
constexpr std::size_t growth_stages() {
    return GanT::generator::template layer_t<0>::stages;
}

// Sets every network of the trainer to `g`.
template <GrowingGan GanT>
void apply_growth(GanTrainer<GanT>& trainer, const Growth& g) {
    trainer.generator().template layer<0>().set_growth(g.stage, g.alpha);
    trainer.discriminator().template layer<0>().set_growth(g.stage, g.alpha);
    if (auto* average = trainer.averaged_generator()) average->template layer<0>().set_growth(g.stage, g.alpha);
}

}  // namespace xgan::train
