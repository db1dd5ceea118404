#pragma once
// Rng: xgan's one source of randomness. xoshiro256** seeded through splitmix64, with
// normals by Box-Muller, so a seed gives the same numbers with every compiler and standard
// library (std::normal_distribution does not). Its whole state is four words, saved in
// checkpoints so that a resumed run continues the same stream.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>

#include "xgan/core/host_device.hpp"

namespace xgan {

// A counter-based stream: its i-th value from `start` is counter_bits(start + i * counter_step),
// splitmix64's output function. Any element can be drawn on its own, so a backend fills a
// buffer in parallel (on any number of threads or GPU blocks) with the same values.
inline constexpr std::uint64_t counter_step = 0x9e3779b97f4a7c15ULL;
XGAN_HD constexpr std::uint64_t counter_bits(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// Draws from one counter value (functors for Backend::counter_map): two uniforms of 32 bits
// each, from its high and its low half.
XGAN_HD constexpr double high_uniform(std::uint64_t bits) { return double(bits >> 32) * 0x1.0p-32; }
XGAN_HD constexpr double low_uniform(std::uint64_t bits) { return double(bits & 0xffffffffULL) * 0x1.0p-32; }

struct UniformDraw {  // U(lo, hi)
    double lo = 0, hi = 1;
    XGAN_HD double operator()(std::uint64_t bits) const { return lo + (hi - lo) * high_uniform(bits); }
};

struct NormalDraw {  // N(mean, stddev^2), by the cosine half of Box-Muller
    double mean = 0, stddev = 1;
    XGAN_HD double operator()(std::uint64_t bits) const {
        const double u1 = 1.0 - high_uniform(bits);  // (0, 1]: log is finite
        const double r = std::sqrt(-2.0 * std::log(u1));
        return mean + stddev * r * std::cos(2.0 * std::numbers::pi * low_uniform(bits));
    }
};

class Rng {
public:
    explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

    void reseed(std::uint64_t seed) {
        for (auto& s : state_) {
            seed += 0x9e3779b97f4a7c15ULL;  // splitmix64
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            s = z ^ (z >> 31);
        }
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

    // The start of a counter-based stream for a batch whose rows of `row_size` values begin at
    // row `first_row` of the global batch: one draw of this Rng, so that every rank of a data-
    // parallel run (same Rng state) draws the global batch's values for its own rows.
    std::uint64_t counter_start(std::size_t first_row = 0, std::size_t row_size = 1) {
        return next() + std::uint64_t(first_row) * std::uint64_t(row_size) * counter_step;
    }

    // Uniform integer in [0, n), without modulo bias.
    std::uint64_t below(std::uint64_t n) {
        const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
        std::uint64_t r;
        do r = next();
        while (r >= limit);
        return r % n;
    }

    // A pair of independent standard normals (Box-Muller).
    std::array<double, 2> normal_pair() {
        const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
        const double u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        const double a = 2.0 * std::numbers::pi * u2;
        return {r * std::cos(a), r * std::sin(a)};
    }
    double normal() { return normal_pair()[0]; }

    template <class T>
    void fill_normal(T* out, std::size_t n, double mean = 0.0, double stddev = 1.0) {
        for (std::size_t i = 0; i < n; i += 2) {
            const auto z = normal_pair();
            out[i] = static_cast<T>(mean + stddev * z[0]);
            if (i + 1 < n) out[i + 1] = static_cast<T>(mean + stddev * z[1]);
        }
    }
    template <class T>
    void fill_below(T* out, std::size_t n, std::uint64_t bound) {
        for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(below(bound));
    }
    template <class T>
    void fill_uniform(T* out, std::size_t n, double lo, double hi) {
        for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(uniform(lo, hi));
    }

    using State = std::array<std::uint64_t, 4>;
    const State& state() const { return state_; }
    void set_state(const State& s) { state_ = s; }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    State state_{};
};

}  // namespace xgan
