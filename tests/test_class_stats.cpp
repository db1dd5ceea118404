#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/metrics/class_stats.hpp"

using xgan::metrics::class_stats;
using xgan::metrics::ClassStats;

namespace {

// One row of k logits whose argmax is `cls`, with logit `margin` there and 0 elsewhere.
void push_row(std::vector<float>& logits, std::size_t k, std::size_t cls, float margin) {
    for (std::size_t j = 0; j < k; ++j) logits.push_back(j == cls ? margin : 0.0f);
}

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const xgan::Error& e) {
        return e.what();
    }
    return "(no xgan::Error thrown)";
}

}  // namespace

TEST_CASE("class_stats: histogram, 1% coverage, KL to uniform, confidence") {
    // 200 samples over 4 classes: 100, 97, 2 (exactly 1%: covered), 1 (0.5%: not covered).
    const std::size_t k = 4;
    const std::size_t counts[] = {100, 97, 2, 1};
    std::vector<float> logits;
    std::size_t row = 0, confident_rows = 0;
    double confidence_sum = 0;
    for (std::size_t c = 0; c < k; ++c)
        for (std::size_t i = 0; i < counts[c]; ++i, ++row) {
            // Every other row is confident: softmax max = e^5 / (e^5 + 3) = 0.980 > 0.9;
            // the others have e^1 / (e^1 + 3) = 0.475.
            const float margin = row % 2 == 0 ? 5.0f : 1.0f;
            push_row(logits, k, c, margin);
            confident_rows += row % 2 == 0;
            confidence_sum += std::exp(double(margin)) / (std::exp(double(margin)) + 3.0);
        }
    const ClassStats s = class_stats(logits.data(), 200, k);
    CHECK(s.count == 200);
    CHECK(s.classes == 4);
    REQUIRE(s.histogram.size() == 4);
    for (std::size_t c = 0; c < k; ++c) CHECK(s.histogram[c] == counts[c]);
    CHECK(s.classes_covered == 3);
    // KL(p || uniform) = sum_c p_c log(p_c / (1/4)), by hand.
    double kl = 0;
    for (std::size_t c = 0; c < k; ++c) kl += counts[c] / 200.0 * std::log(counts[c] / 200.0 * 4.0);
    CHECK(s.kl_to_uniform == doctest::Approx(kl).epsilon(1e-12));
    CHECK(s.confident_share == doctest::Approx(double(confident_rows) / 200.0));
    CHECK(s.mean_confidence == doctest::Approx(confidence_sum / 200.0).epsilon(1e-6));
    CHECK_FALSE(s.requested_accuracy.has_value());
}

TEST_CASE("class_stats: KL is 0 for a uniform histogram and log K for a single class") {
    const std::size_t k = 10;
    std::vector<float> uniform, single;
    for (std::size_t i = 0; i < 50; ++i) {
        push_row(uniform, k, i % k, 2.0f);
        push_row(single, k, 3, 2.0f);
    }
    const ClassStats u = class_stats(uniform.data(), 50, k);
    CHECK(u.kl_to_uniform == doctest::Approx(0.0));
    CHECK(u.kl_to_uniform >= 0.0);
    CHECK(u.classes_covered == 10);
    const ClassStats s = class_stats(single.data(), 50, k);
    CHECK(s.kl_to_uniform == doctest::Approx(std::log(10.0)).epsilon(1e-12));  // 0 log 0 = 0 for the empty classes
    CHECK(s.classes_covered == 1);
    CHECK(s.histogram[3] == 50);
}

TEST_CASE("class_stats: requested-label accuracy for conditional models") {
    const std::size_t k = 3;
    std::vector<float> logits;
    push_row(logits, k, 0, 3.0f);
    push_row(logits, k, 1, 3.0f);
    push_row(logits, k, 2, 3.0f);
    push_row(logits, k, 2, 3.0f);
    const std::int32_t requested[] = {0, 1, 1, 2};  // the third sample missed its class
    const ClassStats s = class_stats(logits.data(), 4, k, requested);
    REQUIRE(s.requested_accuracy.has_value());
    CHECK(*s.requested_accuracy == doctest::Approx(0.75));
}

TEST_CASE("class_stats: stable softmax, ties, custom threshold") {
    // Logits of 1000 would overflow a naive exp.
    const std::vector<float> big = {1000.0f, 990.0f, -1000.0f};
    const ClassStats s = class_stats(big.data(), 1, 3);
    CHECK(s.histogram[0] == 1);
    CHECK(s.mean_confidence == doctest::Approx(1.0 / (1.0 + std::exp(-10.0))).epsilon(1e-12));
    CHECK(s.confident_share == 1.0);
    CHECK(class_stats(big.data(), 1, 3, nullptr, 0.99999).confident_share == 0.0);  // 0.9999546 < 0.99999

    const std::vector<float> tie = {0.5f, 2.0f, 2.0f};  // first maximum wins, as torch.argmax
    const ClassStats t = class_stats(tie.data(), 1, 3);
    CHECK(t.histogram[1] == 1);
    CHECK(t.histogram[2] == 0);
    CHECK(t.confident_share == 0.0);
}

TEST_CASE("class_stats rejects bad input clearly") {
    std::vector<float> logits = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};  // [2, 3]
    CHECK(error_of([&] { class_stats(logits.data(), 0, 3); }).find("no samples") != std::string::npos);
    CHECK(error_of([&] { class_stats(logits.data(), 2, 0); }).find("classes is 0") != std::string::npos);
    const std::int32_t bad_labels[] = {0, 3};
    CHECK(error_of([&] { class_stats(logits.data(), 2, 3, bad_labels); }).find("requested_labels[1] = 3") !=
          std::string::npos);
    const std::int32_t negative[] = {-1, 0};
    CHECK(error_of([&] { class_stats(logits.data(), 2, 3, negative); }).find("requested_labels[0] = -1") !=
          std::string::npos);
    logits[4] = std::numeric_limits<float>::quiet_NaN();
    CHECK(error_of([&] { class_stats(logits.data(), 2, 3); }).find("logit [1, 1]") != std::string::npos);
}
