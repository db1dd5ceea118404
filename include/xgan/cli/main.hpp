#pragma once
// cli::main<M...>: the xgan tool's commands over a program's own list of models, so that a
// downstream program is one call:
//   int main(int argc, char** argv) {
//       return xgan::cli::main<xgan::cli::Model<"mygan", MyGan, my_defaults>>(argc, argv);
//   }
// and `mygan train|sample|eval|summary|classifier|new` behave as `xgan ...` does (the xgan
// tool is this call with the tutorial models, examples/xgan_cli/main.cpp). Exit status: 0 done,
// 1 error, 2 usage, 3 numeric error (NaN/Inf in training), 4 classifier below --min-accuracy,
// 130 interrupted (a checkpoint was written).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "xgan/backend/process_tuning.hpp"
#include "xgan/cli/classifier.hpp"
#include "xgan/cli/eval.hpp"
#include "xgan/cli/model.hpp"
#include "xgan/cli/new_project.hpp"
#include "xgan/cli/program.hpp"
#include "xgan/cli/processes.hpp"
#include "xgan/cli/recipes.hpp"
#include "xgan/cli/run_options.hpp"
#include "xgan/cli/sample.hpp"
#include "xgan/cli/train.hpp"
#include "xgan/nn/summary.hpp"

namespace xgan::cli {

template <class... M>
int main(int argc, char** argv) {
    static_assert(sizeof...(M) > 0, "cli::main needs at least one model");
    backend::tune_process(argv);
    if (argc > 0 && argv[0] && *argv[0]) program_name() = fs::path(argv[0]).filename().string();
    std::optional<Processes> processes;
    try {
        processes.emplace(&argc, &argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", program_name().c_str(), e.what());
        return 1;
    }
    distributed::Communicator* const comm = processes->communicator();
    const ModelTable table = ModelTable::of<M...>();
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // log lines appear as they are written, also in files
    CLI::App app{program_name() + ": train GANs on the CPU (models are C++ types; see `" + command("summary") + "`)",
                 program_name()};
    app.require_subcommand(1);
    const std::string models = join_names(table.names());

    RunOptions train;
    train.model = table.entries().front().name;
    train.out = "runs/" + train.model;
    // Recipes (recipes.hpp) train the tutorial models: offered when the program has them all.
    const bool has_recipes = std::all_of(recipes().begin(), recipes().end(), [&](const Recipe& r) { return table.find(r.model); });
    // --recipe NAME presets the options before they are parsed, so that those typed win.
    std::string recipe;
    for (int i = 1; has_recipes && i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--recipe" && i + 1 < argc) recipe = argv[i + 1];
        else if (arg.rfind("--recipe=", 0) == 0) recipe = arg.substr(9);
    }
    std::vector<std::string> recipe_names;
    for (const Recipe& r : recipes()) recipe_names.push_back(r.name);
    if (std::find(recipe_names.begin(), recipe_names.end(), recipe) != recipe_names.end())
        train = apply_recipe(find_recipe(recipe), train);
    auto* t = app.add_subcommand("train", "train a GAN and write its run directory");
    t->add_option("--model", train.model, "model: " + models)->capture_default_str()
        ->check(CLI::IsMember(table.names()));
    t->add_option("--objective", train.objective,
                  "GAN objective: bce, bce-logits, hinge, lsgan, wgan-gp (Wasserstein + gradient penalty 10), r1 (BCE with "
                  "logits + R1 penalty 10); default: the model's. Families with several: " +
                      table.objectives_by_family())
        ->check(CLI::IsMember(table.objective_names()));
    t->add_option("--data", train.data, "dataset: mnist (${XGAN_DATA:-data}/mnist), fashion-mnist (Debian's dataset-fashion-mnist), or folder:PATH (PNG/JPEG/BMP images, resized and centre-cropped to the model's size)")
        ->capture_default_str();
    // Defaults that depend on the model are listed from the model table (xgan/models/tutorials.hpp, or the program's own list).
    const auto per_model = [&](auto value_of) { return table.per_model(value_of); };
    t->add_option("--epochs", train.epochs,
                  "passes over the data (default: " + per_model([](const ModelEntry& e) { return std::to_string(e.defaults.epochs); }) + ")");
    t->add_option("--batch-size", train.batch_size,
                  "batch size (default: " + per_model([](const ModelEntry& e) { return std::to_string(e.defaults.batch_size); }) + ")");
    t->add_option("--lr", train.lr,
                  "learning rate of both networks' optimizers (default: " +
                      per_model([](const ModelEntry& e) { return number_text(e.defaults.lr); }) + ")");
    t->add_option("--lr-g", train.lr_g, "the generator's learning rate (default: --lr)");
    t->add_option("--lr-d", train.lr_d, "the discriminator's learning rate (default: --lr)");
    t->add_option("--optimizer-g", train.optimizer_g,
                  "the generator's optimizer: adam, adamw (decoupled weight decay 0.01, PyTorch's), sgd or rmsprop, "
                  "with PyTorch's semantics")
        ->capture_default_str();
    t->add_option("--optimizer-d", train.optimizer_d, "the discriminator's optimizer: adam, adamw, sgd or rmsprop")
        ->capture_default_str();
    t->add_option("--momentum", train.momentum, "momentum of sgd and rmsprop optimizers, in [0, 1)")->capture_default_str();
    t->add_option("--rmsprop-alpha", train.rmsprop_alpha,
                  "rmsprop: the smoothing of its average of squared gradients (PyTorch's alpha, Keras' rho; default 0.99, "
                  "PyTorch's; Keras' is 0.9)");
    t->add_option("--g-steps", train.g_steps,
                  "generator updates per generator step (after each D update, or each --critic-steps D updates); later "
                  "ones draw fresh noise (default: " +
                      per_model([](const ModelEntry& e) { return std::to_string(e.defaults.generator_steps); }) + ")");
    t->add_flag("--fresh-noise", train.fresh_noise,
                "the generator's update draws its own noise instead of reusing the fake batch D just saw");
    t->add_option("--clip", train.clip,
                  "clamp every discriminator weight to [-C, C] after each D update (the original WGAN: 0.01; 0: off)")
        ->capture_default_str();
    t->add_flag("--halve-d-loss", train.halve_d_loss,
                "D's loss (and its gradient) is (loss on real + loss on fake) / 2, as some tutorials write it");
    t->add_option("--beta1", train.beta1,
                  "Adam/AdamW beta1 (default: " + per_model([](const ModelEntry& e) { return number_text(e.defaults.beta1); }) +
                      "; the tutorials' PyTorch default is 0.9)");
    t->add_option("--beta2", train.beta2,
                  "Adam/AdamW beta2 (default: " + per_model([](const ModelEntry& e) { return number_text(e.defaults.beta2); }) + ")");
    // The seed's unsigned field would take -1 as 2^64-1: refuse the sign as typed.
    const CLI::Validator no_sign(
        [](std::string& v) { return v.empty() || v[0] != '-' ? std::string() : "must be a whole number from 0 to 2^64-1, not " + v; },
        "", "unsigned");
    t->add_option("--seed", train.seed, "random seed (weights, noise, shuffling), 0 to 2^64-1")->capture_default_str()
        ->check(no_sign);
    t->add_option("--out", train.out, "run directory to write (default: runs/MODEL, e.g. runs/mlp)");
    // Numbers are range-checked by validate() (run_options.hpp), for config.json too.
    t->add_option("--log-every", train.log_every, "steps between metrics.jsonl lines")->capture_default_str();
    t->add_option("--max-steps", train.max_steps, "stop after this many steps (0: no limit)")->capture_default_str();
    t->add_option("--limit", train.limit, "train on the first N images only (0: all)")->capture_default_str();
    t->add_option("--init", train.init,
                  "weight init: pytorch (PyTorch's layer defaults), dcgan (N(0, 0.02)), or default (" +
                      per_model([](const ModelEntry& e) { return std::string(e.defaults.init == Init::dcgan ? "dcgan" : "pytorch"); }) +
                      ")")
        ->capture_default_str()->check(CLI::IsMember({"default", "pytorch", "dcgan"}));
    // Label options: refused for objectives that ignore the targets (check_model_options).
    const std::string targetless = table.where([](const ModelEntry& e) { return !e.uses_targets; });
    const std::string noisy_models =
        table.where([](const ModelEntry& e) { return e.defaults.labels.real_low != e.defaults.labels.real_high; });
    t->add_option("--real-label", train.real_label,
                  "target for real samples (one-sided label smoothing, e.g. 0.9; default: " +
                      per_model([](const ModelEntry& e) {
                          const auto& l = e.defaults.labels;
                          return l.real_low == l.real_high ? number_text(l.real_low)
                                                           : "U(" + number_text(l.real_low) + ", " + number_text(l.real_high) + ")";
                      }) +
                      "). Refused with noisy labels on (--noisy-labels W > 0, the default for " + noisy_models +
                      ": add --noisy-labels 0), and for the models whose objective uses no targets: " + targetless);
    t->add_option("--noisy-labels", train.noisy_labels,
                  "noisy labels of width W: real targets ~ U(1-W, 1), fake ~ U(0, W); 0 turns them off (default: " +
                      per_model([](const ModelEntry& e) {
                          const double w = e.defaults.labels.real_high - e.defaults.labels.real_low;
                          return w == 0 ? std::string("0 (off)") : number_text(w);
                      }) +
                      "). W > 0 is refused for " + targetless);
    t->add_option("--flip-labels", train.flip_labels,
                  "probability of flipping a sample's real/fake target (above 0: refused for " + targetless + ")")
        ->capture_default_str();
    t->add_option("--instance-noise", train.instance_noise, "stddev of Gaussian noise added to every D input (at most 10)")
        ->capture_default_str();
    t->add_flag("--spectral-norm", train.spectral_norm,
                "spectral norm (SN-GAN) on every Linear and Conv2d of D, for " + table.with_spectral_norm_variant() +
                    " (trains " + table.where([](const ModelEntry& e) { return !e.spectral_norm_of.empty(); }) + ")");
    t->add_option("--replay", train.replay,
                  "experience replay: the probability that a fake in D's batch is swapped for one of the past fakes kept "
                  "(a buffer of --replay-size, filled first; saved in checkpoints); 0: off (default: " +
                      per_model([](const ModelEntry& e) { return number_text(e.defaults.replay); }) + ")");
    t->add_option("--replay-size", train.replay_size, "with --replay: the past fakes kept")->capture_default_str();
    t->add_option("--phase-images", train.phase_images,
                  "progressive growing: the real images each new stage fades in over, and then trains at full "
                  "strength for (default: the model's: " +
                      per_model([](const ModelEntry& e) { return std::to_string(e.defaults.growth_phase_images); }) +
                      "; only for " + table.where([](const ModelEntry& e) { return e.defaults.growth_phase_images > 0; }) +
                      ")");
    t->add_option("--ema", train.ema,
                  "keep an exponential moving average of G's weights with this decay (e.g. 0.999), saved as "
                  "OUT/generator_ema.safetensors; the grids, --eval-every, `" + command("sample") + "` and `" + command("eval") +
                      "` then use it; 0: off (default: " +
                      per_model([](const ModelEntry& e) { return number_text(e.defaults.ema); }) + ")");
    t->add_flag("--sync-batchnorm", train.sync_batchnorm,
                "data-parallel runs (mpirun -np N): BatchNorm normalises with the whole batch's statistics, summed over "
                "the processes, so that N processes train as one does (default: each process's own, as PyTorch's DDP)");
    t->add_option("--critic-steps", train.critic_steps,
                  "discriminator (critic) updates per generator update (default: " +
                      per_model([](const ModelEntry& e) { return std::to_string(e.defaults.critic_steps); }) + ")");
    auto* labels_opt = t->add_option("--labels", train.labels_csv,
                                     "conditional models (" + table.where([](const ModelEntry& e) { return e.classes > 0; }) +
                                         ") on folder data: a CelebA-style attribute CSV (header row; first column the file "
                                         "name; values -1/1)");
    auto* attribute_opt = t->add_option("--attribute", train.attribute, "with --labels: the column to condition on, e.g. Blond_Hair");
    labels_opt->needs(attribute_opt);
    attribute_opt->needs(labels_opt);
    t->add_option("--channels", train.channels,
                  "the samples' channels, 1 (grayscale) or 3 (RGB) (default: " +
                      per_model([](const ModelEntry& e) { return std::to_string(e.channels); }) + "). " +
                      table.where([](const ModelEntry& e) { return !e.channels_family.empty() && e.channels_family == e.name; }) +
                      " takes either (--channels 1: " +
                      table.where([](const ModelEntry& e) { return !e.channels_family.empty() && e.channels_family != e.name; }) +
                      "); every other model refuses a count it does not make");
    t->add_option("--max-image-pixels", train.max_image_pixels,
                  "folder data: images with more pixels (width x height, read from the header before decoding) fail to "
                  "load, like corrupt ones")->capture_default_str();
    t->add_flag("--stream-images", train.stream_images,
                "folder data: decode the images from disk as batches draw them, in bounded memory (a folder whose "
                "8-bit images would take over 4 GiB streams anyway); the batches are the same");
    t->add_flag("--quiet", train.quiet, "print nothing but errors");
    t->add_option("--checkpoint-every", train.checkpoint_every,
                  "steps between checkpoints in OUT/checkpoints/ (0: at the end of every epoch)")->capture_default_str();
    t->add_option("--keep", train.keep, "checkpoints to keep (0: all)")->capture_default_str();
    if (has_recipes)
        t->add_option("--recipe", recipe,
                      "train a tutorial listing as it is written, unstable settings included (`" + command("recipes") +
                          "` lists them): sets the model and every setting the listing fixes; options typed beside it "
                          "override those settings")
            ->check(CLI::IsMember(recipe_names));
    t->add_option("--grid-every", train.grid_every,
                  "steps between extra sample grids, OUT/samples/step_NNNNNNN.png (0: only each epoch's "
                  "OUT/samples/epoch_NNNN.png)")->capture_default_str();
    t->add_option("--resume", train.resume,
                  "continue the run in this directory from its latest checkpoint (its config.json gives the settings; "
                  "only --epochs, --max-steps, --quiet and --stream-images may be given with it)");
    t->add_option("--eval-every", train.eval_every,
                  "steps between sample-quality evaluations (Frechet distance, class coverage; see `" + command("eval") + "`), keeping "
                  "the best generator in OUT/best/ (0: none; needs `" + command("classifier train --data DATA") + "` first; --data mnist "
                  "or fashion-mnist; not for the RGB models " +
                      table.where([](const ModelEntry& e) { return e.channels != 1; }) + ")")
        ->capture_default_str();
    t->add_option("--eval-samples", train.eval_samples, "generated samples per evaluation")->capture_default_str();

    SampleOptions sample;
    auto* s = app.add_subcommand("sample", "draw samples from a trained run's generator");
    auto* run_opt = s->add_option("--run", sample.run, "run directory written by `" + command("train") + "`");
    auto* gen_opt = s->add_option("--generator", sample.generator,
                                  "a generator's weights instead of a run (safetensors with PyTorch's state_dict names, "
                                  "e.g. saved from torch); needs --model");
    s->add_option("--model", sample.model, "with --generator: the model the weights belong to (" + models + ")");
    run_opt->excludes(gen_opt);
    s->add_option("--label", sample.label, "conditional models: draw only class K (default: one class per row of 8)")
        ->check(CLI::NonNegativeNumber);
    s->add_flag("--no-ema", sample.no_ema,
                "sample generator.safetensors, the trained weights, where the run also kept their average "
                "(generator_ema.safetensors, trained with --ema), which is sampled by default");
    s->add_flag("--train-mode", sample.train_mode, "sample in train mode (BatchNorm uses batch statistics); default eval");
    s->add_option("--n", sample.n, "number of samples")->capture_default_str()->check(CLI::Range(1, 1 << 30));
    s->add_option("--seed", sample.seed, "noise seed")->capture_default_str();
    s->add_option("--out", sample.out, "PNG grid (8 per row), or FILE.safetensors for the raw [N,C,H,W] samples")
        ->capture_default_str();

    std::string summary_model = table.entries().front().name;
    auto* m = app.add_subcommand("summary", "print the layer table of a model's generator and discriminator");
    m->add_option("--model", summary_model, "model: " + models)->capture_default_str()
        ->check(CLI::IsMember(table.names()));
    std::int64_t summary_batch = 0;
    m->add_option("--batch", summary_batch,
                  "torchsummary's batch_size: shapes show it and sizes are for that many samples (0, the default: "
                  "torchsummary's -1, one sample's sizes)")
        ->check(CLI::Range(std::int64_t(0), std::int64_t(1) << 20));

    ClassifierOptions classifier;
    auto* c = app.add_subcommand("classifier", "the MNIST / Fashion-MNIST classifier behind `" + command("eval") + "`");
    c->require_subcommand(1);
    auto* ct = c->add_subcommand("train", "train the CNN classifier and cache it in ${XGAN_DATA:-data}/classifiers/DATA.safetensors");
    ct->add_option("--data", classifier.data, "mnist or fashion-mnist")->capture_default_str()
        ->check(CLI::IsMember({"mnist", "fashion-mnist"}));
    ct->add_option("--epochs", classifier.epochs, "passes over the training set (default: mnist 3, fashion-mnist 5)");
    ct->add_option("--batch-size", classifier.batch_size, "batch size")->capture_default_str()->check(CLI::PositiveNumber);
    ct->add_option("--lr", classifier.lr, "Adam learning rate of the first epoch (halved every epoch)")->capture_default_str();
    ct->add_option("--seed", classifier.seed, "random seed (weights, shuffling)")->capture_default_str();
    ct->add_option("--out", classifier.out, "write here instead of the cache");
    ct->add_option("--min-accuracy", classifier.min_accuracy,
                   "exit with status 4 (and write nothing) below this test accuracy, e.g. 0.99")
        ->capture_default_str()->check(CLI::Range(0.0, 1.0));
    ct->add_flag("--quiet", classifier.quiet, "print nothing but errors");

    EvalOptions eval;
    auto* ev = app.add_subcommand("eval", "sample quality of a run's generator: Frechet distance to the test set in "
                                          "classifier features, class coverage, confidence");
    auto* eval_run = ev->add_option("--run", eval.run, "run directory written by `" + command("train") + "`");
    auto* eval_samples = ev->add_option("--samples", eval.samples,
                                        "score the samples of a safetensors file instead ([N,C,H,W] F32 in [-1, 1], as "
                                        "`" + command("sample --out FILE.safetensors") + "` writes)");
    eval_run->excludes(eval_samples);
    auto* eval_n = ev->add_option("--n", eval.n, "generated samples (--samples: the first N of the file, default all)")
                        ->capture_default_str()->check(CLI::Range(2, 1 << 24));
    ev->add_option("--seed", eval.seed, "noise seed (the same samples as `" + command("sample --seed") + "`)")->capture_default_str();
    ev->add_option("--data", eval.data, "whose classifier and test set: mnist, fashion-mnist (default: the run's data; "
                                        "mnist for --samples)");
    ev->add_flag("--no-ema", eval.no_ema,
                 "score generator.safetensors, the trained weights, where the run also kept their average "
                 "(generator_ema.safetensors, trained with --ema), which is scored by default");
    ev->add_flag("--best", eval.best, "score DIR/best/generator.safetensors (kept by `" + command("train --eval-every") + "`)");
    ev->add_flag("--json", eval.json, "print JSON instead of a table");

    CLI::App* recipes_command = nullptr;
    if (has_recipes)
        recipes_command = app.add_subcommand("recipes", "list the tutorial recipes of `" + command("train --recipe NAME") +
                                                            "`: where each comes from and what to expect");

    fs::path new_dir;
    std::string new_name;
    auto* nw = app.add_subcommand("new", "write a CMake project with your own GAN type in one header, built against the "
                                         "installed xgan (a program like this one)");
    nw->add_option("DIR", new_dir, "the project's folder (new or empty)")->required();
    nw->add_option("--name", new_name, "the program's and model's name (default: DIR's name)");

    CLI11_PARSE(app, argc, argv);
    try {
        if (comm && !*t) throw Error("only train runs as several processes (mpirun -np N); run this command as one");
        if (*t) {
            // Every setting is checked before anything runs: as typed here, and from config.json
            // on --resume (validate() in run_options.hpp for both).
            validate(train);
            if (t->count("--resume") && train.resume.empty()) throw Error("--resume must name a run directory (it is empty)");
            if (!train.resume.empty()) {
                // The run's config.json gives every setting; one typed here would be ignored.
                for (const CLI::Option* opt : t->get_options()) {
                    const std::string name = opt->get_name();
                    if (opt->count() && name != "--resume" && name != "--epochs" && name != "--max-steps" &&
                        name != "--quiet" && name != "--stream-images")
                        throw Error(name + " cannot be given with --resume: the run goes on with the settings in its "
                                                 "config.json (only --epochs, --max-steps, --quiet and --stream-images "
                                                 "may be given)");
                }
                const auto file = train.resume / "config.json";
                std::ifstream in(file);
                if (!in) throw FileError(file, "not found: --resume takes a run directory made by `" + command("train") + "`");
                nlohmann::json j;
                try {
                    j = nlohmann::json::parse(in);
                    auto resumed = from_json(j, file);
                    validate(resumed, file);
                    resumed.resume = resumed.out = train.resume;
                    resumed.quiet = train.quiet;
                    resumed.stream_images = train.stream_images;
                    // Only how long to train may change on resume.
                    if (t->count("--max-steps")) resumed.max_steps = train.max_steps;
                    if (t->count("--epochs")) resumed.epochs = train.epochs;
                    train = resumed;
                } catch (const nlohmann::json::exception& e) {
                    throw FileError(file, std::string("not a valid run configuration: ") + e.what());
                }
            }
            if (!recipe.empty()) {
                for (const char* option : {"--model", "--objective"})
                    if (t->count(option))
                        throw Error(std::string(option) + " cannot be given with --recipe: recipe " + recipe +
                                    " trains model " + find_recipe(recipe).model + " as its tutorial builds it");
                check_recipe_data(find_recipe(recipe), train);
            }
            train.model = table.with_objective(train.model, train.objective);
            if (train.resume.empty() && !t->count("--out")) train.out = "runs/" + (recipe.empty() ? train.model : recipe);
            train.model = table.with_channels(train.model, train.channels);
            if (train.spectral_norm) train.model = table.with_spectral_norm(train.model);
            if (comm && comm->rank() != 0) train.quiet = true;  // rank 0 prints
            return with_model<M...>(train.model, [&](auto model) { return train_command<decltype(model)>(train, table, comm); });
        }
        if (*s) {
            if (sample.run.empty() && sample.generator.empty()) throw Error("sample needs --run DIR or --generator FILE --model M");
            if (!sample.generator.empty() && sample.model.empty()) throw Error("--generator needs --model (one of: " + models + ")");
            const std::string model = sample.generator.empty() ? model_of_run(sample.run) : sample.model;
            return with_model<M...>(model, [&](auto mdl) { return sample_command<decltype(mdl)>(sample); });
        }
        if (*ct) return train_classifier(classifier);
        if (*ev) {
            eval.n_given = eval_n->count() > 0;
            if (!eval.data.empty() && !has_classifier_data(eval.data))
                throw Error("no classifier for this data ('" + eval.data + "'): --data takes mnist or fashion-mnist");
            if (!eval.samples.empty()) return eval_samples_file(eval);
            if (eval.run.empty()) throw Error("eval needs --run DIR (or --samples FILE.safetensors)");
            return with_model<M...>(model_of_run(eval.run), [&](auto mdl) { return eval_command<decltype(mdl)>(eval); });
        }
        if (recipes_command && *recipes_command) {
            std::printf("%s", recipes_table().c_str());
            return 0;
        }
        if (*nw) {
            const fs::path dir = new_dir.filename().empty() ? new_dir.parent_path() : new_dir;
            const std::string name = new_name.empty() ? dir.filename().string() : new_name;
            write_new_project(dir, name);
            std::printf("wrote %s: build it with\n  cmake -S %s -B %s/build && cmake --build %s/build\nthen train with\n  "
                        "%s/build/%s train --data mnist\n(%s/README.md says how to change the network)\n",
                        dir.c_str(), dir.c_str(), dir.c_str(), dir.c_str(), dir.c_str(), name.c_str(), dir.c_str());
            return 0;
        }
        if (*m) {
            return with_model<M...>(summary_model, [&](auto model) {
                using Entry = decltype(model);
                std::printf("%s: %s\n\nGenerator\n%s\nDiscriminator\n%s", Entry::name, Entry::description,
                            summary<typename Entry::gan::generator>(std::size_t(summary_batch)).c_str(),
                            summary<typename Entry::gan::discriminator>(std::size_t(summary_batch)).c_str());
                return 0;
            });
        }
    } catch (const NumericError& e) {
        // Every process of a data-parallel run stops on the same step's loss: each exits alike.
        if (!comm || comm->rank() == 0) std::fprintf(stderr, "%s: %s\n", program_name().c_str(), e.what());
        return 3;
    } catch (const std::exception& e) {
        if (!comm) {
            std::fprintf(stderr, "%s: %s\n", program_name().c_str(), e.what());
            return 1;
        }
        // The other processes may wait for this one in their next sum: end them all.
        std::fprintf(stderr, "%s (process %d of %d): %s\n", program_name().c_str(), comm->rank(), comm->size(), e.what());
        std::fflush(stderr);
        comm->abort(1);
    }
    return 0;
}

}  // namespace xgan::cli
