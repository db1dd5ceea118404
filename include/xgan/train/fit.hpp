#pragma once
// fit(): a whole training run of any Gan or ConditionalGan type on an image data set, kept in
// a run directory:
//   config.json, metrics.jsonl, TensorBoard events, samples/epoch_NNNN.png (64 fixed-noise
//   samples; conditional models: 8 of each class, a class per row; samples/step_NNNNNNN.png
//   every grid_every steps), generator.safetensors, discriminator.safetensors,
//   generator_ema.safetensors (with gan.ema: the average of G's weights, which the grids show),
//   checkpoints/step_NNNNNNN/ (exact resume), loss.png, report.html.
// It prints progress and health warnings (collapse, D winning outright), stops cleanly on
// Ctrl-C or SIGTERM (a checkpoint is written), and calls the hooks a program adds: after each
// step, after each epoch's grid, after each checkpoint, and at the end. The xgan tool's
// `train` command is this call with settings from its options (xgan/cli/train.hpp).
//
// Data-parallel (settings.communicator, e.g. an MpiCommunicator under mpirun): every rank
// calls fit() with the same data and settings; each trains on its shard of every global batch
// of batch_size (GanTrainer::set_communicator), and rank 0 alone writes the run directory and
// prints, and runs the hooks. Every rank resumes from the same checkpoint, which records the
// number of processes; Ctrl-C on any rank, or a hook's ctx.stop, stops all of them at the
// same step.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgan/core/error.hpp"
#include "xgan/data/dataset.hpp"
#include "xgan/data/loader.hpp"
#include "xgan/distributed/communicator.hpp"
#include "xgan/gan/health.hpp"
#include "xgan/gan/trainer.hpp"
#include "xgan/train/checkpoint.hpp"
#include "xgan/train/growth.hpp"
#include "xgan/train/run_files.hpp"

