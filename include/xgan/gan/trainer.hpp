#pragma once
// GanTrainer: owns a GAN's two networks, their optimizers and the random stream, and runs
// one training step at a time:
//   D.forward/backward on real -> G.forward on noise -> D.forward/backward on fake (detached)
//   -> Adam(D) -> D.forward on fake, backward to the input only -> G.backward -> Adam(G).
// Every buffer is a member sized from the static shapes and the largest batch seen, so after
// the first step a step allocates nothing. A non-finite loss throws NumericError before any
// weight changes, so the last good weights stay as they were.
//
// Data-parallel (set_communicator): every rank holds the same weights and is given its shard
// (distributed::shard_of) of each global batch. Its random numbers are the global batch's for
// its rows (targets, z, ε, instance noise and Dropout masks come from counter-based streams,
// where a value depends only on its place in the global batch; fake labels are drawn on the
// host for the whole batch). It scales its loss gradients by shard/global and sums the
// parameter gradients over the ranks before each optimizer step: the step is one process's
// step on the global batch, up to the order of the float sums. BatchNorm uses each rank's statistics (as PyTorch's DDP) unless synchronized.
//
// Two stabilisers are options: experience replay (D's fake batch mixes in past fakes from a
// ReplayBuffer; G's update still goes through the new ones) and an exponential moving average
// of G's weights (WeightAverage), which generate() samples when it is on.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/core/host_device.hpp"
#include "xgan/distributed/communicator.hpp"
#include "xgan/gan/conditioning.hpp"
#include "xgan/gan/gan.hpp"
#include "xgan/gan/labels.hpp"
#include "xgan/gan/penalty.hpp"
#include "xgan/gan/replay.hpp"
#include "xgan/nn/weight_average.hpp"
#include "xgan/optim/optimizer.hpp"

namespace xgan {

namespace detail {
// The trainer's element-wise maps (backend kernels take them as functors).
struct Scale {  // x k, in double
    double k;
    template <class T>
    XGAN_HD T operator()(T x) const { return T(double(x) * k); }
};
struct Clamp {  // x clamped to [-c, c]
    double c;
    template <class T>
    XGAN_HD T operator()(T x) const { return std::clamp(x, -T(c), T(c)); }
};
struct Add {
    template <class T>
    XGAN_HD T operator()(T x, T y) const { return x + y; }
};
template <class T>
struct Interpolate {  // r + a[sample] (f - r)
    const T* a;
    template <class X>
    XGAN_HD X operator()(backend::Index k, X r, X f) const { return r + X(a[k.o]) * (f - r); }
};
template <class Objective>
struct Probability {
    template <class T>
    XGAN_HD T operator()(T x) const { return Objective::probability(x); }
};
}  // namespace detail

struct GanOptions {
    // Each network's optimizer (default: Adam, lr 2e-4, betas (0.5, 0.999), DCGAN's).
    optim::OptimizerOptions generator_optimizer = optim::OptimizerOptions::adam(2e-4, 0.5, 0.999);
    optim::OptimizerOptions discriminator_optimizer = optim::OptimizerOptions::adam(2e-4, 0.5, 0.999);
    LabelOptions labels{};
    double instance_noise = 0;  // stddev of N(0, s^2) noise added to every D input (real and fake)
    Init init = Init::pytorch;
    // G updates per generator_step (so per train_step), counted as one step of steps(); the
    // first reuses D's fake batch unless fresh_noise, every later one draws new noise.
    int generator_steps = 1;
    bool fresh_noise = false;  // G's step draws its own z, as tutorials that call G twice do
    double clip = 0;           // > 0: D's weights clamped to [-clip, clip] after each D update (WGAN)
    // D's loss (and so its gradient) is (loss on real + loss on fake) / 2, as some tutorials
    // write it; a penalty is added unhalved.
    bool halve_discriminator_loss = false;
    // Experience replay: > 0, each new fake of D's batch is swapped for a stored past fake with
    // this probability, once the buffer holds replay_size fakes (see ReplayBuffer).
    double replay = 0;
    std::size_t replay_size = 512;
    // > 0: an exponential moving average of G's weights with this decay (0.999: about the last
    // thousand steps) is kept, and generate() samples it.
    double ema = 0;
};

struct StepStats {
    double d_loss = 0;  // loss on real + loss on fake (+ penalty), as the tutorials log it
    double g_loss = 0;
    double d_real = 0;  // mean D(x): a probability, or the critic's score for Wasserstein-type objectives
    double d_fake = 0;  // mean D(G(z)) before D's update
    double penalty = 0;      // gradient penalty or R1 term (weighted), when the objective has one
    double wasserstein = 0;  // mean D(real) - mean D(fake), for critic objectives
};

template <class GanT>
class GanTrainer {
public:
    using G = typename GanT::generator;
    using D = typename GanT::discriminator;
    using Noise = typename GanT::noise_shape;
    using GIn = typename GanT::generator_input;       // Noise, or noise and one-hot label
    using Sample = typename GanT::sample_shape;
    using DIn = typename GanT::discriminator_input;   // Sample, or sample and label planes
    using Objective = typename GanT::objective;
    using B = typename GanT::backend;
    using T = typename B::scalar;
    using DOut = typename D::output_shape;
    using Labels = std::span<const std::int32_t>;
    static constexpr std::size_t classes = GanT::classes;
    static constexpr bool conditional = classes > 0;

