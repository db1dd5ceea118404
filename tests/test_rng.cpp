// Rng (core/rng.hpp): reproducible streams, state save/restore, distributions; the counter-
// based draws that backends fill buffers with (and the label targets drawn from them).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "xgan/backend/cpu.hpp"
#include "xgan/core/rng.hpp"
#include "xgan/gan/labels.hpp"

using xgan::Rng;

TEST_CASE("Rng: the same seed gives the same stream, another seed another") {
    Rng a(42), b(42), c(43);
    bool differs = false;
    for (int i = 0; i < 1000; ++i) {
        const auto x = a.next();
        CHECK(x == b.next());
        differs = differs || x != c.next();
    }
    CHECK(differs);
    // reseed() restarts the stream.
    Rng d(7);
    const auto first = d.next();
    d.next();
    d.reseed(7);
    CHECK(d.next() == first);
}

TEST_CASE("Rng: a restored state continues the stream identically") {
    Rng a(123);
    for (int i = 0; i < 17; ++i) a.normal();  // odd number of draws, mixed kinds
    a.uniform();
    const Rng::State saved = a.state();
    std::vector<double> expected;
    for (int i = 0; i < 100; ++i) expected.push_back(i % 3 == 0 ? a.normal() : double(a.below(1000)) + a.uniform());

    Rng b(999);
    b.set_state(saved);
    CHECK(b.state() == saved);
    for (int i = 0; i < 100; ++i) {
        const double got = i % 3 == 0 ? b.normal() : double(b.below(1000)) + b.uniform();
        CHECK(got == expected[std::size_t(i)]);
    }
}

TEST_CASE("Rng: normals have mean 0 and variance 1, fill_normal mean and stddev") {
    Rng rng(2024);
    const int n = 100000;
    double sum = 0, sq = 0;
    for (int i = 0; i < n; ++i) {
        const double z = rng.normal();
        sum += z;
        sq += z * z;
    }
    const double mean = sum / n, var = sq / n - mean * mean;
    CHECK(std::abs(mean) < 0.02);  // standard error 0.003
    CHECK(std::abs(var - 1.0) < 0.03);

    std::vector<float> v(n);
    rng.fill_normal(v.data(), v.size(), 3.0, 0.5);
    sum = sq = 0;
    for (float x : v) {
        sum += x;
        sq += double(x) * x;
    }
    const double m2 = sum / n, var2 = sq / n - m2 * m2;
    CHECK(std::abs(m2 - 3.0) < 0.01);
    CHECK(std::abs(std::sqrt(var2) - 0.5) < 0.01);

    // An odd length fills every element (the last from the first of a pair).
    std::vector<double> odd(5, 1e300);
    rng.fill_normal(odd.data(), odd.size());
    for (double x : odd) CHECK(std::abs(x) < 10);
}

TEST_CASE("Rng: uniform and below stay in range and cover it") {
    Rng rng(5);
    double lo = 1, hi = 0, sum = 0;
    for (int i = 0; i < 100000; ++i) {
        const double u = rng.uniform();
        lo = std::min(lo, u);
        hi = std::max(hi, u);
        sum += u;
    }
    CHECK(lo >= 0.0);
    CHECK(hi < 1.0);
    CHECK(lo < 1e-3);
    CHECK(hi > 1 - 1e-3);
    CHECK(std::abs(sum / 100000 - 0.5) < 0.01);

    for (double x : {rng.uniform(-2, 3), rng.uniform(-2, 3), rng.uniform(-2, 3)}) {
        CHECK(x >= -2);
        CHECK(x < 3);
    }

    for (std::uint64_t n : {1ULL, 2ULL, 3ULL, 7ULL, 10ULL, 1000ULL, (1ULL << 63) + 5}) {
        std::uint64_t largest = 0;
        for (int i = 0; i < 2000; ++i) largest = std::max(largest, rng.below(n));
        CHECK(largest < n);
        if (n > 1) CHECK(largest > 0);
    }
    // Every value of a small range shows up, about equally often.
    std::vector<int> counts(7, 0);
    for (int i = 0; i < 70000; ++i) ++counts[rng.below(7)];
    for (int c : counts) CHECK(std::abs(c - 10000) < 600);
}

namespace {
// n values of f from the counter-based stream at start, through the CPU backend (threaded).
template <class F>
std::vector<double> counter_values(std::size_t n, std::uint64_t start, const F& f) {
    std::vector<double> v(n);
    xgan::CpuF64::counter_map(n, start, f, v.data());
    return v;
}
}  // namespace

