#pragma once
// TrainingDefaults: the settings a model trains with unless the user gives others (its
// tutorial's batch size, learning rate, Adam betas, epochs, weight init, labels, critic and
// generator steps, stabilisers). Every model entry of the command-line front end carries one (xgan/cli/model.hpp).
#include <cstdint>

#include "xgan/gan/labels.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

struct TrainingDefaults {
    int batch_size = 64;
    double lr = 2e-4;
    double beta1 = 0.5, beta2 = 0.999;
    int epochs = 10;
    Init init = Init::pytorch;
    LabelOptions labels{};
    int critic_steps = 1;  // discriminator updates per generator update
    int generator_steps = 1;  // generator updates per generator step (GanOptions::generator_steps)
    double replay = 0;     // experience replay's swap probability (GanOptions::replay; 0: off)
    double ema = 0;        // decay of the average of G's weights (GanOptions::ema; 0: off)
    std::uint64_t growth_phase_images = 0;  // progressive growing (RunSettings::growth_phase_images; 0: off)
};

}  // namespace xgan