    // Throws Error when options.labels make no sense for the objective (objective::check_labels).
    GanTrainer(const GanOptions& options, std::uint64_t seed)
        : options_(checked(options)), rng_(seed), opt_g_(init_params(g_), options.generator_optimizer),
          opt_d_(init_params(d_), options.discriminator_optimizer), d_params_(trainable_parameters(d_)),
          g_params_(trainable_parameters(g_)) {
        if (options_.replay > 0) replay_ = ReplayBuffer<T>(options_.replay, options_.replay_size, DIn::size);
        if (options_.ema > 0) ema_.emplace(g_, options_.ema);
    }

    // Trains data-parallel over comm's ranks (nullptr: one process). Every step's batch is
    // then this rank's shard_of(global batch); sync_batchnorm: BatchNorm normalises with the
    // statistics of the global batch (as torch.nn.SyncBatchNorm), so a step equals one
    // process's step on the global batch. Call it before the first step, on every rank.
    void set_communicator(distributed::Communicator* comm, bool sync_batchnorm = false) {
        comm_ = comm && comm->size() > 1 ? comm : nullptr;
        const auto attach = [&](auto& layer, std::size_t) {
            if constexpr (requires { layer.set_batch_offset_source(&shard_.begin); })
                layer.set_batch_offset_source(comm_ ? &shard_.begin : nullptr);
            if constexpr (requires { layer.set_synchronized(comm_); })
                layer.set_synchronized(sync_batchnorm ? comm_ : nullptr);
        };
        g_.for_each_layer(attach);
        d_.for_each_layer(attach);
    }
    distributed::Communicator* communicator() const { return comm_; }

    // One D update and options.generator_steps G updates; G's first step reuses the noise and
    // fake batch of D's step, as the PyTorch tutorials do, unless options.fresh_noise.
    // Conditional GANs take the real batch's labels. g_loss is the last G step's.
    StepStats train_step(const Tensor<Sample, B>& real, Labels labels = {}) {
        StepStats s = discriminator_step(real, labels);
        s.g_loss = generator_step(false, real.batch());
        return s;
    }

