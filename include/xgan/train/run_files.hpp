#pragma once
// RunFiles: everything a training run (fit.hpp) writes into its run directory. Every file is
// written to a temporary name and renamed into place, so a crash never leaves a broken file
// behind; metrics.jsonl and the TensorBoard events are appended and flushed line by line.
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgan/config.hpp"
#include "xgan/gan/health.hpp"
#include "xgan/gan/trainer.hpp"
#include "xgan/io/image_grid.hpp"
#include "xgan/io/plot.hpp"
#include "xgan/io/read_file.hpp"
#include "xgan/io/report.hpp"
#include "xgan/io/tensorboard.hpp"
#include "xgan/io/weights.hpp"
#include "xgan/nn/summary.hpp"

namespace xgan::train {

namespace fs = std::filesystem;

template <class GanT>
std::vector<std::pair<std::string, std::string>> type_summaries(std::size_t batch) {
    return {{"Generator", xgan::summary<typename GanT::generator>(batch)},
            {"Discriminator", xgan::summary<typename GanT::discriminator>(batch)}};
}

class RunFiles {
public:
    // resume_step >= 0: continue a run, keeping its metrics up to that step and its grids.
    explicit RunFiles(fs::path dir, std::int64_t resume_step = -1) : dir_(std::move(dir)) {
        std::error_code ec;
        fs::create_directories(dir_ / "samples", ec);
        if (ec) throw xgan::FileError(dir_, "cannot create the run directory: " + ec.message());
        const fs::path probe = dir_ / ".write-test";
        std::FILE* f = std::fopen(probe.c_str(), "wb");
        if (!f) throw xgan::FileError(dir_, "the run directory is not writable");
        std::fclose(f);
        fs::remove(probe, ec);
        if (resume_step >= 0) reload(resume_step);
        metrics_.open(dir_ / "metrics.jsonl", resume_step >= 0 ? std::ios::app : std::ios::trunc);
        if (!metrics_) throw xgan::FileError(dir_ / "metrics.jsonl", "cannot open for writing");
        events_.emplace(dir_);
    }

    void write_config(nlohmann::json config, const std::string& model) {
        config["model"] = model;
        config["xgan_version"] = std::to_string(XGAN_VERSION_MAJOR) + "." + std::to_string(XGAN_VERSION_MINOR) + "." +
                                 std::to_string(XGAN_VERSION_PATCH);
        config_ = config;
        xgan::io::write_file_atomically(dir_ / "config.json", config.dump(2) + "\n");
    }
    const nlohmann::json& config() const { return config_; }

    // critic: the objective scores rather than classifies (Wasserstein, hinge, least squares):
    // also log the critic loss and the Wasserstein estimate; penalty: the objective has one
    // (WGAN-GP, R1), log it.
    void log_step(int epoch, std::int64_t step, const xgan::StepStats& s, double seconds, double lr_g, double lr_d,
                  bool critic = false, bool penalty = false) {
        nlohmann::json j = {{"epoch", epoch},   {"step", step},         {"d_loss", s.d_loss}, {"g_loss", s.g_loss},
                            {"d_real", s.d_real}, {"d_fake", s.d_fake}, {"seconds", seconds}};
        std::vector<std::pair<std::string, float>> scalars = {{"loss/discriminator", float(s.d_loss)},
                                                              {"loss/generator", float(s.g_loss)},
                                                              {"D(x)", float(s.d_real)},
                                                              {"D(G(z))", float(s.d_fake)},
                                                              {"lr/generator", float(lr_g)},
                                                              {"lr/discriminator", float(lr_d)}};
        if (critic) {
            j["critic_loss"] = s.d_loss;
            j["wasserstein"] = s.wasserstein;
            scalars.insert(scalars.end(), {{"loss/critic", float(s.d_loss)}, {"wasserstein_estimate", float(s.wasserstein)}});
        }
        if (penalty) {
            j["penalty"] = s.penalty;
            scalars.emplace_back("gradient_penalty", float(s.penalty));
        }
        metrics_ << j.dump() << '\n';
        metrics_.flush();
        events_->add_scalars(scalars, step);
        record(double(step), s);
    }