TEST_CASE("counter draws: normals have mean 0, variance 1 and a normal's tails, uniforms cover their range") {
    Rng rng(77);
    const std::size_t n = 200000;
    const auto z = counter_values(n, rng.counter_start(), xgan::NormalDraw{});
    double sum = 0, sq = 0;
    std::size_t within1 = 0, beyond3 = 0;
    for (double x : z) {
        sum += x;
        sq += x * x;
        within1 += std::abs(x) < 1;
        beyond3 += std::abs(x) > 3;
    }
    const double mean = sum / n, var = sq / n - mean * mean;
    CHECK(std::abs(mean) < 0.015);  // standard error 0.0022
    CHECK(std::abs(var - 1.0) < 0.02);
    CHECK(std::abs(double(within1) / n - 0.6827) < 0.005);  // P(|z| < 1), standard error 0.001
    CHECK(std::abs(double(beyond3) / n - 0.0027) < 0.0008);  // P(|z| > 3), standard error 0.0001

    const auto shifted = counter_values(n, rng.counter_start(), xgan::NormalDraw{3.0, 0.5});
    sum = sq = 0;
    for (double x : shifted) {
        sum += x;
        sq += x * x;
    }
    CHECK(std::abs(sum / n - 3.0) < 0.01);
    CHECK(std::abs(std::sqrt(sq / n - (sum / n) * (sum / n)) - 0.5) < 0.01);

    const auto u = counter_values(n, rng.counter_start(), xgan::UniformDraw{-2, 3});
    CHECK(*std::min_element(u.begin(), u.end()) >= -2.0);
    CHECK(*std::min_element(u.begin(), u.end()) < -2.0 + 1e-3);
    CHECK(*std::max_element(u.begin(), u.end()) < 3.0);
    CHECK(*std::max_element(u.begin(), u.end()) > 3.0 - 1e-3);
    double usum = 0;
    for (double x : u) usum += x;
    CHECK(std::abs(usum / n - 0.5) < 0.02);
}

TEST_CASE("counter draws: a shard's rows are the global batch's rows, and one start is one Rng draw") {
    // Two Rngs in the same state stand for two ranks: rank 1 holds rows 3.. of a global batch
    // of 7 rows of 5 values, and draws exactly those values of rank 0's whole batch.
    Rng rank0(5), rank1(5);
    const auto global = counter_values(7 * 5, rank0.counter_start(0, 5), xgan::NormalDraw{});
    const auto shard = counter_values(4 * 5, rank1.counter_start(3, 5), xgan::NormalDraw{});
    CHECK(std::equal(shard.begin(), shard.end(), global.begin() + 3 * 5));
    CHECK(rank0.state() == rank1.state());
    // A second batch takes new values.
    const auto next = counter_values(7 * 5, rank0.counter_start(0, 5), xgan::NormalDraw{});
    CHECK(next != global);
}

TEST_CASE("label targets: smoothing, noise and flips drawn per sample") {
    Rng rng(9);
    const std::size_t n = 100000;
    xgan::LabelOptions plain;
    CHECK(!xgan::targets_drawn(plain));
    CHECK(!xgan::targets_drawn(xgan::LabelOptions::one_sided_smoothing(0.9)));
    for (double t : counter_values(100, rng.counter_start(), xgan::TargetDraw{xgan::LabelOptions::one_sided_smoothing(0.9), true}))
        CHECK(t == 0.9);

    xgan::LabelOptions o = xgan::LabelOptions::noisy(0.1);
    o.flip = 0.2;
    CHECK(xgan::targets_drawn(o));
    for (bool real : {true, false}) {
        const auto t = counter_values(n, rng.counter_start(), xgan::TargetDraw{o, real});
        std::size_t flipped = 0, outside = 0;
        double real_sum = 0, real_count = 0;
        for (double x : t) {
            const bool real_side = x >= 0.9;
            outside += real_side ? x > 1.0 : (x < 0.0 || x > 0.1);
            flipped += real_side != real;
            if (real_side) real_sum += x, ++real_count;
        }
        CHECK(outside == 0);
        CHECK(std::abs(double(flipped) / n - 0.2) < 0.006);    // standard error 0.0013
        CHECK(std::abs(real_sum / real_count - 0.95) < 0.002);  // U(0.9, 1)
    }
}
