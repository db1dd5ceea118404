// HealthMonitor (gan/health.hpp): the "D wins outright" rule over a window of steps, the
// mode-collapse rule on sample distances, each warning said once; mean_pairwise_distance
// (metrics/sample_distance.hpp) by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "xgan/gan/health.hpp"

using namespace xgan;

namespace {

StepStats step(double d_real, double d_fake, double g_loss) {
    StepStats s;
    s.d_real = d_real;
    s.d_fake = d_fake;
    s.g_loss = g_loss;
    return s;
}

// Feeds `steps` steps (generator loss g0, g0 + dg, ...) and returns the first warning.
std::optional<HealthWarning> feed(HealthMonitor& m, int steps, double d_real, double d_fake, double g0, double dg) {
    std::optional<HealthWarning> first;
    for (int i = 0; i < steps; ++i) {
        auto w = m.observe(step(d_real, d_fake, g0 + dg * i));
        if (w && !first) first = w;
    }
    return first;
}

}  // namespace

TEST_CASE("mean_pairwise_distance: the mean over all pairs, by hand") {
    // Three 2-d points (0,0), (3,4), (6,8): distances 5, 10, 5.
    const std::vector<float> x = {0, 0, 3, 4, 6, 8};
    CHECK(metrics::mean_pairwise_distance(x.data(), 3, 2) == doctest::Approx(20.0 / 3));
    CHECK(metrics::mean_pairwise_distance(x.data(), 1, 2) == 0);
}

TEST_CASE("HealthMonitor: D wins outright once the window shows D(x) > 0.99, D(G(z)) < 0.01 and G's loss rising") {
    HealthMonitor m(10);
    // Not before the window is full.
    CHECK(!feed(m, 9, 0.999, 0.001, 5, 0.1));
    auto w = m.observe(step(0.999, 0.001, 6));
    REQUIRE(w);
    CHECK(w->kind == "discriminator_wins");
    CHECK(w->message.find("D(x) 0.999") != std::string::npos);
    CHECK(w->message.find("--g-steps 2") != std::string::npos);
    // Said once.
    CHECK(!feed(m, 30, 0.999, 0.001, 7, 0.1));
}

TEST_CASE("HealthMonitor: no D-wins warning while G's loss falls or D is fooled some of the time") {
    HealthMonitor falling(10), fooled(10), unsure(10);
    CHECK(!feed(falling, 40, 0.999, 0.001, 9, -0.1));
    CHECK(!feed(fooled, 40, 0.999, 0.05, 5, 0.1));
    CHECK(!feed(unsure, 40, 0.95, 0.001, 5, 0.1));
}

TEST_CASE("HealthMonitor: mode collapse when the fixed-noise samples lie far closer together than real ones") {
    // Real samples spread over [-1, 1]; collapsed samples all one point give distance 0, nearly
    // one point (spread 0.1 of the real) less than the default ratio 0.2.
    const std::size_t n = 8, size = 4;
    std::vector<float> real(n * size), spread(n * size), collapsed(n * size, 0.3f), nearly(n * size);
    for (std::size_t i = 0; i < real.size(); ++i) {
        real[i] = float(std::sin(double(i) * 1.7));
        spread[i] = float(std::cos(double(i) * 2.3));
        nearly[i] = 0.3f + 0.1f * real[i];
    }
    HealthMonitor varied, one, almost;
    CHECK(!varied.check_diversity(spread.data(), n, real.data(), n, size));
    auto w = one.check_diversity(collapsed.data(), n, real.data(), n, size);
    REQUIRE(w);
    CHECK(w->kind == "mode_collapse");
    CHECK(w->message.find("--g-steps 2") != std::string::npos);
    CHECK(w->message.find("MinibatchDiscrimination") != std::string::npos);
    CHECK(!one.check_diversity(collapsed.data(), n, real.data(), n, size));  // said once
    CHECK(almost.check_diversity(nearly.data(), n, real.data(), n, size));
}
