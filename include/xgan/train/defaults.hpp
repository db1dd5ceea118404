#pragma once
// TrainingDefaults: the settings a model trains with unless the user gives others (its
// tutorial's batch size, learning rate, Adam betas, epochs, weight init, labels and critic
// steps). Every model entry of the command-line front end carries one (xgan/cli/model.hpp).
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
};

}  // namespace xgan
