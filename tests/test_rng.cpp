// Rng (core/rng.hpp): reproducible streams, state save/restore, distributions.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "xgan/core/rng.hpp"

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
