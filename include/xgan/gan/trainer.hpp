#pragma once
// GanTrainer: owns a GAN's two networks, their optimizers and the random stream, and runs
// one training step at a time (DESIGN.md, "Data flow of one GAN step"):
//   D.forward/backward on real -> G.forward on noise -> D.forward/backward on fake (detached)
//   -> Adam(D) -> D.forward on fake, backward to the input only -> G.backward -> Adam(G).
// Every buffer is a member sized from the static shapes and the largest batch seen, so after
// the first step a step allocates nothing. A non-finite loss throws NumericError before any
// weight changes, so the last good weights stay as they were.
#include <cmath>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/gan/gan.hpp"
#include "xgan/gan/labels.hpp"
#include "xgan/optim/adam.hpp"

namespace xgan {

struct GanOptions {
    optim::AdamOptions generator_adam{2e-4, 0.5, 0.999};
    optim::AdamOptions discriminator_adam{2e-4, 0.5, 0.999};
    LabelOptions labels{};
    double instance_noise = 0;  // stddev of N(0, s^2) noise added to every D input (real and fake)
    Init init = Init::pytorch;
};

struct StepStats {
    double d_loss = 0;  // loss on real + loss on fake, as the tutorials log it
    double g_loss = 0;
    double d_real = 0;  // mean D(x), as a probability
    double d_fake = 0;  // mean D(G(z)) before D's update
};

template <class GanT>
class GanTrainer {
public:
    using G = typename GanT::generator;
    using D = typename GanT::discriminator;
    using Noise = typename GanT::noise_shape;
    using Sample = typename GanT::sample_shape;
    using Objective = typename GanT::objective;
    using B = typename GanT::backend;
    using T = typename B::scalar;
    using DOut = typename D::output_shape;

    GanTrainer(const GanOptions& options, std::uint64_t seed)
        : options_(options), rng_(seed), opt_g_(init_params(g_), options.generator_adam),
          opt_d_(init_params(d_), options.discriminator_adam) {}

    StepStats train_step(const Tensor<Sample, B>& real) {
        const std::size_t n = real.batch();
        StepStats s;
        targets_.resize(n);
        d_grad_.resize(n);

        // Discriminator on real data.
        const auto& out_real = d_.forward(noisy(real, noisy_real_), Mode::train);
        fill_targets(std::span<T>(targets_.data(), n), true, options_.labels, rng_);
        s.d_loss = Objective::discriminator_loss(out_real.values(), const_targets(n), d_grad_.values());
        s.d_real = mean_probability(out_real);
        d_.backward(d_grad_, nullptr);

        // Discriminator on generated data (no gradient flows into G here).
        z_.resize(n);
        rng_.fill_normal(z_.data(), z_.size());
        const auto& fake = g_.forward(z_, Mode::train);
        const auto& fake_in = noisy(fake, noisy_fake_);
        const auto& out_fake = d_.forward(fake_in, Mode::train);
        fill_targets(std::span<T>(targets_.data(), n), false, options_.labels, rng_);
        s.d_loss += Objective::discriminator_loss(out_fake.values(), const_targets(n), d_grad_.values());
        s.d_fake = mean_probability(out_fake);
        check_finite(s.d_loss, "discriminator loss");
        d_.backward(d_grad_, nullptr);
        opt_d_.step();

        // Generator through the updated, frozen discriminator.
        const auto& out_g = d_.forward(fake_in, Mode::train);
        std::fill(targets_.begin(), targets_.begin() + std::ptrdiff_t(n), T(1));
        s.g_loss = Objective::generator_loss(out_g.values(), d_grad_.values(), std::span<T>(targets_.data(), n));
        check_finite(s.g_loss, "generator loss");
        d_.backward(d_grad_, &fake_grad_, ParamGrads::skip);
        g_.backward(fake_grad_, nullptr);
        opt_g_.step();
        ++steps_;
        return s;
    }

    // G(z) in the given mode (eval: BatchNorm uses running statistics, Dropout is off).
    const Tensor<Sample, B>& generate(const Tensor<Noise, B>& z, Mode mode = Mode::eval) { return g_.forward(z, mode); }

    G& generator() { return g_; }
    D& discriminator() { return d_; }
    optim::Adam<T, B>& generator_optimizer() { return opt_g_; }
    optim::Adam<T, B>& discriminator_optimizer() { return opt_d_; }
    Rng& rng() { return rng_; }
    // f(Rng&) for every random stream of the run: the trainer's and those of layers with
    // their own (Dropout), in a fixed order; checkpoints save them all.
    template <class F>
    void visit_random_streams(F&& f) {
        f(rng_);
        g_.visit_random_streams(f);
        d_.visit_random_streams(f);
    }
    std::int64_t steps() const { return steps_; }
    void set_steps(std::int64_t s) { steps_ = s; }
    const GanOptions& options() const { return options_; }

private:
    template <class Net>
    Net& init_params(Net& net) {
        net.reset_parameters(rng_, options_.init);
        return net;
    }
    std::span<const T> const_targets(std::size_t n) const { return {targets_.data(), n}; }

    // x, or x plus instance noise in `scratch`.
    const Tensor<Sample, B>& noisy(const Tensor<Sample, B>& x, Tensor<Sample, B>& scratch) {
        if (options_.instance_noise <= 0) return x;
        scratch.resize(x.batch());
        rng_.fill_normal(scratch.data(), scratch.size(), 0.0, options_.instance_noise);
        for (std::size_t i = 0; i < x.size(); ++i) scratch[i] += x[i];
        return scratch;
    }

    double mean_probability(const Tensor<DOut, B>& out) const {
        double sum = 0;
        for (T v : out.values()) sum += double(Objective::probability(v));
        return sum / double(out.size());
    }

    // On a non-finite loss, clears the gradients accumulated so far in this step (they may hold
    // NaN/Inf, and the next step would apply them) and throws.
    void check_finite(double loss, const char* what) {
        if (std::isfinite(loss)) return;
        zero_grad(d_);
        zero_grad(g_);
        throw NumericError(std::string(what) + " is " + (std::isnan(loss) ? "NaN" : "infinite") + " at step " +
                               std::to_string(steps_ + 1) + "; training stopped, the weights of the last good step are kept");
    }

    GanOptions options_;
    Rng rng_;
    G g_;
    D d_;
    optim::Adam<T, B> opt_g_, opt_d_;
    Tensor<Noise, B> z_;
    Tensor<Sample, B> fake_grad_, noisy_real_, noisy_fake_;
    Tensor<DOut, B> d_grad_;
    std::vector<T> targets_;
    std::int64_t steps_ = 0;
};

}  // namespace xgan
