#pragma once
// Settings of one `xgan train` run, as parsed from the command line and saved in config.json,
// and validate(): the valid range of every setting, checked the same way for both sources.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>
#include "xgan/core/error.hpp"
#include "xgan/data/image_folder.hpp"

namespace xgan::cli {

// Integer settings are signed 64-bit, so that a typed -7 or 4294967297 reaches validate() as
// itself (an unsigned or int field would wrap it into something valid).
struct RunOptions {
    std::string model = "mlp";
    std::string objective;  // the GAN objective ("": the model's own; see cli/model.hpp, family)
    std::string data = "mnist";
    // Unset: the model's default (resolve() in train_command.hpp fills these in).
    std::optional<std::int64_t> epochs, batch_size;
    std::optional<double> lr, beta1, beta2;
    std::optional<double> real_label;    // one-sided smoothing target
    std::optional<double> noisy_labels;  // width w: real ~ U(1-w, 1), fake ~ U(0, w); 0: off
    std::optional<std::int64_t> critic_steps;  // D updates per G update
    std::string optimizer_g = "adam", optimizer_d = "adam";  // adam | adamw | sgd | rmsprop
    std::optional<double> lr_g, lr_d;  // unset: --lr
    double momentum = 0;               // sgd and rmsprop
    std::optional<double> rmsprop_alpha;  // rmsprop's square-average smoothing (unset: PyTorch's 0.99)
    std::optional<std::int64_t> g_steps;  // G updates per D update
    bool fresh_noise = false;          // G's update draws its own noise
    bool sync_batchnorm = false;       // data-parallel: BatchNorm over the global batch
    double clip = 0;                   // D's weights clamped to [-clip, clip] (0: off)
    bool halve_d_loss = false;         // D's loss is (real + fake) / 2
    std::uint64_t seed = 1;
    std::filesystem::path out = "runs/mlp";
    std::int64_t log_every = 50;   // steps between metrics.jsonl lines
    std::int64_t max_steps = 0;    // 0: no limit (for quick runs and tests)
    std::int64_t limit = 0;        // use only the first N training images (0: all)
    std::string init = "default";  // default | pytorch | dcgan
    double flip_labels = 0;        // probability of swapping a sample's target
    double instance_noise = 0;     // stddev of Gaussian noise on D's inputs
    std::optional<double> replay;    // experience replay: probability a fake is swapped for a past one (0: off)
    std::int64_t replay_size = 512;  // past fakes kept for replay
    std::optional<std::int64_t> phase_images;  // progressive growing: images per fade-in and per stabilisation
    std::optional<double> ema;       // decay of the average of G's weights (0: off)
    bool spectral_norm = false;      // the model's variant with spectral norm on D (its name is in config.json)
    std::int64_t channels = 0;     // dcgan64: 1 or 3 (0: the model's)
    std::filesystem::path labels_csv;  // folder data: attribute table (CelebA-style)
    std::string attribute;             // its column giving the label (-1 -> 0, 1 -> 1)
    bool quiet = false;
    std::int64_t checkpoint_every = 0;  // steps between checkpoints (0: at the end of every epoch)
    std::int64_t keep = 3;              // checkpoints kept (0: all)
    std::int64_t grid_every = 0;        // steps between sample grids (0: only at each epoch's end)
    std::int64_t eval_every = 0;        // steps between sample-quality evaluations (0: none)
    std::int64_t eval_samples = 2000;   // generated samples per evaluation
    std::int64_t max_image_pixels = std::int64_t(xgan::data::default_max_image_pixels);  // folder data
    bool stream_images = false;  // folder data: decode as batches draw (not saved: the batches are the same)
    std::filesystem::path resume;       // run directory to continue
};

// The largest --max-image-pixels: both sides at stb_image's limit.
inline constexpr std::int64_t max_image_pixels_limit = std::int64_t(1) << 48;

// Throws an Error naming the first setting outside its valid range, and the range. `config`
// empty: the settings are options as typed (--batch-size); else they come from that
// config.json (--resume), whose keys are named (batch_size). `images`: the training images,
// once loaded, which bound --limit and --batch-size.
inline void validate(const RunOptions& o, const std::filesystem::path& config = {},
                     std::optional<std::int64_t> images = {}) {
    auto fail = [&](std::string option, const std::string& what) {
        if (config.empty()) throw xgan::Error(option + " " + what);
        option.erase(0, 2);  // --batch-size -> batch_size
        for (auto& c : option) c = c == '-' ? '_' : c;
        throw xgan::FileError(config, option + " " + what);
    };
    constexpr std::int64_t big = std::numeric_limits<std::int64_t>::max();
    auto whole = [&](const char* option, std::int64_t v, std::int64_t lo, std::int64_t hi, const std::string& note = "") {
        if (v < lo || v > hi)
            fail(option, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + note + ", not " +
                             std::to_string(v));
    };
    // A number in [lo, hi], or (lo, hi] / [lo, hi) with an open end; NaN and Inf never pass.
    auto real = [&](const char* option, double v, double lo, double hi, bool open_lo = false, bool open_hi = false) {
        if (std::isfinite(v) && (open_lo ? v > lo : v >= lo) && (open_hi ? v < hi : v <= hi)) return;
        char buf[128];
        std::snprintf(buf, sizeof buf, "must be a number in %c%g, %g%c, not %g", open_lo ? '(' : '[', lo, hi,
                      open_hi ? ')' : ']', v);
        fail(option, buf);
    };
    if (config.empty() && o.out.empty()) fail("--out", "must name the run directory (it is empty)");
    if (o.epochs) whole("--epochs", *o.epochs, 1, 1'000'000);
    if (images) whole("--limit", o.limit, 0, *images, " (the training images; 0: all)");
    else whole("--limit", o.limit, 0, big, " (0: all)");
    const std::int64_t batches_from = images ? (o.limit ? o.limit : *images) : 1 << 20;
    if (o.batch_size)
        whole("--batch-size", *o.batch_size, 1, std::min<std::int64_t>(1 << 20, batches_from),
              images && batches_from < (1 << 20) ? " (the training images)" : "");
    if (o.lr) real("--lr", *o.lr, 0, 1, true);
    if (o.beta1) real("--beta1", *o.beta1, 0, 1, false, true);
    if (o.beta2) real("--beta2", *o.beta2, 0, 1, false, true);
    if (o.real_label) real("--real-label", *o.real_label, 0, 1);
    if (o.noisy_labels) real("--noisy-labels", *o.noisy_labels, 0, 1);
    real("--flip-labels", o.flip_labels, 0, 1);
    real("--instance-noise", o.instance_noise, 0, 10);
    if (o.replay) real("--replay", *o.replay, 0, 1);
    whole("--replay-size", o.replay_size, 1, 1 << 20);
    if (o.phase_images) whole("--phase-images", *o.phase_images, 1, std::int64_t(1) << 40);
    if (o.ema) real("--ema", *o.ema, 0, 1, false, true);
    if (o.critic_steps) whole("--critic-steps", *o.critic_steps, 1, 1000);
    for (const auto& [option, name] : {std::pair{"--optimizer-g", &o.optimizer_g}, std::pair{"--optimizer-d", &o.optimizer_d}})
        if (*name != "adam" && *name != "adamw" && *name != "sgd" && *name != "rmsprop")
            fail(option, "must be adam, adamw, sgd or rmsprop, not '" + *name + "'");
    if (o.lr_g) real("--lr-g", *o.lr_g, 0, 1, true);
    if (o.lr_d) real("--lr-d", *o.lr_d, 0, 1, true);
    real("--momentum", o.momentum, 0, 1, false, true);
    if (o.rmsprop_alpha) real("--rmsprop-alpha", *o.rmsprop_alpha, 0, 1, false, true);
    if (o.g_steps) whole("--g-steps", *o.g_steps, 1, 1000);
    real("--clip", o.clip, 0, 100);
    whole("--log-every", o.log_every, 1, 1 << 30);
    whole("--max-steps", o.max_steps, 0, big, " (0: no limit)");
    whole("--checkpoint-every", o.checkpoint_every, 0, big, " (0: every epoch)");
    whole("--keep", o.keep, 0, 1'000'000, " (0: all)");
    whole("--grid-every", o.grid_every, 0, big, " (0: only at each epoch's end)");
    whole("--eval-every", o.eval_every, 0, big, " (0: none)");
    whole("--eval-samples", o.eval_samples, 2, 1 << 20);
    whole("--max-image-pixels", o.max_image_pixels, 1, max_image_pixels_limit);
    if (o.channels != 0 && o.channels != 1 && o.channels != 3)
        fail("--channels", "must be 1 or 3, not " + std::to_string(o.channels));
    if (o.init != "default" && o.init != "pytorch" && o.init != "dcgan")
        fail("--init", "must be default, pytorch or dcgan, not '" + o.init + "'");
}

// config.json holds every setting, resolved (train_command.hpp), except that real_label and
// noisy_labels are -1 when unset (the model's default).
inline nlohmann::json to_json(const RunOptions& o) {
    return {{"model", o.model},
            {"objective", o.objective},
            {"data", o.data},
            {"epochs", o.epochs.value_or(-1)},
            {"batch_size", o.batch_size.value_or(-1)},
            {"lr", o.lr.value_or(-1)},
            {"beta1", o.beta1.value_or(-1)},
            {"beta2", o.beta2.value_or(-1)},
            {"seed", o.seed},
            {"log_every", o.log_every},
            {"max_steps", o.max_steps},
            {"limit", o.limit},
            {"init", o.init},
            {"real_label", o.real_label.value_or(-1)},
            {"noisy_labels", o.noisy_labels.value_or(-1)},
            {"flip_labels", o.flip_labels},
            {"instance_noise", o.instance_noise},
            {"replay", o.replay.value_or(-1)},
            {"replay_size", o.replay_size},
            {"phase_images", o.phase_images.value_or(0)},
            {"ema", o.ema.value_or(-1)},
            {"critic_steps", o.critic_steps.value_or(-1)},
            {"optimizer_g", o.optimizer_g},
            {"optimizer_d", o.optimizer_d},
            {"lr_g", o.lr_g.value_or(-1)},
            {"lr_d", o.lr_d.value_or(-1)},
            {"momentum", o.momentum},
            {"rmsprop_alpha", o.rmsprop_alpha.value_or(-1)},
            {"g_steps", o.g_steps.value_or(-1)},
            {"fresh_noise", o.fresh_noise},
            {"sync_batchnorm", o.sync_batchnorm},
            {"clip", o.clip},
            {"halve_d_loss", o.halve_d_loss},
            {"labels", o.labels_csv.string()},
            {"attribute", o.attribute},
            {"checkpoint_every", o.checkpoint_every},
            {"keep", o.keep},
            {"grid_every", o.grid_every},
            {"eval_every", o.eval_every},
            {"eval_samples", o.eval_samples},
            {"max_image_pixels", o.max_image_pixels}};
}

// The settings a run was started with, read back from its config.json for --resume. Numbers
// are read without narrowing (1e30 or 4294967297 into an int is undefined or wraps): an
// integer setting must be a whole JSON number, and validate() then checks its range. Keys
// that older versions did not write take their old defaults.
inline RunOptions from_json(const nlohmann::json& j, const std::filesystem::path& file) {
    auto whole = [&](const char* key, std::optional<std::int64_t> fallback = {}) -> std::int64_t {
        if (fallback && !j.contains(key)) return *fallback;
        const auto& v = j.at(key);
        constexpr auto most = std::uint64_t(std::numeric_limits<std::int64_t>::max());
        if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<std::uint64_t>() > most))
            return v.get<std::int64_t>();
        throw xgan::FileError(file, std::string(key) + " must be a whole number, not " + v.dump());
    };
    auto number = [&](const char* key, std::optional<double> fallback = {}) -> double {
        if (fallback && !j.contains(key)) return *fallback;
        const auto& v = j.at(key);
        if (!v.is_number()) throw xgan::FileError(file, std::string(key) + " must be a number, not " + v.dump());
        return v.get<double>();
    };
    auto unset_if_negative_one = [](double v) { return v == -1 ? std::optional<double>() : std::optional<double>(v); };
    RunOptions o;
    o.model = j.at("model").get<std::string>();
    o.objective = j.value("objective", std::string());
    o.data = j.at("data").get<std::string>();
    o.epochs = whole("epochs");
    o.batch_size = whole("batch_size");
    o.lr = number("lr");
    o.beta1 = number("beta1");
    o.beta2 = number("beta2");
    if (!j.at("seed").is_number_unsigned())
        throw xgan::FileError(file, "seed must be a whole number from 0 to 18446744073709551615, not " + j.at("seed").dump());
    o.seed = j.at("seed").get<std::uint64_t>();
    o.log_every = whole("log_every");
    o.max_steps = whole("max_steps");
    o.limit = whole("limit");
    o.init = j.at("init").get<std::string>();
    o.real_label = unset_if_negative_one(number("real_label"));
    o.noisy_labels = unset_if_negative_one(number("noisy_labels", -1.0));
    o.flip_labels = number("flip_labels", 0.0);
    o.instance_noise = number("instance_noise", 0.0);
    // Runs from before the stabilisers trained without them.
    o.replay = unset_if_negative_one(number("replay", 0.0));
    o.replay_size = whole("replay_size", 512);
    // 0 (and runs from before progressive growing): the model does not grow.
    if (const std::int64_t phase = whole("phase_images", 0); phase > 0) o.phase_images = phase;
    o.ema = unset_if_negative_one(number("ema", 0.0));
    o.critic_steps = whole("critic_steps", 1);
    auto flag = [&](const char* key) {
        if (!j.contains(key)) return false;
        if (!j.at(key).is_boolean()) throw xgan::FileError(file, std::string(key) + " must be true or false, not " + j.at(key).dump());
        return j.at(key).get<bool>();
    };
    o.optimizer_g = j.value("optimizer_g", std::string("adam"));
    o.optimizer_d = j.value("optimizer_d", std::string("adam"));
    o.lr_g = unset_if_negative_one(number("lr_g", -1.0));
    o.lr_d = unset_if_negative_one(number("lr_d", -1.0));
    o.momentum = number("momentum", 0.0);
    o.rmsprop_alpha = unset_if_negative_one(number("rmsprop_alpha", -1.0));
    o.g_steps = whole("g_steps", 1);
    o.fresh_noise = flag("fresh_noise");
    o.sync_batchnorm = flag("sync_batchnorm");
    o.clip = number("clip", 0.0);
    o.halve_d_loss = flag("halve_d_loss");
    o.labels_csv = j.value("labels", std::string());
    o.attribute = j.value("attribute", std::string());
    o.checkpoint_every = whole("checkpoint_every", 0);
    o.keep = whole("keep", 3);
    o.grid_every = whole("grid_every", 0);
    o.eval_every = whole("eval_every", 0);
    o.eval_samples = whole("eval_samples", 2000);
    o.max_image_pixels = whole("max_image_pixels", std::int64_t(xgan::data::default_max_image_pixels));
    return o;
}

}  // namespace xgan::cli