    // One critic/discriminator update on a real batch and as many generated samples (with
    // uniformly drawn labels, for conditional GANs).
    StepStats discriminator_step(const Tensor<Sample, B>& real, Labels labels = {}) {
        const std::size_t n = real.batch();
        if constexpr (conditional) check_labels(labels, n);
        begin_batch(n);
        StepStats s;
        d_grad_.resize(n);

        // Discriminator on real data.
        const auto& real_in = d_input(noisy(real, noisy_real_), labels, d_real_in_);
        const auto& out_real = d_.forward(real_in, Mode::train);
        s.d_loss = Objective::template discriminator_loss<B>(out_real.values(), objective::Side::real, draw_targets(true),
                                                  d_grad_.values());
        s.d_real = mean_probability(out_real);
        halve_if_asked(s.d_loss);
        scale_loss_gradient();
        d_.backward(d_grad_, nullptr);

        // Discriminator on generated data (no gradient flows into G here).
        const auto& fake_in = generate_fake(n);
        const auto& d_fake_in = replayed(fake_in);
        const auto& out_fake = d_.forward(d_fake_in, Mode::train);
        double fake_loss = Objective::template discriminator_loss<B>(out_fake.values(), objective::Side::fake, draw_targets(false),
                                                         d_grad_.values());
        halve_if_asked(fake_loss);
        scale_loss_gradient();
        s.d_loss += fake_loss;
        s.d_fake = mean_probability(out_fake);
        d_.backward(d_grad_, nullptr);
        if constexpr (objective::HasPenalty<Objective>) {  // after the fake pass: it reruns D's forward
            s.penalty = penalty(real_in, d_fake_in);
            s.d_loss += s.penalty;
        }
        if (comm_) {  // the global batch's means
            double means[4] = {s.d_loss * grad_scale_, s.d_real * grad_scale_, s.d_fake * grad_scale_, s.penalty * grad_scale_};
            comm_->sum(means, 4);
            s.d_loss = means[0], s.d_real = means[1], s.d_fake = means[2], s.penalty = means[3];
        }
        if constexpr (!Objective::outputs_probability) s.wasserstein = s.d_real - s.d_fake;
        check_finite(s.d_loss, "discriminator loss");
        sum_gradients(d_params_);
        opt_d_.step();
        if (options_.clip > 0) clip_discriminator();
        fake_in_ = &fake_in;
        ++d_steps_;
        return s;
    }

    // options.generator_steps generator updates through the updated, frozen discriminator, one
    // step of steps(); returns the last update's loss. fresh_noise (or options.fresh_noise):
    // the first update draws new z (and labels) for n samples (WGAN's critic loops); otherwise
    // it reuses the last discriminator step's fake batch. Later updates always draw new z.
    double generator_step(bool fresh_noise, std::size_t n = 0) {
        double g_loss = 0;
        for (int k = 0; k < options_.generator_steps; ++k) g_loss = generator_update(fresh_noise || options_.fresh_noise || k > 0, n);
        ++steps_;
        return g_loss;
    }

    // G(z) (with labels, for conditional GANs) in the given mode (eval: BatchNorm uses running
    // statistics, Dropout is off), from sampling_generator().
    const Tensor<Sample, B>& generate(const Tensor<Noise, B>& z, Mode mode = Mode::eval, Labels labels = {}) {
        if constexpr (conditional) {
            check_labels(labels, z.batch());
            return sampling_generator().forward(g_input(z, labels, g_in_), mode);
        } else {
            return sampling_generator().forward(z, mode);
        }
    }

    G& generator() { return g_; }
    // The average of G's weights (options.ema > 0), else null.
    G* averaged_generator() { return ema_ ? &ema_->net() : nullptr; }
    // What samples are drawn from: the average when there is one, else G.
    G& sampling_generator() { return ema_ ? ema_->net() : g_; }
    // The experience replay buffer (options.replay > 0), else null.
    ReplayBuffer<T>* replay_buffer() { return options_.replay > 0 ? &replay_ : nullptr; }
    D& discriminator() { return d_; }
    optim::Optimizer<T, B>& generator_optimizer() { return opt_g_; }
    optim::Optimizer<T, B>& discriminator_optimizer() { return opt_d_; }
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
    std::int64_t discriminator_steps() const { return d_steps_; }
    void set_discriminator_steps(std::int64_t s) { d_steps_ = s; }
    const GanOptions& options() const { return options_; }

private:
    // One generator update (see generator_step).
    double generator_update(bool fresh_noise, std::size_t n) {
        if (fresh_noise || !fake_in_) {
            n = n ? n : z_.batch();
            begin_batch(n);
            fake_in_ = &generate_fake(n);
        }
        n = fake_in_->batch();
        targets_.resize(n);
        d_grad_.resize(n);
        const auto& out_g = d_.forward(*fake_in_, Mode::train);
        B::fill(targets_.data(), n, T(1));
        double g_loss = Objective::template generator_loss<B>(out_g.values(), d_grad_.values(), std::span<T>(targets_.data(), n));
        scale_loss_gradient();
        if (comm_) {
            g_loss *= grad_scale_;
            comm_->sum(&g_loss, 1);
        }
        check_finite(g_loss, "generator loss");
        if constexpr (conditional) {
            d_.backward(d_grad_, &d_input_grad_, ParamGrads::skip);
            take_image_channels(d_input_grad_, fake_grad_);  // the label planes' gradient goes nowhere
        } else {
            d_.backward(d_grad_, &fake_grad_, ParamGrads::skip);
        }
        g_.backward(fake_grad_, nullptr);
        sum_gradients(g_params_);
        opt_g_.step();
        if (ema_) ema_->update();
        fake_in_ = nullptr;
        return g_loss;
    }

