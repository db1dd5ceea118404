#pragma once
// Targets for the discriminator's real and fake batches, with the tricks the books use:
// one-sided label smoothing (real in [0.9, 0.9]), noisy labels (real in [0.9, 1], fake in
// [0, 0.1]) and random label flipping with probability flip.
#include "xgan/core/host_device.hpp"
#include "xgan/core/rng.hpp"

namespace xgan {

struct LabelOptions {
    double real_low = 1, real_high = 1;  // real targets ~ U(real_low, real_high)
    double fake_low = 0, fake_high = 0;  // fake targets ~ U(fake_low, fake_high)
    double flip = 0;                     // probability of giving a sample the other side's target

    static LabelOptions one_sided_smoothing(double real = 0.9) { return {real, real, 0, 0, 0}; }
    static LabelOptions noisy(double width = 0.1) { return {1 - width, 1, 0, width, 0}; }
};

// Whether targets are drawn at all (else every real target is real_low, every fake fake_low).
inline bool targets_drawn(const LabelOptions& o) {
    return o.real_low != o.real_high || o.fake_low != o.fake_high || o.flip > 0;
}

// One target from one counter value (Backend::counter_map): the high half decides a flip,
// the low half draws the value.
struct TargetDraw {
    LabelOptions o;
    bool real;
    XGAN_HD double operator()(std::uint64_t bits) const {
        const bool side = o.flip > 0 && high_uniform(bits) < o.flip ? !real : real;
        const double lo = side ? o.real_low : o.fake_low, hi = side ? o.real_high : o.fake_high;
        return lo + (hi - lo) * low_uniform(bits);
    }
};

}  // namespace xgan
