#pragma once
// `train`: one run of a model from the command-line options (RunOptions), through the run
// library (train::fit): the model's defaults filled in, every option checked against the
// model, the data loaded, and --eval-every added as a hook.
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "xgan/cli/datasets.hpp"
#include "xgan/cli/eval.hpp"
#include "xgan/cli/model.hpp"
#include "xgan/cli/program.hpp"
#include "xgan/cli/run_options.hpp"
#include "xgan/train/fit.hpp"

namespace xgan::cli {

// Fills in the model's defaults for every setting the user left unset.
template <class M>
RunOptions resolve(RunOptions o) {
    const TrainingDefaults d = M::defaults();
    if (!o.epochs) o.epochs = d.epochs;
    if (!o.batch_size) o.batch_size = d.batch_size;
    if (!o.lr) o.lr = d.lr;
    if (!o.beta1) o.beta1 = d.beta1;
    if (!o.beta2) o.beta2 = d.beta2;
    if (!o.critic_steps) o.critic_steps = d.critic_steps;
    if (!o.g_steps) o.g_steps = d.generator_steps;
    if (o.init == "default") o.init = d.init == Init::dcgan ? "dcgan" : "pytorch";
    if (!o.noisy_labels && d.labels.real_low != d.labels.real_high) o.noisy_labels = d.labels.real_high - d.labels.real_low;
    if (!o.replay) o.replay = d.replay;
    if (!o.ema) o.ema = d.ema;
    if (!o.phase_images && d.growth_phase_images) o.phase_images = std::int64_t(d.growth_phase_images);
    return o;
}

// Refuses, naming the option, what model M cannot honour (a new run's options as typed, checked
// before any data is loaded; main.hpp has applied --objective and --channels already).
template <class M>
void check_model_options(const RunOptions& o, const ModelTable& models) {
    using GanT = typename M::gan;
    using Sample = typename GanT::sample_shape;
    const std::string model = M::name;
    if (o.phase_images && M::defaults().growth_phase_images == 0)
        throw Error("--phase-images: model " + model + " does not grow; progressive growing is for " +
                    models.where([](const ModelEntry& e) { return e.defaults.growth_phase_images > 0; }));
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
    if (o.rmsprop_alpha && !either({"rmsprop"}))
        throw Error("--rmsprop-alpha: neither network uses rmsprop (--optimizer-g, --optimizer-d)");
    if ((o.beta1 || o.beta2) && !either({"adam", "adamw"}))
        throw Error(std::string(o.beta1 ? "--beta1" : "--beta2") +
                    ": only the adam and adamw optimizers have betas; neither network uses one (--optimizer-g, --optimizer-d)");
    if (!GanT::classes && (!o.labels_csv.empty() || !o.attribute.empty()))
        throw Error("--labels/--attribute: model " + model + " is not conditional; the conditional models are " +
                    models.where([](const ModelEntry& e) { return e.classes > 0; }));
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

// The GAN's settings from the options (resolved: every setting has its value).
template <class M>
GanOptions gan_options(const RunOptions& o) {
    GanOptions options;
    const auto optimizer = [&](const std::string& kind, std::optional<double> own_lr) {
        optim::OptimizerOptions opt = optim::OptimizerOptions::adam(own_lr.value_or(*o.lr), *o.beta1, *o.beta2);
        opt.kind = optim::parse_kind(kind);
        if (opt.kind == optim::Kind::adamw) opt.weight_decay = 0.01;  // torch.optim.AdamW's default
        opt.momentum = o.momentum;
        if (o.rmsprop_alpha) opt.alpha = *o.rmsprop_alpha;
        return opt;
    };
    options.generator_optimizer = optimizer(o.optimizer_g, o.lr_g);
    options.discriminator_optimizer = optimizer(o.optimizer_d, o.lr_d);
    options.generator_steps = int(*o.g_steps);
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
    options.replay = o.replay.value_or(0);
    options.replay_size = std::size_t(o.replay_size);
    options.ema = o.ema.value_or(0);
    return options;
}

// `train` for model M: returns the exit status (0 done, 130 interrupted).
template <class M>
int train_command(RunOptions o, const ModelTable& models, distributed::Communicator* comm = nullptr) {
    using GanT = typename M::gan;
    using Sample = typename GanT::sample_shape;
    static_assert(Sample::rank == 3 && Sample::dims[1] == Sample::dims[2], "the command line trains on square images");
    const bool resuming = !o.resume.empty();
    if (!resuming) check_model_options<M>(o, models);
    if (resuming && train::list_checkpoints(o.out).empty())
        throw FileError(o.out / "checkpoints", "no complete checkpoint to resume from");
    o = resolve<M>(o);

    data::ImageDataset dataset = load_dataset_for(o.data, true, Sample::dims[0], Sample::dims[1], o.quiet, o.labels_csv,
                                                  o.attribute, std::uint64_t(o.max_image_pixels), o.stream_images);
    // The settings were checked up front (main.hpp); now also against the number of images.
    validate(o, resuming ? o.out / "config.json" : fs::path(), std::int64_t(dataset.count));
    if (o.limit) dataset = data::subset(dataset, std::size_t(o.limit));

    train::RunSettings run;
    run.model = M::name;
    run.data = o.data;
    run.epochs = int(*o.epochs);
    run.batch_size = std::size_t(*o.batch_size);
    run.critic_steps = int(*o.critic_steps);
    run.seed = o.seed;
    run.log_every = o.log_every;
    run.max_steps = o.max_steps;
    run.checkpoint_every = o.checkpoint_every;
    run.grid_every = o.grid_every;
    run.keep = std::size_t(o.keep);
    run.resume = resuming;
    run.quiet = o.quiet;
    run.gan = gan_options<M>(o);
    run.communicator = comm;
    run.sync_batchnorm = o.sync_batchnorm;
    run.growth_phase_images = std::uint64_t(o.phase_images.value_or(0));
    run.config = to_json(o);
    run.config["model"] = M::name;
    run.config["objective"] = objective_of<M>();

    // --eval-every: the classifier and the test-set statistics, once per run, before the run
    // directory is touched; then a hook every K steps and one at the end.
    train::Hooks<GanT> hooks;
    std::optional<TrainingEval<GanT>> evaluator;
    if (o.eval_every > 0 && (!comm || comm->writes())) {  // rank 0 runs the hooks
        evaluator.emplace(o.data, std::size_t(o.eval_samples), o.seed, o.out, resuming);
        const auto evaluate = [&evaluator, quiet = o.quiet](train::RunContext<GanT>& ctx) {
            const std::int64_t step = ctx.trainer.steps();
            const EvalResult r = evaluator->evaluate(ctx.trainer.sampling_generator(), ctx.files, ctx.epoch, step);
            if (!quiet)
                std::printf("%seval step %lld: FD %.3f (floor %.3f)  classes %zu/%zu  KL %.4f  confident %.1f%%  %.1fs%s\n",
                            ctx.progress_line ? "\n" : "", (long long)step, r.fid, r.fid_floor.value_or(0.0),
                            r.classes.classes_covered, r.classes.classes, r.classes.kl_to_uniform,
                            100 * r.classes.confident_share, r.seconds,
                            evaluator->improved() ? "  (best so far: best/generator.safetensors)" : "");
        };
        hooks.after_step.push_back([evaluate, every = o.eval_every](train::RunContext<GanT>& ctx, const StepStats&) {
            if (ctx.trainer.steps() % every == 0) evaluate(ctx);
        });
        // The final generator is always scored.
        hooks.at_end.push_back([evaluate, &evaluator](train::RunContext<GanT>& ctx) {
            if (evaluator->last_step() != ctx.trainer.steps()) evaluate(ctx);
        });
    }

    const train::RunResult result = train::fit<GanT>(dataset, o.out, run, hooks);
    if (result.interrupted) {
        std::printf("\ninterrupted at step %lld: checkpoint written; continue with  %s\n", (long long)result.steps,
                    command("train --resume " + o.out.string()).c_str());
        return 130;
    }
    return 0;
}

}  // namespace xgan::cli