    static const GanOptions& checked(const GanOptions& options) {
        objective::check_labels<Objective>(options.labels);
        if (options.generator_steps < 1)
            throw Error("GanOptions: generator_steps is " + std::to_string(options.generator_steps) + ", at least 1 is needed");
        if (!(options.clip >= 0)) throw Error("GanOptions: clip is " + shortest_text(options.clip) + ", not >= 0");
        if (!(options.instance_noise >= 0))
            throw Error("GanOptions: instance_noise is " + shortest_text(options.instance_noise) + ", not >= 0");
        if (!(options.replay >= 0 && options.replay <= 1))
            throw Error("GanOptions: replay is " + shortest_text(options.replay) + ", not a probability in [0, 1]");
        if (options.replay > 0 && options.replay_size == 0) throw Error("GanOptions: replay_size is 0; the buffer needs a sample");
        if (!(options.ema >= 0 && options.ema < 1))
            throw Error("GanOptions: ema is " + shortest_text(options.ema) + ", not a decay in [0, 1)");
        return options;
    }

    // A loss and the gradient it just wrote into d_grad_, halved when the options ask.
    void halve_if_asked(double& loss) {
        if (!options_.halve_discriminator_loss) return;
        loss /= 2;
        B::map(d_grad_.size(), detail::Scale{0.5}, d_grad_.data(), d_grad_.data());
    }

    // The original WGAN's Lipschitz constraint: every trained weight of D clamped to [-c, c].
    void clip_discriminator() {
        for (const auto& p : d_params_) B::map(p.size, detail::Clamp{options_.clip}, p.value, p.value);
    }
    template <class Net>
    Net& init_params(Net& net) {
        net.reset_parameters(rng_, options_.init);
        return net;
    }
    // The shard of the next global batch: one process's whole batch, or this rank's rows of
    // the sum of the ranks' batches.
    void begin_batch(std::size_t n) {
        if (!comm_) {
            shard_ = {0, n, n};
            grad_scale_ = 1;
            return;
        }
        double global = double(n);
        comm_->sum(&global, 1);
        shard_ = distributed::shard_of(std::size_t(global), comm_->rank(), comm_->size());
        if (shard_.count != n || n == 0)
            throw Error("data-parallel step: rank " + std::to_string(comm_->rank()) + " has " + std::to_string(n) +
                        " samples of a global batch of " + std::to_string(shard_.global) + ", where shard_of gives it " +
                        std::to_string(shard_.count));
        grad_scale_ = double(n) / double(shard_.global);
    }

    // n values per sample of this rank's rows into B's memory at out, each f of the counter-
    // based stream started by one draw of rng_ (core/rng.hpp): the rows take the global batch's
    // values, as one process would draw them.
    template <class Draw>
    void draw_rows(T* out, std::size_t per_sample, const Draw& f) {
        B::counter_map(shard_.count * per_sample, rng_.counter_start(shard_.begin, per_sample), f, out);
    }

    // D's targets for the batch's side (label smoothing, noise and flips drawn for the global batch).
    std::span<const T> draw_targets(bool real) {
        targets_.resize(shard_.count);
        const LabelOptions& o = options_.labels;
        if (targets_drawn(o))
            draw_rows(targets_.data(), 1, TargetDraw{o, real});
        else
            B::fill(targets_.data(), shard_.count, T(real ? o.real_low : o.fake_low));
        return {targets_.data(), shard_.count};
    }

    // Data-parallel: the loss gradient just written to d_grad_ becomes that of the global
    // batch's mean (this shard's part), so every backward sums to the global gradient.
    void scale_loss_gradient() {
        if (grad_scale_ == 1) return;
        B::map(d_grad_.size(), detail::Scale{grad_scale_}, d_grad_.data(), d_grad_.data());
    }

