#pragma once
// HealthMonitor: watches a run for the failures people fight, and says each once with the
// likely fix:
//  - the discriminator wins outright: over a window of steps mean D(x) > 0.99 and
//    mean D(G(z)) < 0.01 while the generator's loss rises (mlp-small at lr 0.002);
//  - mode collapse: the fixed-noise samples are nearly identical, their mean pairwise
//    distance far below that of real samples.
// (A NaN/Inf loss is not watched here: the trainer throws NumericError at once.)
#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include "xgan/gan/trainer.hpp"
#include "xgan/metrics/sample_distance.hpp"

namespace xgan {

struct HealthWarning {
    std::string kind;     // "discriminator_wins" | "mode_collapse"
    std::string message;  // what was seen and what to try
};

class HealthMonitor {
public:
    explicit HealthMonitor(std::size_t window = 200, double collapse_ratio = 0.2)
        : window_(window), collapse_ratio_(collapse_ratio) {}

    std::optional<HealthWarning> observe(const StepStats& s) {
        history_.push_back(s);
        if (history_.size() > window_) history_.pop_front();
        if (warned_d_wins_ || history_.size() < window_) return std::nullopt;
        double d_real = 0, d_fake = 0, g_first = 0, g_second = 0;
        const std::size_t half = window_ / 2;
        for (std::size_t i = 0; i < history_.size(); ++i) {
            d_real += history_[i].d_real;
            d_fake += history_[i].d_fake;
            (i < half ? g_first : g_second) += history_[i].g_loss;
        }
        d_real /= double(window_);
        d_fake /= double(window_);
        if (d_real > 0.99 && d_fake < 0.01 && g_second >= g_first) {
            warned_d_wins_ = true;
            return HealthWarning{"discriminator_wins",
                                 "the discriminator wins outright (mean D(x) " + fmt(d_real) + ", D(G(z)) " + fmt(d_fake) +
                                     " over the last " + std::to_string(window_) +
                                     " steps, generator loss rising): the generator gets no useful gradient. Try more generator "
                                     "updates per discriminator update (xgan train --g-steps 2; GanOptions::generator_steps), "
                                     "experience replay (--replay 0.5; GanOptions::replay), a lower learning rate (--lr 2e-4), "
                                     "Adam beta1 0.5 (--beta1 0.5), one-sided label smoothing (--real-label 0.9), or a smaller "
                                     "discriminator."};
        }
        return std::nullopt;
    }

    // fixed: the fixed-noise samples; real: a batch of real samples (same sample size).
    std::optional<HealthWarning> check_diversity(const float* fixed, std::size_t n_fixed, const float* real,
                                                 std::size_t n_real, std::size_t size) {
        if (warned_collapse_) return std::nullopt;
        const double fake_d = metrics::mean_pairwise_distance(fixed, n_fixed, size);
        const double real_d = metrics::mean_pairwise_distance(real, n_real, size);
        if (real_d > 0 && fake_d < collapse_ratio_ * real_d) {
            warned_collapse_ = true;
            return HealthWarning{"mode_collapse",
                                 "mode collapse: the fixed-noise samples are nearly identical (mean pairwise distance " +
                                     fmt(fake_d) + " against " + fmt(real_d) +
                                     " for real samples). Try more generator updates per discriminator update (xgan train "
                                     "--g-steps 2; GanOptions::generator_steps), experience replay (--replay 0.5), minibatch "
                                     "discrimination in D (the MinibatchDiscrimination layer; models mlp-mbd and dcgan-mbd), "
                                     "Adam beta1 0.5 (--beta1 0.5), a lower learning rate (--lr), or one-sided label smoothing "
                                     "(--real-label 0.9)."};
        }
        return std::nullopt;
    }

private:
    static std::string fmt(double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", v);
        return buf;
    }
    std::size_t window_;
    double collapse_ratio_;
    std::deque<StepStats> history_;
    bool warned_d_wins_ = false, warned_collapse_ = false;
};

}  // namespace xgan
