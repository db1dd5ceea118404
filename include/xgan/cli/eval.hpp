#pragma once
// Sample quality: `xgan eval` and `xgan train --eval-every K`. Generated samples and the real
// test set go through the cached classifier (classifier.hpp); the report holds
//   fid                the Frechet distance between the 128-d classifier features of the
//                      samples and of the 10,000 test images
//   fid_floor          the same distance from 10,000 training images to the test set: what a
//                      perfect generator would score with this many samples
//   histogram, classes_covered (>= 1% of the samples), kl_uniform (KL(histogram || uniform)),
//   confident          share of samples whose max softmax > 0.9
//   requested_accuracy share classified as the requested label (conditional models, e.g. cgan:
//                      sample i asks for class i % classes; SampleScorer::score takes the labels)
// The classifiers take 1x28x28 grayscale images; 32x32 and 64x64 grayscale samples are resized
// to 28x28 first (antialiased bilinear, data::resize_dataset), RGB samples are refused.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include "xgan/metrics/features.hpp"
#include "xgan/xgan.hpp"

#include "xgan/cli/classifier.hpp"
#include "xgan/cli/datasets.hpp"
#include "xgan/cli/program.hpp"
#include "xgan/cli/sample.hpp"
#include "xgan/train/run_files.hpp"

namespace xgan::cli {

namespace fs = std::filesystem;
using train::RunFiles;

struct EvalOptions {
    std::filesystem::path run;
    std::filesystem::path samples;  // instead of --run: a safetensors file from `xgan sample --out X.safetensors`
    std::string data;               // default: the run's data set (mnist for --samples)
    int n = 10000;
    bool n_given = false;           // --samples: without --n, every sample of the file is used
    std::uint64_t seed = 0;
    bool json = false;
    bool best = false;              // score DIR/best/generator.safetensors
    bool no_ema = false;            // score generator.safetensors even where the run kept an average
};

inline constexpr std::size_t real_eval_images = 10000;

struct EvalResult {
    std::string data;
    std::size_t count = 0;
    double fid = 0;
    std::optional<double> fid_floor;
    metrics::ClassStats classes;
    double classifier_accuracy = 0;
    double seconds = 0;
};

inline nlohmann::json to_json(const EvalResult& r) {
    nlohmann::json j = {{"data", r.data},
                        {"samples", r.count},
                        {"fid", r.fid},
                        {"classes_covered", r.classes.classes_covered},
                        {"classes", r.classes.classes},
                        {"kl_uniform", r.classes.kl_to_uniform},
                        {"confident", r.classes.confident_share},
                        {"mean_confidence", r.classes.mean_confidence},
                        {"histogram", r.classes.histogram},
                        {"classifier_test_accuracy", r.classifier_accuracy},
                        {"seconds", r.seconds}};
    j["fid_floor"] = r.fid_floor ? nlohmann::json(*r.fid_floor) : nlohmann::json(nullptr);
    if (r.classes.requested_accuracy) j["requested_accuracy"] = *r.classes.requested_accuracy;
    return j;
}

// TensorBoard scalars of an evaluation.
inline std::vector<std::pair<std::string, float>> eval_scalars(const EvalResult& r) {
    std::vector<std::pair<std::string, float>> s = {{"eval/fid", float(r.fid)},
                                                    {"eval/classes_covered", float(r.classes.classes_covered)},
                                                    {"eval/kl_uniform", float(r.classes.kl_to_uniform)},
                                                    {"eval/confident", float(r.classes.confident_share)}};
    if (r.classes.requested_accuracy) s.emplace_back("eval/requested_accuracy", float(*r.classes.requested_accuracy));
    return s;
}

inline std::string eval_table(const EvalResult& r, const std::string& title) {
    std::string out = title + "\n";
    char line[160];
    auto row = [&](const char* name, const std::string& value) {
        std::snprintf(line, sizeof line, "  %-56s %s\n", name, value.c_str());
        out += line;
    };
    auto num = [](const char* fmt, double v) {
        char b[48];
        std::snprintf(b, sizeof b, fmt, v);
        return std::string(b);
    };
    row("Frechet distance to the test set (classifier features)", num("%.3f", r.fid));
    if (r.fid_floor) row("  floor: 10,000 training images to the test set", num("%.3f", *r.fid_floor));
    row("classes covered (>= 1% of the samples)",
        std::to_string(r.classes.classes_covered) + " / " + std::to_string(r.classes.classes));
    row("KL divergence of the class histogram to uniform", num("%.4f", r.classes.kl_to_uniform));
    row("confident samples (max softmax > 0.9)", num("%.1f%%", 100 * r.classes.confident_share));
    if (r.classes.requested_accuracy)
        row("classified as the requested label", num("%.1f%%", 100 * *r.classes.requested_accuracy));
    std::string hist;
    for (std::size_t c = 0; c < r.classes.histogram.size(); ++c)
        hist += (c ? "  " : "") + std::to_string(c) + ": " + std::to_string(r.classes.histogram[c]);
    row("class histogram", hist);
    row("classifier test accuracy", num("%.2f%%", 100 * r.classifier_accuracy));
    return out;
}

// Throws unless samples of shape (c, h, w) from a model trained on `data` can be classified.
inline void check_classifiable(const std::string& data, std::size_t c, std::size_t h, std::size_t w) {
    if (!has_classifier_data(data))
        throw Error("no classifier for this data ('" + data +
                    "'): sample-quality metrics exist for --data mnist and fashion-mnist only");
    if (c != 1)
        throw Error("no classifier for this data: the samples are " + std::to_string(c) + "x" + std::to_string(h) + "x" +
                    std::to_string(w) + " (" + (c == 3 ? "RGB" : std::to_string(c) + " channels") +
                    "), the " + data + " classifier takes 1x28x28 grayscale images");
    if (h != w || h < 28)
        throw Error("no classifier for this data: the samples are " + std::to_string(c) + "x" + std::to_string(h) + "x" +
                    std::to_string(w) + "; the " + data + " classifier takes 1x28x28 images (larger square ones are resized)");
}

// The classifier of one data set and the statistics of its real images, loaded and computed
// once; scores any number of sample sets.
class SampleScorer {
public:
    // floor: also compute the distance of 10,000 training images to the test set.
    SampleScorer(const std::string& data, bool floor) : classifier_(load_classifier(data)) {
        ClassifierFeatures extract(*classifier_.net);
        const data::ImageDataset test = load_dataset(data, false);
        const std::size_t n_test = std::min(test.count, real_eval_images);
        const std::vector<float> test_images = test.float_samples(0, n_test);
        metrics::check_sample_values(test_images.data(), n_test, test.sample_size(), data + " test images");
        test_stats_ = metrics::gaussian_stats(extract(test_images.data(), n_test));
        if (floor) {
            const data::ImageDataset train = load_dataset(data, true);
            const std::size_t n_train = std::min(train.count, real_eval_images);
            floor_ = metrics::frechet_distance(
                test_stats_, metrics::gaussian_stats(extract(train.float_samples(0, n_train).data(), n_train)));
        }
    }