    // Data-parallel: each parameter gradient summed over the ranks, in buckets of at most 4M values.
    void sum_gradients(const std::vector<ParamRef<T>>& params) {
        if (!comm_) return;
        constexpr std::size_t bucket_limit = std::size_t(1) << 22;
        std::size_t first = 0;
        while (first < params.size()) {
            std::size_t last = first, total = 0;
            while (last < params.size() && (total == 0 || total + params[last].size <= bucket_limit)) total += params[last++].size;
            bucket_.resize(total);
            std::size_t at = 0;
            for (std::size_t i = first; i < last; at += params[i++].size)
                B::copy_to_host(static_cast<const T*>(params[i].grad), params[i].size, bucket_.data() + at);
            comm_->sum(bucket_.data(), total);
            at = 0;
            for (std::size_t i = first; i < last; at += params[i++].size)
                B::copy_from_host(static_cast<const T*>(bucket_.data() + at), params[i].size, params[i].grad);
            first = last;
        }
    }

    void check_labels(Labels labels, std::size_t n) const {
        if (labels.size() != n)
            throw Error("conditional GAN: " + std::to_string(labels.size()) + " labels for a batch of " + std::to_string(n));
        const auto bad = std::find_if(labels.begin(), labels.end(),
                                      [](std::int32_t l) { return l < 0 || std::size_t(l) >= classes; });
        if (bad != labels.end())
            throw Error("conditional GAN: label " + std::to_string(*bad) + " of sample " +
                        std::to_string(bad - labels.begin()) + " is outside [0, " + std::to_string(classes) + ")");
    }

    // n new fake samples (z ~ N(0, 1), labels uniform) as D's input.
    const Tensor<DIn, B>& generate_fake(std::size_t n) {
        z_.resize(n);
        draw_rows(z_.data(), Noise::size, NormalDraw{});
        if constexpr (conditional) {
            fake_labels_.resize(shard_.global);  // drawn for the global batch; this shard's rows used
            rng_.fill_below(fake_labels_.data(), fake_labels_.size(), classes);
            const Labels labels = Labels(fake_labels_).subspan(shard_.begin, n);
            const auto& fake = g_.forward(g_input(z_, labels, g_in_), Mode::train);
            return d_input(noisy(fake, noisy_fake_), labels, d_fake_in_);
        } else {
            return noisy(g_.forward(z_, Mode::train), noisy_fake_);
        }
    }

    // [z, one-hot(label)] as the tutorials' torch.cat((z, onehot), 1); for (C, H, W) noise the
    // label is C' one-hot planes after z's channels.
    const Tensor<GIn, B>& g_input(const Tensor<Noise, B>& z, Labels labels, Tensor<GIn, B>& out) {
        return append_label_planes(z, labels, out, label_scratch_);
    }

    // x for unconditional GANs; [x, one-hot(label) planes] for conditional ones.
    const Tensor<DIn, B>& d_input(const Tensor<Sample, B>& x, Labels labels, Tensor<DIn, B>& out) {
        if constexpr (!conditional) {
            return x;
        } else {
            return append_label_planes(x, labels, out, label_scratch_);
        }
    }

    void take_image_channels(const Tensor<DIn, B>& from, Tensor<Sample, B>& to) {
        to.resize(from.batch());
        B::copy_blocks({from.batch(), 1, Sample::size, DIn::size, 0, Sample::size, 0}, from.data(), to.data());
    }

    // Adds the penalty's exact parameter gradient (tangent pass along v = dP/d∇x D, then its
    // backward) to D's gradients and returns the penalty. real and fake are D's inputs (for
    // conditional GANs with their label planes, which are interpolated alike).
    double penalty(const Tensor<DIn, B>& real, const Tensor<DIn, B>& fake)
        requires objective::HasPenalty<Objective>
    {
        const std::size_t n = real.batch();
        const Tensor<DIn, B>* at = &real;
        if constexpr (Objective::penalty_kind == objective::PenaltyKind::interpolates) {
            penalty_x_.resize(n);
            if (shard_epsilons_.size() < n) shard_epsilons_.resize(n);
            draw_rows(shard_epsilons_.data(), 1, UniformDraw{});  // one ε per sample
            B::indexed_map({n, DIn::size, 1}, detail::Interpolate<T>{shard_epsilons_.data()}, penalty_x_.data(),
                           real.data(), fake.data());
            at = &penalty_x_;
        }
        return gradient_penalty<Objective>(d_, *at, penalty_buffers_, Mode::train, ParamGrads::accumulate, grad_scale_);
    }