namespace xgan::train {

// How a run trains and what it keeps. The GAN's own settings (optimizers, labels, init,
// clipping, ...) are `gan`; `config` is written to config.json and into every checkpoint.
struct RunSettings {
    std::string model = "gan";          // the model's name: start line, config.json, report
    std::string data = "data";          // the data set's name, likewise
    int epochs = 10;
    std::size_t batch_size = 64;
    int critic_steps = 1;               // discriminator updates per generator update
    std::uint64_t seed = 1;             // weights, noise and dropout; the loader shuffles with seed + 1
    std::int64_t log_every = 50;        // steps between metrics.jsonl lines
    std::int64_t max_steps = 0;         // stop once the run has made this many steps (0: no limit)
    std::int64_t checkpoint_every = 0;  // steps between checkpoints (0: at the end of every epoch)
    std::int64_t grid_every = 0;        // steps between sample grids within epochs (0: only at each epoch's end)
    std::size_t keep = 3;               // checkpoints kept (0: all)
    bool resume = false;                // continue from the directory's newest checkpoint that loads
    bool quiet = false;                 // print nothing
    GanOptions gan;
    // Data-parallel training over these processes (nullptr, or one process: not); all of them
    // call fit() alike. sync_batchnorm: BatchNorm uses the global batch's statistics.
    distributed::Communicator* communicator = nullptr;
    bool sync_batchnorm = false;
    // Progressive growing (train/growth.hpp): real images per fade-in and per stabilisation
    // phase; 0: off. Only for GANs whose networks grow.
    std::uint64_t growth_phase_images = 0;
    nlohmann::json config = nlohmann::json::object();  // empty: config.json lists the settings above
};

// What a hook sees of the running training.
template <class GanT>
struct RunContext {
    GanTrainer<GanT>& trainer;
    RunFiles& files;
    const RunSettings& settings;
    int epoch = 0;               // 1-based
    bool progress_line = false;  // a progress line is on the terminal: begin output with "\n"
    bool stop = false;           // a hook sets it: the run checkpoints and ends after this step
};

// Callbacks a program adds to a run; each list is called in order. In a data-parallel run
// only rank 0 calls them (it has the run's files); a hook's ctx.stop stops every rank.
template <class GanT>
struct Hooks {
    using Context = RunContext<GanT>;
    using Samples = Tensor<typename GanT::sample_shape, typename GanT::backend>;
    std::vector<std::function<void(Context&, const StepStats&)>> after_step;      // each generator step
    std::vector<std::function<void(Context&, const Samples&)>> after_epoch;       // with the grid's samples
    std::vector<std::function<void(Context&, const fs::path&)>> after_checkpoint;  // the checkpoint folder
    std::vector<std::function<void(Context&)>> at_end;  // training done, before the final checkpoint; not after an interrupt
};

struct RunResult {
    std::int64_t steps = 0;    // the trainer's steps at the end
    bool interrupted = false;  // stopped by SIGINT/SIGTERM (a checkpoint was written)
    double seconds = 0;
};

// "Adam lr 0.0002 betas (0.5, 0.999)", "SGD lr 0.01 momentum 0.9", for the start line.
inline std::string describe(const optim::OptimizerOptions& o) {
    char buf[160];
    switch (o.kind) {
        case optim::Kind::adam:
        case optim::Kind::adamw:
            std::snprintf(buf, sizeof buf, "%s lr %g betas (%g, %g)", o.kind == optim::Kind::adam ? "Adam" : "AdamW", o.lr,
                          o.beta1, o.beta2);
            break;
        case optim::Kind::sgd: std::snprintf(buf, sizeof buf, "SGD lr %g momentum %g", o.lr, o.momentum); break;
        case optim::Kind::rmsprop: std::snprintf(buf, sizeof buf, "RMSprop lr %g momentum %g", o.lr, o.momentum); break;
    }
    return buf;
}

// config.json of a run whose settings carry no config of their own: the settings themselves.
inline nlohmann::json settings_json(const RunSettings& s) {
    return {{"data", s.data},
            {"epochs", s.epochs},
            {"batch_size", s.batch_size},
            {"critic_steps", s.critic_steps},
            {"seed", s.seed},
            {"generator_optimizer", describe(s.gan.generator_optimizer)},
            {"discriminator_optimizer", describe(s.gan.discriminator_optimizer)},
            {"generator_steps", s.gan.generator_steps},
            {"fresh_noise", s.gan.fresh_noise},
            {"clip", s.gan.clip},
            {"halve_discriminator_loss", s.gan.halve_discriminator_loss},
            {"init", s.gan.init == Init::dcgan ? "dcgan" : "pytorch"},
            {"real_targets", {s.gan.labels.real_low, s.gan.labels.real_high}},
            {"fake_targets", {s.gan.labels.fake_low, s.gan.labels.fake_high}},
            {"flip_labels", s.gan.labels.flip},
            {"instance_noise", s.gan.instance_noise},
            {"replay", s.gan.replay},
            {"replay_size", s.gan.replay_size},
            {"ema", s.gan.ema},
            {"max_steps", s.max_steps},
            {"checkpoint_every", s.checkpoint_every},
            {"grid_every", s.grid_every}};
}

// Fixed noise for the sample grids: its own stream, so it does not depend on training.
template <class Noise, class B>
Tensor<Noise, B> fixed_noise(std::uint64_t seed, std::size_t n) {
    std::vector<float> drawn(n * Noise::size);
    Rng rng(seed ^ 0x5eed0f1dedc0ffeeULL);
    rng.fill_normal(drawn.data(), drawn.size());
    Tensor<Noise, B> z(n);
    B::copy_from_host(static_cast<const float*>(drawn.data()), drawn.size(), z.data());
    return z;
}

// Labels 0,0,...,0,1,...,1,...: `per_class` samples of each class (empty for unconditional models).
inline std::vector<std::int32_t> class_rows(std::size_t classes, std::size_t per_class) {
    std::vector<std::int32_t> labels;
    for (std::size_t c = 0; c < classes; ++c) labels.insert(labels.end(), per_class, std::int32_t(c));
    return labels;
}

// Set by SIGINT/SIGTERM while a run is going: it writes a checkpoint and stops.
inline std::atomic<bool> stop_requested{false};

namespace detail {

// Installs the stop handlers for the length of a run and puts back the ones before.
class StopSignals {
public:
    StopSignals() {
        stop_requested = false;
        int_ = std::signal(SIGINT, [](int) { stop_requested = true; });
        term_ = std::signal(SIGTERM, [](int) { stop_requested = true; });
    }
    ~StopSignals() {
        std::signal(SIGINT, int_);
        std::signal(SIGTERM, term_);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

private:
    void (*int_)(int);
    void (*term_)(int);
};

template <class GanT>
void check_run(const data::ImageDataset& dataset, const RunSettings& s) {
    using Sample = typename GanT::sample_shape;
    constexpr std::size_t classes = GanT::classes;
    const auto fail = [&](const std::string& what) { throw Error("model " + s.model + ": " + what); };
    if (dataset.count == 0) fail("the data set " + s.data + " has no images");
    if (dataset.sample_size() != Sample::size)
        fail("it makes samples of shape " + Sample::str() + " but the data set " + s.data + " has " +
             std::to_string(dataset.channels) + "x" + std::to_string(dataset.height) + "x" + std::to_string(dataset.width));
    if (s.epochs < 1) fail("epochs must be at least 1, not " + std::to_string(s.epochs));
    if (s.batch_size < 1 || s.batch_size > dataset.count)
        fail("the batch size must be from 1 to the " + std::to_string(dataset.count) + " images, not " +
             std::to_string(s.batch_size));
    if (s.communicator && s.batch_size < std::size_t(s.communicator->size()))
        fail("a batch of " + std::to_string(s.batch_size) + " cannot be shared by " + std::to_string(s.communicator->size()) +
             " processes: make the batch size at least the number of processes");
    if (s.critic_steps < 1) fail("critic steps must be at least 1, not " + std::to_string(s.critic_steps));
    if (s.growth_phase_images && !GrowingGan<GanT>)
        fail("its networks do not grow: progressive growing (growth_phase_images) needs a ProgressiveGenerator and a "
             "ProgressiveDiscriminator");
    if (s.log_every < 1) fail("the logging interval must be at least 1 step, not " + std::to_string(s.log_every));
    if (s.max_steps < 0 || s.checkpoint_every < 0 || s.grid_every < 0) fail("step counts must not be negative");
    if (classes && dataset.labels.empty()) fail("it is conditional but the data set " + s.data + " has no labels");
    if (classes && dataset.labels.size() != dataset.count)
        fail("the data set has " + std::to_string(dataset.labels.size()) + " labels for " + std::to_string(dataset.count) +
             " images");
    for (auto l : dataset.labels)
        if (classes && (l < 0 || std::size_t(l) >= classes))
            fail("data set label " + std::to_string(l) + " is outside its " + std::to_string(classes) + " classes");
}

}  // namespace detail

// Trains GanT on `dataset` into `dir`. Everything is loaded and checked before the directory
// is touched; a resume takes the newest checkpoint that loads, saying which newer ones it
// skipped and why. A NumericError (NaN/Inf in a loss) is logged to metrics.jsonl, the report
// is written, and the error is rethrown.
template <class GanT>
RunResult fit(const data::ImageDataset& dataset, const fs::path& dir, const RunSettings& s, const Hooks<GanT>& hooks = {}) {
    using B = typename GanT::backend;
    using Noise = typename GanT::noise_shape;
    using Sample = typename GanT::sample_shape;
    static_assert(Sample::rank == 3, "fit() trains on images: the samples are (C, H, W)");
    constexpr std::size_t classes = GanT::classes;
    detail::check_run<GanT>(dataset, s);
    if (s.resume && list_checkpoints(dir).empty()) throw FileError(dir / "checkpoints", "no complete checkpoint to resume from");

    distributed::Communicator* const comm = s.communicator && s.communicator->size() > 1 ? s.communicator : nullptr;
    const bool writer = !comm || comm->writes();
    const bool quiet = s.quiet || !writer;
    const int world_size = comm ? comm->size() : 1;
    GanTrainer<GanT> trainer(s.gan, s.seed);
    trainer.set_communicator(comm, s.sync_batchnorm);
    data::BatchLoader loader(dataset, s.batch_size, s.seed + 1);
    if (comm) loader.set_shard(comm->rank(), comm->size());
    Tensor<Noise, typename GanT::backend> grid_noise = fixed_noise<Noise, typename GanT::backend>(s.seed, classes ? 8 * classes : 64);
    const std::vector<std::int32_t> grid_labels = class_rows(classes, 8);
    std::optional<fs::path> checkpoint;
    if (s.resume) {
        const ResumePoint point = load_latest_checkpoint<GanT>(dir, {trainer, loader, grid_noise, world_size});
        if (writer)
            for (const auto& why : point.skipped)
                std::fprintf(stderr, "xgan: skipped a checkpoint that does not load: %s\n", why.c_str());
        checkpoint = point.checkpoint;
    }

    // Only the writer (rank 0 of a data-parallel run) has the run's files and runs the hooks.
    std::optional<RunFiles> files_of_writer;
    if (writer) files_of_writer.emplace(dir, checkpoint ? trainer.steps() : -1);  // checks the directory is writable first
    RunFiles* const files = writer ? &*files_of_writer : nullptr;
    if (files) files->write_config(s.config.empty() ? settings_json(s) : s.config, s.model);
    std::optional<RunContext<GanT>> ctx;
    if (files) ctx.emplace(RunContext<GanT>{trainer, *files, s});
    HealthMonitor health;
    Tensor<Sample, typename GanT::backend> real;
    std::vector<std::int32_t> labels;

    const detail::StopSignals signals;
    const bool tty = ::isatty(STDOUT_FILENO) && !quiet;
    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    if (!quiet)
        std::printf("%s %s on %s: %zu images, %d epochs, batch %zu, G %s, D %s, seed %llu -> %s\n",
                    checkpoint ? "resuming" : "training", s.model.c_str(), s.data.c_str(), dataset.count, s.epochs,
                    s.batch_size, describe(s.gan.generator_optimizer).c_str(),
                    describe(s.gan.discriminator_optimizer).c_str(), (unsigned long long)s.seed, dir.c_str());
    if (comm && !quiet)
        std::printf("data-parallel over %d processes: %zu samples each per batch%s\n", world_size,
                    s.batch_size / std::size_t(world_size), s.sync_batchnorm ? ", synchronized BatchNorm" : "");
    if (s.gan.replay > 0 && !quiet)
        std::printf("experience replay: each fake swapped with probability %g for one of %zu past fakes\n", s.gan.replay,
                    s.gan.replay_size);
    if (s.gan.ema > 0 && !quiet)
        std::printf("G's weights averaged (decay %g): grids and generator_ema.safetensors show the average\n", s.gan.ema);
    if (checkpoint && !quiet)
        std::printf("from %s (step %lld, epoch %zu)\n", checkpoint->c_str(), (long long)trainer.steps(), loader.epoch() + 1);

    auto save = [&] {
        if (!files) return;
        files->write_weights(trainer.generator(), trainer.discriminator(), trainer.averaged_generator());
        const fs::path written = save_checkpoint<GanT>(dir, {trainer, loader, grid_noise, world_size}, files->config());
        prune_checkpoints(dir, s.keep);
        for (const auto& hook : hooks.after_checkpoint) hook(*ctx, written);
    };
    auto warn = [&](const HealthWarning& w, std::int64_t step, bool newline) {
        if (!files) return;
        files->log_warning(w, step);
        if (!quiet) std::printf("%swarning: %s\n", newline ? "\n" : "", w.message.c_str());
    };
    bool interrupted = false;
    // Whether the run stops after this step: a signal (on any rank) or a hook asked.
    auto stop_asked = [&] {
        double asked[2] = {stop_requested ? 1.0 : 0.0, ctx && ctx->stop ? 1.0 : 0.0};
        if (comm) comm->sum(asked, 2);
        interrupted = interrupted || asked[0] > 0;
        return asked[0] > 0 || asked[1] > 0;
    };
    const std::size_t steps_per_epoch = loader.batches_per_epoch();
    const std::int64_t start_step = trainer.steps();
    bool stop = s.max_steps && trainer.steps() >= s.max_steps;  // a resumed run may be there already
    for (int epoch = int(loader.epoch()) + 1; epoch <= s.epochs && !stop; ++epoch) {
        if (ctx) ctx->epoch = epoch;
        StepStats sum{};
        std::size_t n = 0;
        while (!stop && loader.next(real, classes ? &labels : nullptr)) {
            if constexpr (GrowingGan<GanT>)
                if (s.growth_phase_images)
                    apply_growth(trainer, growth_at(s.growth_phase_images, growth_stages<GanT>(),
                                                    std::uint64_t(trainer.discriminator_steps()) * s.batch_size));
            StepStats st;
            try {
                if (s.critic_steps == 1) {
                    st = trainer.train_step(real, labels);
                } else {  // k critic updates, each on its own real batch, then one generator update
                    st = trainer.discriminator_step(real, labels);
                    if (trainer.discriminator_steps() % s.critic_steps != 0) continue;
                    st.g_loss = trainer.generator_step(true, real.batch());
                }
            } catch (const NumericError& e) {  // every rank throws it alike: the loss is the global batch's
                if (files) {
                    files->log_error(e.what(), trainer.steps() + 1);
                    files->finish(type_summaries<GanT>(s.batch_size));
                }
                throw;
            }
            sum.d_loss += st.d_loss, sum.g_loss += st.g_loss, sum.d_real += st.d_real, sum.d_fake += st.d_fake;
            sum.wasserstein += st.wasserstein, sum.penalty += st.penalty;
            ++n;
            const std::int64_t step = trainer.steps();
            if (files && (step % s.log_every == 0 || n == 1))
                files->log_step(epoch, step, st, seconds(), s.gan.generator_optimizer.lr, s.gan.discriminator_optimizer.lr,
                               !GanT::objective::outputs_probability, objective::HasPenalty<typename GanT::objective>);
            // The "D wins outright" rule reads D(x) and D(G(z)) as probabilities; a critic's
            // scores are unbounded, so it does not apply to Wasserstein-type objectives.
            if (auto w = GanT::objective::outputs_probability ? health.observe(st) : std::optional<HealthWarning>{})
                warn(*w, step, tty);
            if (tty && (n % 10 == 0 || loader.cursor() == dataset.count)) {
                const double rate = double(step - start_step) / seconds();
                const double eta = double(std::size_t(s.epochs) * steps_per_epoch - std::size_t(step)) / rate;
                std::printf("\repoch %d/%d  step %zu/%zu  %.1f steps/s  ETA %.0fs  d_loss %.4f  g_loss %.4f  D(x) %.2f  D(G(z)) %.2f   ",
                            epoch, s.epochs, (loader.cursor() + s.batch_size - 1) / s.batch_size, steps_per_epoch, rate, eta,
                            st.d_loss, st.g_loss, st.d_real, st.d_fake);
                std::fflush(stdout);
            }
            if (files && s.grid_every > 0 && step % s.grid_every == 0) {
                const auto& samples = trainer.generate(grid_noise, Mode::eval, grid_labels);
                files->write_samples(0, step, backend::to_host<B>(samples.data(), samples.size()).data(), samples.batch(),
                                     Sample::dims, backend::to_host<B>(real.data(), real.size()).data(), real.batch());
            }
            if (ctx) {
                ctx->progress_line = tty;
                for (const auto& hook : hooks.after_step) hook(*ctx, st);
            }
            if (s.checkpoint_every > 0 && step % s.checkpoint_every == 0) save();
            if (stop_asked() || (s.max_steps && step >= s.max_steps)) stop = true;
        }
        const double k = double(std::max<std::size_t>(n, 1));
        if (!quiet && n && !GanT::objective::outputs_probability)
            std::printf("%sepoch %d/%d  critic_loss %.4f  g_loss %.4f  W %.4f  penalty %.4f  %.1fs\n", tty ? "\r" : "", epoch,
                        s.epochs, sum.d_loss / k, sum.g_loss / k, sum.wasserstein / k, sum.penalty / k, seconds());
        else if (!quiet && n)
            std::printf("%sepoch %d/%d  d_loss %.4f  g_loss %.4f  D(x) %.3f  D(G(z)) %.3f  %.1fs\n", tty ? "\r" : "", epoch,
                        s.epochs, sum.d_loss / k, sum.g_loss / k, sum.d_real / k, sum.d_fake / k, seconds());
        if (ctx) ctx->progress_line = false;
        if (stop && interrupted) break;  // mid-epoch interrupt: no grid for a partial epoch
        // No batch left: a run resumed from a checkpoint written after the epoch's last batch
        // (a step limit ending there), whose grid and checkpoint were written then.
        if (n == 0) continue;
        if (files) {
            const auto& samples = trainer.generate(grid_noise, Mode::eval, grid_labels);
            const std::vector<float> host_samples = backend::to_host<B>(samples.data(), samples.size());
            const std::vector<float> host_real = backend::to_host<B>(real.data(), real.size());
            files->write_samples(epoch, trainer.steps(), host_samples.data(), samples.batch(), Sample::dims, host_real.data(),
                                 real.batch());
            // Samples start out alike; judge diversity only once training is under way.
            if (trainer.steps() >= 500)
                if (auto w = health.check_diversity(host_samples.data(), samples.batch(), host_real.data(), real.batch(),
                                                    Sample::size))
                    warn(*w, trainer.steps(), false);
            for (const auto& hook : hooks.after_epoch) hook(*ctx, samples);
        }
        if (s.checkpoint_every == 0) save();
    }
    RunResult result;
    result.interrupted = interrupted;
    if (ctx) {
        ctx->epoch = int(loader.epoch()) + (loader.cursor() ? 1 : 0);
        if (!result.interrupted && trainer.steps() > start_step)
            for (const auto& hook : hooks.at_end) hook(*ctx);
    }
    save();
    if (files) files->finish(type_summaries<GanT>(s.batch_size));
    result.steps = trainer.steps();
    result.seconds = seconds();
    if (!quiet && !result.interrupted)
        std::printf("done in %.1fs; samples, weights and report in %s\n", result.seconds, dir.c_str());
    return result;
}

}  // namespace xgan::train