    // Scores n samples of shape (c, h, w), values in [-1, 1]. requested_labels: for
    // conditional models, the n labels the generator was asked for (null otherwise).
    EvalResult score(const float* samples, std::size_t n, std::size_t c, std::size_t h, std::size_t w,
                     const std::int32_t* requested_labels = nullptr) {
        const auto start = std::chrono::steady_clock::now();
        check_classifiable(classifier_.data, c, h, w);
        if (n < 2) throw Error("sample quality needs at least 2 samples, got " + std::to_string(n));
        metrics::check_sample_values(samples, n, c * h * w, "generated samples");
        metrics::Features f;
        ClassifierFeatures extract(*classifier_.net);
        if (h == 28 && w == 28) {
            f = extract(samples, n);
        } else {  // 32x32, 64x64 grayscale: to 28x28 as the classifier saw its data
            data::ImageDataset ds{n, c, h, w, std::vector<float>(samples, samples + n * c * h * w), {}, {}, {}};
            const data::ImageDataset small = data::resize_dataset(ds, 28);
            f = extract(small.images.data(), n);
        }
        EvalResult r;
        r.data = classifier_.data;
        r.count = n;
        r.fid = metrics::frechet_distance(test_stats_, metrics::gaussian_stats(f));
        r.fid_floor = floor_;
        r.classes = metrics::class_stats(f.logits.data(), n, f.classes, requested_labels);
        r.classifier_accuracy = classifier_.test_accuracy;
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return r;
    }

private:
    Classifier classifier_;
    metrics::GaussianStats test_stats_;
    std::optional<double> floor_;
};

// n samples of the generator in eval mode from the noise of Rng(seed), as `xgan sample --seed`
// draws them (all noise first, then the generator in batches). Conditional models: sample i
// asks for class i % classes; `requested`, when given, receives those n labels (else stays empty).
template <class GanT>
std::vector<float> generate_samples(typename GanT::generator& g, std::size_t n, std::uint64_t seed,
                                    std::vector<std::int32_t>* requested = nullptr) {
    using Noise = typename GanT::noise_shape;
    using Sample = typename GanT::sample_shape;
    std::vector<float> noise(n * Noise::size), out(n * Sample::size);
    Rng rng(seed);
    rng.fill_normal(noise.data(), noise.size());
    Tensor<Noise, typename GanT::backend> z;
    Tensor<typename GanT::generator_input, typename GanT::backend> g_in;
    std::vector<std::int32_t> labels;  // conditional models: sample i asks for class i % classes
    constexpr std::size_t batch = 250;
    for (std::size_t start = 0; start < n; start += batch) {
        const std::size_t b = std::min(batch, n - start);
        z.resize(b);
        std::copy(noise.data() + start * Noise::size, noise.data() + (start + b) * Noise::size, z.data());
        labels.clear();
        for (std::size_t i = 0; GanT::classes && i < b; ++i) labels.push_back(std::int32_t((start + i) % GanT::classes));
        const auto& x = g.forward(with_labels<GanT>(z, labels, g_in), Mode::eval);
        std::copy(x.data(), x.data() + b * Sample::size, out.data() + start * Sample::size);
        if (requested) requested->insert(requested->end(), labels.begin(), labels.end());
    }
    return out;
}

inline std::string run_data(const std::filesystem::path& run) {
    const auto file = run / "config.json";
    std::ifstream in(file);
    if (!in) throw FileError(file, "not found: is " + run.string() + " a run directory made by `" + command("train") + "`?");
    try {
        return nlohmann::json::parse(in).value("data", std::string("mnist"));
    } catch (const nlohmann::json::exception& e) {
        throw FileError(file, std::string("not a valid run configuration: ") + e.what());
    }
}

inline void print_eval(const EvalOptions& o, const EvalResult& r, const std::string& source, const std::string& title) {
    if (o.json) {
        auto j = to_json(r);
        j["source"] = source;
        j["seed"] = o.seed;
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::printf("%s", eval_table(r, title).c_str());
    }
}

// `xgan eval --run DIR`: scores n samples of the run's generator.
template <class M>
int eval_command(const EvalOptions& o) {
    using GanT = typename M::gan;
    using Sample = typename GanT::sample_shape;
    static_assert(Sample::rank == 3);
    if (o.n < 2) throw Error("--n must be at least 2");
    const std::string data = o.data.empty() ? run_data(o.run) : o.data;
    check_classifiable(data, Sample::dims[0], Sample::dims[1], Sample::dims[2]);
    const auto file = o.best ? o.run / "best/generator.safetensors" : run_generator(o.run, o.no_ema);
    if (!std::filesystem::exists(file))
        throw FileError(file, o.best ? "not found: the run kept no best generator (train with --eval-every K)"
                                     : "not found: the run has no generator yet (training writes it at the end of every "
                                       "epoch and at each checkpoint)");
    auto g = std::make_unique<typename GanT::generator>();
    io::load_weights(*g, file);
    SampleScorer scorer(data, true);  // after the generator: a broken run fails before the slow part
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::int32_t> requested;
    const auto samples = generate_samples<GanT>(*g, std::size_t(o.n), o.seed, &requested);
    EvalResult r = scorer.score(samples.data(), std::size_t(o.n), Sample::dims[0], Sample::dims[1], Sample::dims[2],
                                requested.empty() ? nullptr : requested.data());
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();  // with sampling
    print_eval(o, r, file.string(),
               "sample quality of " + file.string() + " (" + M::name + " on " + data + ", " + std::to_string(o.n) +
                   " samples, seed " + std::to_string(o.seed) + ")");
    return 0;
}

// `xgan eval --samples FILE`: scores the samples in a safetensors file ("samples", F32
// [N, C, H, W] in [-1, 1], as `xgan sample --out FILE.safetensors` writes it).
inline int eval_samples_file(const EvalOptions& o) {
    const std::string data = o.data.empty() ? "mnist" : o.data;
    const io::SafetensorsFile st = io::read_safetensors(o.samples);
    const io::SafetensorsEntry* t = st.find("samples");
    if (!t && st.tensors.size() == 1) t = &st.tensors.begin()->second;
    if (!t) throw FileError(o.samples, "holds no tensor 'samples' (write one with " + command("sample --out FILE.safetensors") + ")");
    if (t->dtype != DType::F32) throw FileError(o.samples, "the samples are " + std::string(dtype_name(t->dtype)) + ", not F32");
    if (t->shape.size() != 4)
        throw FileError(o.samples, "the samples have shape " + io::dims_text(t->shape) + ", expected [N, C, H, W]");
    const std::size_t count = std::size_t(t->shape[0]);
    const std::size_t c = std::size_t(t->shape[1]), h = std::size_t(t->shape[2]), w = std::size_t(t->shape[3]);
    check_classifiable(data, c, h, w);
    if (o.n_given && count < std::size_t(o.n))
        throw FileError(o.samples, "holds " + std::to_string(count) + " samples, fewer than --n " + std::to_string(o.n));
    const std::size_t n = o.n_given ? std::size_t(o.n) : count;
    if (n < 2) throw FileError(o.samples, "holds " + std::to_string(count) + " samples; sample quality needs at least 2");
    const float* values = reinterpret_cast<const float*>(t->bytes.data());
    metrics::check_sample_values(values, n, c * h * w, o.samples.string());
    SampleScorer scorer(data, true);
    const EvalResult r = scorer.score(values, n, c, h, w);
    print_eval(o, r, o.samples.string(),
               "sample quality of " + o.samples.string() + " (" + data + ", " + std::to_string(n) + " samples)");
    return 0;
}

// `xgan train --eval-every K`: scores the generator every K steps on a fixed noise set, logs
// the figures (metrics.jsonl "eval" lines, TensorBoard eval/*) and keeps the generator with
// the lowest Frechet distance as DIR/best/generator.safetensors with DIR/best/score.json.
// It scores a copy of the generator's weights, so training runs exactly as without it.
template <class GanT>
class TrainingEval {
public:
    using Sample = typename GanT::sample_shape;

