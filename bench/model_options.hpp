#pragma once
// The trainer options of a tool model's defaults (M::defaults()): Adam with its rates and
// betas for G and D, its initialisation and its label settings, as the benchmarks train it.
#include <xgan/xgan.hpp>

template <class M>
xgan::GanOptions model_options() {
    const auto d = M::defaults();
    xgan::GanOptions o;
    o.generator_optimizer = xgan::optim::OptimizerOptions::adam(d.lr, d.beta1, d.beta2);
    o.discriminator_optimizer = xgan::optim::OptimizerOptions::adam(d.lr, d.beta1, d.beta2);
    o.init = d.init;
    o.labels = d.labels;
    return o;
}
