#pragma once
// `xgan train`: trains one model and keeps everything in its run directory:
//   config.json, metrics.jsonl, samples/epoch_NNNN.png (64 fixed-noise samples),
//   generator.safetensors, discriminator.safetensors, loss.png, report.html.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <xgan/xgan.hpp>

#include "datasets.hpp"
#include "models.hpp"
#include "run_files.hpp"
#include "run_options.hpp"

namespace xgan_cli {

// Fills in the model's defaults for every setting the user left unset.
template <class M>
RunOptions resolve(RunOptions o) {
    const ModelDefaults d = M::defaults();
    if (o.epochs < 0) o.epochs = d.epochs;
    if (o.batch_size < 0) o.batch_size = d.batch_size;
    if (o.lr < 0) o.lr = d.lr;
    if (o.beta1 < 0) o.beta1 = d.beta1;
    if (o.beta2 < 0) o.beta2 = d.beta2;
    if (o.init == "default") o.init = d.init == Init::dcgan ? "dcgan" : "pytorch";
    return o;
}

// Fixed noise for the sample grids: its own stream, so it does not depend on training.
template <class Noise>
Tensor<Noise> fixed_noise(std::uint64_t seed, std::size_t n) {
    Tensor<Noise> z(n);
    Rng rng(seed ^ 0x5eed0f1dedc0ffeeULL);
    rng.fill_normal(z.data(), z.size());
    return z;
}

template <class M>
int train(RunOptions o) {
    using GanT = typename M::gan;
    using Noise = typename GanT::noise_shape;
    using Sample = typename GanT::sample_shape;
    o = resolve<M>(o);
    if (o.epochs <= 0 || o.batch_size <= 0 || o.lr <= 0) throw Error("--epochs, --batch-size and --lr must be positive");

    const data::ImageDataset full = load_dataset(o.data, true);
    const data::ImageDataset dataset = o.limit ? data::subset(full, o.limit) : full;
    if (dataset.sample_size() != Sample::size)
        throw Error("model " + std::string(M::name) + " makes samples of shape " + Sample::str() + " but dataset " + o.data +
                    " has " + std::to_string(dataset.channels) + "x" + std::to_string(dataset.height) + "x" +
                    std::to_string(dataset.width));

    RunFiles files(o.out);  // creates the directory and checks it is writable before training
    files.write_config(to_json(o), M::name);

    GanOptions options;
    options.generator_adam = {o.lr, o.beta1, o.beta2};
    options.discriminator_adam = {o.lr, o.beta1, o.beta2};
    options.init = o.init == "dcgan" ? Init::dcgan : Init::pytorch;
    options.labels = M::defaults().labels;
    if (o.real_label >= 0) options.labels.real_low = options.labels.real_high = o.real_label;
    GanTrainer<GanT> trainer(options, o.seed);
    data::BatchLoader loader(dataset, std::size_t(o.batch_size), o.seed + 1);
    const Tensor<Noise> grid_noise = fixed_noise<Noise>(o.seed, 64);
    Tensor<Sample> real;

    const bool tty = ::isatty(STDOUT_FILENO) && !o.quiet;
    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    if (!o.quiet)
        std::printf("training %s on %s: %zu images, %d epochs, batch %d, Adam lr %g betas (%g, %g), seed %llu -> %s\n",
                    M::name, o.data.c_str(), dataset.count, o.epochs, o.batch_size, o.lr, o.beta1, o.beta2,
                    (unsigned long long)o.seed, o.out.c_str());

    const std::size_t steps_per_epoch = loader.batches_per_epoch();
    bool stop = false;
    for (int epoch = 1; epoch <= o.epochs && !stop; ++epoch) {
        StepStats sum{};
        std::size_t n = 0;
        while (loader.next(real)) {
            StepStats s;
            try {
                s = trainer.train_step(real);
            } catch (const NumericError& e) {
                files.log_event("error", e.what(), trainer.steps());
                throw;
            }
            sum.d_loss += s.d_loss, sum.g_loss += s.g_loss, sum.d_real += s.d_real, sum.d_fake += s.d_fake;
            ++n;
            const std::int64_t step = trainer.steps();
            if (step % o.log_every == 0 || n == 1) files.log_step(epoch, step, s, seconds());
            if (tty && (n % 10 == 0 || n == steps_per_epoch)) {
                const double rate = double(step) / seconds();
                const double eta = double(std::size_t(o.epochs) * steps_per_epoch - std::size_t(step)) / rate;
                std::printf("\repoch %d/%d  step %zu/%zu  %.1f steps/s  ETA %.0fs  d_loss %.4f  g_loss %.4f  D(x) %.2f  D(G(z)) %.2f   ",
                            epoch, o.epochs, n, steps_per_epoch, rate, eta, s.d_loss, s.g_loss, s.d_real, s.d_fake);
                std::fflush(stdout);
            }
            if (o.max_steps && step >= o.max_steps) {
                stop = true;
                break;
            }
        }
        const double k = double(std::max<std::size_t>(n, 1));
        if (!o.quiet)
            std::printf("%sepoch %d/%d  d_loss %.4f  g_loss %.4f  D(x) %.3f  D(G(z)) %.3f  %.1fs\n", tty ? "\r" : "", epoch,
                        o.epochs, sum.d_loss / k, sum.g_loss / k, sum.d_real / k, sum.d_fake / k, seconds());
        const auto& samples = trainer.generate(grid_noise, Mode::eval);
        files.write_samples(epoch, samples.data(), samples.batch(), Sample::dims);
        files.write_weights(trainer.generator(), trainer.discriminator());
    }
    files.finish(type_summaries<GanT>());
    if (!o.quiet) std::printf("done in %.1fs; samples, weights and report in %s\n", seconds(), o.out.c_str());
    return 0;
}

}  // namespace xgan_cli