    TrainingEval(const std::string& data, std::size_t samples, std::uint64_t seed, const fs::path& dir, bool resuming)
        : n_(samples), seed_(seed ^ 0xe7a1e7a1e7a1e7a1ULL), dir_(dir) {
        check_classifiable(data, Sample::dims[0], Sample::dims[1], Sample::dims[2]);
        if (n_ < 2) throw Error("--eval-samples must be at least 2");
        scorer_.emplace(data, true);  // the test-set statistics, once per run
        if (resuming) {  // keep the best score of the run so far
            std::ifstream in(dir_ / "best" / "score.json");
            const auto j = nlohmann::json::parse(in, nullptr, false);
            if (!j.is_discarded() && j.contains("fid") && j["fid"].is_number()) best_ = j["fid"].get<double>();
        }
    }

    // Scores g (copied), logs the figures; returns them.
    EvalResult evaluate(typename GanT::generator& g, RunFiles& files, int epoch, std::int64_t step) {
        const auto start = std::chrono::steady_clock::now();
        copy_state(g, *g_);
        std::vector<std::int32_t> requested;
        const auto samples = generate_samples<GanT>(*g_, n_, seed_, &requested);
        EvalResult r = scorer_->score(samples.data(), n_, Sample::dims[0], Sample::dims[1], Sample::dims[2],
                                      requested.empty() ? nullptr : requested.data());
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();  // with sampling
        auto j = to_json(r);
        j.erase("classifier_test_accuracy");
        files.log_eval(epoch, step, j, eval_scalars(r));
        last_step_ = step;
        if (r.fid < best_) {
            best_ = r.fid;
            const fs::path best = dir_ / "best";
            std::error_code ec;
            fs::create_directories(best, ec);
            if (ec) throw FileError(best, "cannot create: " + ec.message());
            io::save_weights(*g_, best / "generator.safetensors", {{"step", std::to_string(step)}});
            j["step"] = step;
            j["epoch"] = epoch;
            io::write_file_atomically(best / "score.json", j.dump(2) + "\n");
            improved_ = true;
        } else {
            improved_ = false;
        }
        return r;
    }
    bool improved() const { return improved_; }
    double best() const { return best_; }
    std::int64_t last_step() const { return last_step_; }

private:
    template <class Net>
    static void copy_state(Net& from, Net& to) {
        std::vector<StateEntry<float>> a, b;
        from.visit_state([&](const StateEntry<float>& e) { a.push_back(e); }, "");
        to.visit_state([&](const StateEntry<float>& e) { b.push_back(e); }, "");
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a[i].integer) std::copy(a[i].integer, a[i].integer + a[i].numel(), b[i].integer);
            else std::copy(a[i].value, a[i].value + a[i].numel(), b[i].value);
        }
    }

    std::size_t n_;
    std::uint64_t seed_;
    fs::path dir_;
    std::optional<SampleScorer> scorer_;
    std::unique_ptr<typename GanT::generator> g_ = std::make_unique<typename GanT::generator>();
    double best_ = std::numeric_limits<double>::infinity();
    bool improved_ = false;
    std::int64_t last_step_ = -1;
};

}  // namespace xgan::cli
