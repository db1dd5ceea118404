#pragma once
// `xgan train`: trains one model and keeps everything in its run directory:
//   config.json, metrics.jsonl, samples/epoch_NNNN.png (64 fixed-noise samples),
//   generator.safetensors, discriminator.safetensors, loss.png, report.html.
#include <atomic>
#include <chrono>
#include <csignal>
#include <initializer_list>
#include <optional>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <xgan/gan/health.hpp>
#include <xgan/io/checkpoint.hpp>
#include <xgan/xgan.hpp>

#include "datasets.hpp"
#include "eval_command.hpp"
#include "models.hpp"
#include "run_files.hpp"
#include "run_options.hpp"

namespace xgan_cli {

// Fills in the model's defaults for every setting the user left unset.
template <class M>
RunOptions resolve(RunOptions o) {
    const ModelDefaults d = M::defaults();
    if (!o.epochs) o.epochs = d.epochs;
    if (!o.batch_size) o.batch_size = d.batch_size;
    if (!o.lr) o.lr = d.lr;
    if (!o.beta1) o.beta1 = d.beta1;
    if (!o.beta2) o.beta2 = d.beta2;
    if (!o.critic_steps) o.critic_steps = d.critic_steps;
    if (o.init == "default") o.init = d.init == Init::dcgan ? "dcgan" : "pytorch";
    if (!o.noisy_labels && d.labels.real_low != d.labels.real_high) o.noisy_labels = d.labels.real_high - d.labels.real_low;
    return o;
}

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

// Refuses, naming the option, what model M cannot honour (a new run's options as typed, checked
// before any data is loaded; main.cpp has applied --objective and --channels already).
template <class M>
void check_model_options(const RunOptions& o) {
    using GanT = typename M::gan;
    using Sample = typename GanT::sample_shape;
    const std::string model = M::name;
    if constexpr (!GanT::objective::uses_targets) {
        const char* option = o.real_label && *o.real_label != 1        ? "--real-label"
                             : o.noisy_labels && *o.noisy_labels > 0 ? "--noisy-labels"
                             : o.flip_labels > 0                     ? "--flip-labels"
                                                                     : nullptr;
        if (option)
            throw Error(std::string(option) + ": model " + model + " trains with the " + objective_of<M>() +
                        " objective, which does not use targets (its loss depends only on whether a batch is real or "
                        "generated), so label smoothing, noise and flipping (--real-label, --noisy-labels, --flip-labels) "
                        "would change nothing; leave them out");
    }
    if (o.real_label) {
        const LabelOptions d = M::defaults().labels;
        if (o.noisy_labels && *o.noisy_labels > 0)
            throw Error("--real-label and --noisy-labels both set the real targets (a fixed value, or U(1-W, 1)); give one of them");
        if (!o.noisy_labels && d.real_low != d.real_high)
            throw Error("--real-label: model " + model + " draws noisy labels by default (--noisy-labels " +
                        number_text(d.real_high - d.real_low) + ": real targets ~ U(" + number_text(d.real_low) + ", " +
                        number_text(d.real_high) + ")); add --noisy-labels 0 for a fixed real target");
    }
    const auto either = [&](std::initializer_list<const char*> kinds) {
        for (const char* k : kinds)
            if (o.optimizer_g == k || o.optimizer_d == k) return true;
        return false;
    };
    if (o.momentum > 0 && !either({"sgd", "rmsprop"}))
        throw Error("--momentum: only the sgd and rmsprop optimizers have momentum; both networks use " +
                    (o.optimizer_g == o.optimizer_d ? o.optimizer_g : o.optimizer_g + " and " + o.optimizer_d) +
                    " (--optimizer-g, --optimizer-d)");
    if ((o.beta1 || o.beta2) && !either({"adam", "adamw"}))
        throw Error(std::string(o.beta1 ? "--beta1" : "--beta2") +
                    ": only the adam and adamw optimizers have betas; neither network uses one (--optimizer-g, --optimizer-d)");
    if (!GanT::classes && (!o.labels_csv.empty() || !o.attribute.empty()))
        throw Error("--labels/--attribute: model " + model + " is not conditional; the conditional models are " +
                    models_where([](const ModelEntry& e) { return e.classes > 0; }));
    if (GanT::classes && o.data.rfind("folder:", 0) == 0 && o.labels_csv.empty())
        throw Error("model " + model + " is conditional: with --data " + o.data +
                    " it needs the images' labels, --labels CSV --attribute NAME");
    if (o.eval_every > 0) {
        try {
            check_classifiable(o.data, Sample::dims[0], Sample::dims[1], Sample::dims[2]);
        } catch (const Error& e) {
            throw Error(std::string("--eval-every: ") + e.what());
        }
    }
}

// Labels 0,0,...,0,1,...,1,...: `per_class` samples of each class (empty for unconditional models).
inline std::vector<std::int32_t> class_rows(std::size_t classes, std::size_t per_class) {
    std::vector<std::int32_t> labels;
    for (std::size_t c = 0; c < classes; ++c) labels.insert(labels.end(), per_class, std::int32_t(c));
    return labels;
}

// Fixed noise for the sample grids: its own stream, so it does not depend on training.
template <class Noise>
Tensor<Noise> fixed_noise(std::uint64_t seed, std::size_t n) {
    Tensor<Noise> z(n);
    Rng rng(seed ^ 0x5eed0f1dedc0ffeeULL);
    rng.fill_normal(z.data(), z.size());
    return z;
}

// Set by SIGINT/SIGTERM: the loop writes a checkpoint and stops.
inline std::atomic<bool> stop_requested{false};
inline void request_stop(int) { stop_requested = true; }

template <class M>
int train(RunOptions o) {
    using GanT = typename M::gan;
    using Noise = typename GanT::noise_shape;
    using Sample = typename GanT::sample_shape;
    const bool resuming = !o.resume.empty();
    if (!resuming) check_model_options<M>(o);
    if (resuming && io::list_checkpoints(o.out).empty())
        throw FileError(o.out / "checkpoints", "no complete checkpoint to resume from");
    o = resolve<M>(o);

    static_assert(Sample::rank == 3 && Sample::dims[1] == Sample::dims[2], "the tool trains on square images");
    const data::ImageDataset full = load_dataset_for(o.data, true, Sample::dims[0], Sample::dims[1], o.quiet, o.labels_csv,
                                                     o.attribute, std::uint64_t(o.max_image_pixels));
    // The settings were checked up front (main.cpp); now also against the number of images.
    validate(o, resuming ? o.out / "config.json" : fs::path(), std::int64_t(full.count));
    const data::ImageDataset dataset = o.limit ? data::subset(full, std::size_t(o.limit)) : full;
    const int epochs = int(*o.epochs);
    const int batch_size = int(*o.batch_size);
    const double lr = *o.lr, beta1 = *o.beta1, beta2 = *o.beta2;
    const std::int64_t critic_steps = *o.critic_steps;
    if (dataset.sample_size() != Sample::size)
        throw Error("model " + std::string(M::name) + " makes samples of shape " + Sample::str() + " but dataset " + o.data +
                    " has " + std::to_string(dataset.channels) + "x" + std::to_string(dataset.height) + "x" +
                    std::to_string(dataset.width));

    GanOptions options;
    const auto optimizer = [&](const std::string& kind, std::optional<double> own_lr) {
        optim::OptimizerOptions opt = optim::OptimizerOptions::adam(own_lr.value_or(lr), beta1, beta2);
        opt.kind = optim::parse_kind(kind);
        if (opt.kind == optim::Kind::adamw) opt.weight_decay = 0.01;  // torch.optim.AdamW's default
        opt.momentum = o.momentum;
        return opt;
    };
    options.generator_optimizer = optimizer(o.optimizer_g, o.lr_g);
    options.discriminator_optimizer = optimizer(o.optimizer_d, o.lr_d);
    options.generator_steps = int(o.g_steps);
    options.fresh_noise = o.fresh_noise;
    options.clip = o.clip;
    options.halve_discriminator_loss = o.halve_d_loss;
    options.init = o.init == "dcgan" ? Init::dcgan : Init::pytorch;
    options.labels = M::defaults().labels;
    if (o.noisy_labels) options.labels = *o.noisy_labels > 0 ? LabelOptions::noisy(*o.noisy_labels) : LabelOptions{};
    // With noisy labels on, --real-label is refused (check_model_options); a config.json of an
    // older version that has both trains as then, with the noisy labels.
    if (o.real_label && !(o.noisy_labels && *o.noisy_labels > 0))
        options.labels.real_low = options.labels.real_high = *o.real_label;
    if (o.flip_labels > 0) options.labels.flip = o.flip_labels;
    options.instance_noise = o.instance_noise;
    GanTrainer<GanT> trainer(options, o.seed);
    data::BatchLoader loader(dataset, std::size_t(batch_size), o.seed + 1);
    // Conditional models: 8 samples of each class, one class per grid row.
    constexpr std::size_t classes = GanT::classes;
    Tensor<Noise> grid_noise = fixed_noise<Noise>(o.seed, classes ? 8 * classes : 64);
    const std::vector<std::int32_t> grid_labels = class_rows(classes, 8);
    if (!classes && !o.labels_csv.empty())
        throw Error("model " + std::string(M::name) + " is not conditional: --labels/--attribute need one of " +
                    models_where([](const ModelEntry& e) { return e.classes > 0; }));
    for (auto l : dataset.labels)
        if (classes && std::size_t(l) >= classes)
            throw Error("dataset label " + std::to_string(l) + " is outside model " + M::name + "'s " +
                        std::to_string(classes) + " classes");
    if (classes && dataset.labels.empty()) throw Error("model " + std::string(M::name) + " is conditional but dataset " + o.data + " has no labels");
    std::vector<std::int32_t> labels;
    // Everything is loaded and checked before the run directory is touched. A resume takes the
    // newest checkpoint that loads, saying which newer ones it skipped and why.
    std::optional<fs::path> checkpoint;
    if (resuming) {
        const io::ResumePoint point = io::load_latest_checkpoint<GanT>(o.out, {trainer, loader, grid_noise});
        for (const auto& why : point.skipped) std::fprintf(stderr, "xgan: skipped a checkpoint that does not load: %s\n", why.c_str());
        checkpoint = point.checkpoint;
    }
    // --eval-every: the classifier and the test-set statistics, once per run (errors come
    // before the run directory is touched).
    std::optional<TrainingEval<GanT>> evaluator;
    if (o.eval_every > 0) evaluator.emplace(o.data, std::size_t(o.eval_samples), o.seed, o.out, resuming);

    RunFiles files(o.out, checkpoint ? trainer.steps() : -1);  // checks the directory is writable first
    auto config = to_json(o);
    config["model"] = M::name;
    config["objective"] = objective_of<M>();
    files.write_config(config, M::name);
    HealthMonitor health;
    Tensor<Sample> real;

    stop_requested = false;
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    const bool tty = ::isatty(STDOUT_FILENO) && !o.quiet;
    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    if (!o.quiet)
        std::printf("%s %s on %s: %zu images, %d epochs, batch %d, G %s, D %s, seed %llu -> %s\n",
                    resuming ? "resuming" : "training", M::name, o.data.c_str(), dataset.count, epochs, batch_size,
                    describe(options.generator_optimizer).c_str(), describe(options.discriminator_optimizer).c_str(),
                    (unsigned long long)o.seed, o.out.c_str());
    if (resuming && !o.quiet)
        std::printf("from %s (step %lld, epoch %zu)\n", checkpoint->c_str(), (long long)trainer.steps(), loader.epoch() + 1);

    auto save = [&] {
        files.write_weights(trainer.generator(), trainer.discriminator());
        io::save_checkpoint<GanT>(o.out, {trainer, loader, grid_noise}, files.config());
        io::prune_checkpoints(o.out, std::size_t(o.keep));
    };
    auto evaluate = [&](int epoch, std::int64_t step, bool newline) {
        const EvalResult r = evaluator->evaluate(trainer.generator(), files, epoch, step);
        if (!o.quiet)
            std::printf("%seval step %lld: FD %.3f (floor %.3f)  classes %zu/%zu  KL %.4f  confident %.1f%%  %.1fs%s\n",
                        newline ? "\n" : "", (long long)step, r.fid, r.fid_floor.value_or(0.0), r.classes.classes_covered,
                        r.classes.classes, r.classes.kl_to_uniform, 100 * r.classes.confident_share, r.seconds,
                        evaluator->improved() ? "  (best so far: best/generator.safetensors)" : "");
    };
    const std::size_t steps_per_epoch = loader.batches_per_epoch();
    const std::int64_t start_step = trainer.steps();
    bool stop = o.max_steps && trainer.steps() >= o.max_steps;  // a resumed run may be there already
    for (int epoch = int(loader.epoch()) + 1; epoch <= epochs && !stop; ++epoch) {
        StepStats sum{};
        std::size_t n = 0;
        while (!stop && loader.next(real, classes ? &labels : nullptr)) {
            StepStats s;
            try {
                if (critic_steps == 1) {
                    s = trainer.train_step(real, labels);
                } else {  // k critic updates, each on its own real batch, then one generator update
                    s = trainer.discriminator_step(real, labels);
                    if (trainer.discriminator_steps() % critic_steps != 0) continue;
                    s.g_loss = trainer.generator_step(true, real.batch());
                }
            } catch (const NumericError& e) {
                files.log_error(e.what(), trainer.steps() + 1);
                files.finish(type_summaries<GanT>(std::size_t(batch_size)));
                throw;
            }
            sum.d_loss += s.d_loss, sum.g_loss += s.g_loss, sum.d_real += s.d_real, sum.d_fake += s.d_fake;
            sum.wasserstein += s.wasserstein, sum.penalty += s.penalty;
            ++n;
            const std::int64_t step = trainer.steps();
            if (step % o.log_every == 0 || n == 1)
                files.log_step(epoch, step, s, seconds(), options.generator_optimizer.lr, options.discriminator_optimizer.lr,
                               !GanT::objective::outputs_probability,
                               objective::HasPenalty<typename GanT::objective>);
            // The "D wins outright" rule reads D(x) and D(G(z)) as probabilities; a critic's
            // scores are unbounded, so it does not apply to Wasserstein-type objectives.
            if (auto w = GanT::objective::outputs_probability ? health.observe(s) : std::optional<HealthWarning>{}) {
                files.log_warning(*w, step);
                if (!o.quiet) std::printf("%swarning: %s\n", tty ? "\n" : "", w->message.c_str());
            }
            if (tty && (n % 10 == 0 || loader.cursor() == dataset.count)) {
                const double rate = double(step - start_step) / seconds();
                const double eta = double(std::size_t(epochs) * steps_per_epoch - std::size_t(step)) / rate;
                std::printf("\repoch %d/%d  step %zu/%zu  %.1f steps/s  ETA %.0fs  d_loss %.4f  g_loss %.4f  D(x) %.2f  D(G(z)) %.2f   ",
                            epoch, epochs, (loader.cursor() + std::size_t(batch_size) - 1) / std::size_t(batch_size),
                            steps_per_epoch, rate, eta, s.d_loss, s.g_loss, s.d_real, s.d_fake);
                std::fflush(stdout);
            }
            if (evaluator && step % o.eval_every == 0) evaluate(epoch, step, tty);
            if (o.checkpoint_every > 0 && step % o.checkpoint_every == 0) save();
            if ((o.max_steps && step >= o.max_steps) || stop_requested) stop = true;
        }
        const double k = double(std::max<std::size_t>(n, 1));
        if (!o.quiet && n && !GanT::objective::outputs_probability)
            std::printf("%sepoch %d/%d  critic_loss %.4f  g_loss %.4f  W %.4f  penalty %.4f  %.1fs\n", tty ? "\r" : "", epoch,
                        epochs, sum.d_loss / k, sum.g_loss / k, sum.wasserstein / k, sum.penalty / k, seconds());
        else if (!o.quiet && n)
            std::printf("%sepoch %d/%d  d_loss %.4f  g_loss %.4f  D(x) %.3f  D(G(z)) %.3f  %.1fs\n", tty ? "\r" : "", epoch,
                        epochs, sum.d_loss / k, sum.g_loss / k, sum.d_real / k, sum.d_fake / k, seconds());
        if (stop && stop_requested) break;  // mid-epoch interrupt: no grid for a partial epoch
        // No batch left: a run resumed from a checkpoint written after the epoch's last batch
        // (--max-steps ending there), whose grid and checkpoint were written then.
        if (n == 0) continue;
        const auto& samples = trainer.generate(grid_noise, Mode::eval, grid_labels);
        files.write_samples(epoch, trainer.steps(), samples.data(), samples.batch(), Sample::dims, real.data(), real.batch());
        // Samples start out alike; judge diversity only once training is under way.
        if (trainer.steps() >= 500) {
            if (auto w = health.check_diversity(samples.data(), samples.batch(), real.data(), real.batch(), Sample::size)) {
                files.log_warning(*w, trainer.steps());
                if (!o.quiet) std::printf("warning: %s\n", w->message.c_str());
            }
        }
        if (o.checkpoint_every == 0) save();
    }
    // The final generator is always scored (unless interrupted).
    if (evaluator && !stop_requested && trainer.steps() > start_step && evaluator->last_step() != trainer.steps())
        evaluate(int(loader.epoch()) + (loader.cursor() ? 1 : 0), trainer.steps(), false);
    save();
    files.finish(type_summaries<GanT>(std::size_t(batch_size)));
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (stop_requested) {
        std::printf("\ninterrupted at step %lld: checkpoint written; continue with  xgan train --resume %s\n",
                    (long long)trainer.steps(), o.out.c_str());
        return 130;
    }
    if (!o.quiet) std::printf("done in %.1fs; samples, weights and report in %s\n", seconds(), o.out.c_str());
    return 0;
}

}  // namespace xgan_cli