    // D's fake batch: the new fakes, with past ones mixed in under experience replay. Data-
    // parallel, every rank gathers the global batch's fakes (a sum in which the other ranks add
    // zeros, so exact) and mixes them as one process would, into the same buffer on every rank.
    const Tensor<DIn, B>& replayed(const Tensor<DIn, B>& fake) {
        if (options_.replay <= 0) return fake;
        const std::size_t n = fake.batch();
        replayed_.resize(n);
        // the buffer of past fakes lives on the host: the batch goes there and back
        global_fakes_.assign(shard_.global * DIn::size, T(0));
        B::copy_to_host(fake.data(), fake.size(), global_fakes_.data() + shard_.begin * DIn::size);
        if (comm_) comm_->sum(global_fakes_.data(), global_fakes_.size());
        replay_.mix(global_fakes_.data(), shard_.global, rng_);
        B::copy_from_host(static_cast<const T*>(global_fakes_.data() + shard_.begin * DIn::size), fake.size(),
                          replayed_.data());
        return replayed_;
    }

    // x, or x plus instance noise in `scratch`.
    const Tensor<Sample, B>& noisy(const Tensor<Sample, B>& x, Tensor<Sample, B>& scratch) {
        if (options_.instance_noise <= 0) return x;
        scratch.resize(x.batch());
        draw_rows(scratch.data(), Sample::size, NormalDraw{0.0, options_.instance_noise});
        B::map(x.size(), detail::Add{}, scratch.data(), scratch.data(), x.data());
        return scratch;
    }

    double mean_probability(const Tensor<DOut, B>& out) const {
        return B::sum(out.size(), detail::Probability<Objective>{}, out.data()) / double(out.size());
    }

    // On a non-finite loss, clears the gradients this step accumulated (they may hold NaN/Inf,
    // and the next step's optimizer would apply them) and throws.
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
    optim::Optimizer<T, B> opt_g_, opt_d_;
    std::vector<ParamRef<T>> d_params_, g_params_;         // clip, data-parallel sums: the trained tensors
    distributed::Communicator* comm_ = nullptr;             // data-parallel: the ranks
    distributed::Shard shard_;                              // this rank's rows of the current global batch
    double grad_scale_ = 1;                                 // shard / global batch
    std::vector<T> bucket_;                                 // data-parallel: gradients summed on the host
    typename B::template buffer<T> shard_epsilons_;         // penalty: this shard's ε, in B's memory
    std::vector<T> global_fakes_;                           // data-parallel replay: the global batch's fakes
    Tensor<Noise, B> z_;
    Tensor<GIn, B> g_in_;                                  // conditional: [z, one-hot label]
    Tensor<Sample, B> fake_grad_, noisy_real_, noisy_fake_;
    Tensor<DIn, B> d_real_in_, d_fake_in_, d_input_grad_;  // conditional: D's inputs with label planes
    Tensor<DIn, B> penalty_x_;                             // penalty: x̂
    Tensor<DIn, B> replayed_;                              // replay: D's fake batch
    ReplayBuffer<T> replay_;
    std::optional<WeightAverage<G>> ema_;
    PenaltyBuffers<D> penalty_buffers_;                    // penalty: ∇x D(x̂), v, ones, zeros
    const Tensor<DIn, B>* fake_in_ = nullptr;              // D's fake input of the last D step
    Tensor<DOut, B> d_grad_;
    typename B::template buffer<T> targets_;                // D's targets of a pass, in B's memory
    std::vector<std::int32_t> fake_labels_;
    typename B::template buffer<std::int32_t> label_scratch_;  // a batch's labels, in B's memory
    std::int64_t steps_ = 0;    // generator updates
    std::int64_t d_steps_ = 0;  // discriminator updates
};

}  // namespace xgan