    void log_warning(const xgan::HealthWarning& w, std::int64_t step) {
        metrics_ << nlohmann::json{{"step", step}, {"warning", w.kind}, {"message", w.message}}.dump() << '\n';
        metrics_.flush();
        events_->add_scalar("health/" + w.kind, 1.0f, step);
        warnings_.push_back("step " + std::to_string(step) + ": " + w.message);
    }

    void log_error(const std::string& message, std::int64_t step) {
        metrics_ << nlohmann::json{{"step", step}, {"error", message}}.dump() << '\n';
        metrics_.flush();
    }

    // Sample-quality figures (--eval-every): a metrics.jsonl line {"epoch", "step", "eval": {...}}
    // and TensorBoard scalars (eval/fid, eval/classes_covered, ...).
    void log_eval(int epoch, std::int64_t step, const nlohmann::json& eval,
                  const std::vector<std::pair<std::string, float>>& scalars) {
        metrics_ << nlohmann::json{{"epoch", epoch}, {"step", step}, {"eval", eval}}.dump() << '\n';
        metrics_.flush();
        events_->add_scalars(scalars, step);
    }

    // The grid of an epoch's end, samples/epoch_NNNN.png (epoch > 0), or of a step within
    // one (epoch 0: samples/step_NNNNNNN.png, a run's grid_every).
    template <std::size_t R>
    void write_samples(int epoch, std::int64_t step, const float* images, std::size_t n, const std::array<std::size_t, R>& dims,
                       const float* real, std::size_t n_real) {
        static_assert(R == 3, "sample grids take (C, H, W) samples");
        char name[40];
        if (epoch > 0) std::snprintf(name, sizeof name, "epoch_%04d.png", epoch);
        else std::snprintf(name, sizeof name, "step_%07lld.png", static_cast<long long>(step));
        const auto png = xgan::io::grid_png(images, n, dims[0], dims[1], dims[2], 8, 2);
        xgan::io::write_file_atomically(dir_ / "samples" / name, std::as_bytes(std::span(png)));
        // A grid written again (a run resumed within the epoch) replaces the earlier one.
        std::erase_if(grids_, [&](const auto& g) { return g.first == grid_caption(name); });
        grids_.emplace_back(grid_caption(name), png);
        const auto grid = xgan::io::make_grid(images, n, dims[0], dims[1], dims[2], 8, 2);
        events_->add_image("samples/fixed_noise", png, grid.height, grid.width, grid.channels, step);
        const std::size_t k = std::min<std::size_t>(n_real, 64);
        const auto real_grid = xgan::io::make_grid(real, k, dims[0], dims[1], dims[2], 8, 2);
        events_->add_image("samples/real", xgan::io::grid_png(real, k, dims[0], dims[1], dims[2], 8, 2), real_grid.height,
                           real_grid.width, real_grid.channels, step);
    }

    // The latest weights, beside the checkpoints; the average of G's weights, when the run
    // keeps one, as generator_ema.safetensors.
    template <class G, class D>
    void write_weights(G& g, D& d, G* averaged = nullptr) {
        xgan::io::save_weights(g, dir_ / "generator.safetensors");
        xgan::io::save_weights(d, dir_ / "discriminator.safetensors");
        if (averaged) xgan::io::save_weights(*averaged, dir_ / "generator_ema.safetensors");
    }

    // loss.png and report.html.
    void finish(std::vector<std::pair<std::string, std::string>> summaries) {
        std::vector<xgan::io::Series> series = {{"discriminator", steps_, d_loss_, {214, 39, 40}},
                                                {"generator", steps_, g_loss_, {31, 119, 180}}};
        xgan::io::PlotOptions plot;
        plot.title = "GAN losses (" + config_.value("model", std::string()) + ")";
        const auto loss_png = xgan::io::render_loss_plot_png(series, plot);
        xgan::io::write_file_atomically(dir_ / "loss.png", std::as_bytes(std::span(loss_png)));

        xgan::io::ReportInput report;
        report.title = "xgan run: " + config_.value("model", std::string()) + " on " + config_.value("data", std::string());
        report.config_json = config_.dump(2);
        report.summaries = std::move(summaries);
        report.loss_plot_png = loss_png;
        report.grids = grids_;
        char buf[32];
        auto fmt = [&](double v) {
            std::snprintf(buf, sizeof buf, "%.4f", v);
            return std::string(buf);
        };
        report.final_metrics = {{"steps", std::to_string(steps_.empty() ? 0 : std::int64_t(steps_.back()))},
                                {"d_loss", fmt(last_.d_loss)},
                                {"g_loss", fmt(last_.g_loss)},
                                {"D(x)", fmt(last_.d_real)},
                                {"D(G(z))", fmt(last_.d_fake)}};
        report.warnings = warnings_;
        xgan::io::write_report(dir_ / "report.html", report);
    }

    const fs::path& dir() const { return dir_; }

private:
    void record(double step, const xgan::StepStats& s) {
        steps_.push_back(step);
        d_loss_.push_back(s.d_loss);
        g_loss_.push_back(s.g_loss);
        last_ = s;
    }

    // Keeps the metrics up to `step` (what the checkpoint saw) and the grids written so far.
    void reload(std::int64_t step) {
        std::ifstream in(dir_ / "metrics.jsonl");
        std::string line, kept;
        while (std::getline(in, line)) {
            const auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_discarded() || j.value("step", std::int64_t{0}) > step) continue;
            kept += line + "\n";
            if (j.contains("d_loss"))
                record(double(j["step"].get<std::int64_t>()),
                       {j["d_loss"].get<double>(), j["g_loss"].get<double>(), j["d_real"].get<double>(), j["d_fake"].get<double>()});
            if (j.contains("warning")) warnings_.push_back(j.value("message", std::string()));
        }
        xgan::io::write_file_atomically(dir_ / "metrics.jsonl", kept);
        // The grids in the order they were written (epoch and step grids interleave).
        std::vector<std::pair<fs::file_time_type, fs::path>> grids;
        for (const auto& e : fs::directory_iterator(dir_ / "samples"))
            if (e.path().extension() == ".png" && !grid_caption(e.path().filename().string()).empty())
                grids.emplace_back(e.last_write_time(), e.path());
        std::sort(grids.begin(), grids.end());
        for (const auto& [time, g] : grids) {
            const auto bytes = xgan::io::read_file_bytes(g);
            const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
            grids_.emplace_back(grid_caption(g.filename().string()), std::vector<std::uint8_t>(p, p + bytes.size()));
        }
    }

    // "epoch 3" for epoch_0003.png, "step 500" for step_0000500.png; "" for other names.
    static std::string grid_caption(const std::string& file) {
        for (const char* kind : {"epoch", "step"}) {
            const std::string prefix = std::string(kind) + "_";
            if (file.rfind(prefix, 0) != 0 || file.size() <= prefix.size() + 4) continue;
            const std::string digits = file.substr(prefix.size(), file.size() - prefix.size() - 4);
            if (file.substr(file.size() - 4) != ".png" || digits.size() > 18 ||
                digits.find_first_not_of("0123456789") != std::string::npos)
                continue;
            return std::string(kind) + " " + std::to_string(std::stoll(digits));
        }
        return "";
    }

    fs::path dir_;
    std::ofstream metrics_;
    std::optional<xgan::io::EventWriter> events_;
    nlohmann::json config_;
    std::vector<double> steps_, d_loss_, g_loss_;
    xgan::StepStats last_{};
    std::vector<std::pair<std::string, std::vector<std::uint8_t>>> grids_;
    std::vector<std::string> warnings_;
};

}  // namespace xgan::train
