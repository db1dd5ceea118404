#pragma once
// ReplayBuffer: experience replay of generated samples (Shrivastava et al. 2017; the image
// pool of pix2pix/CycleGAN). The discriminator is shown past fakes besides new ones, so that
// it keeps rejecting what the generator made before and the generator cannot cycle back to
// an old mode unpunished.
//
// mix() takes a batch of new fakes, sample by sample: while the buffer is not full, the sample
// is stored and stays in the batch; once full, with probability p it is swapped with a
// uniformly chosen stored sample (the stored one goes into the batch, the new one into the
// buffer), else it stays. The draws come from the caller's stream: one uniform per sample,
// and one slot index per swap.
#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/core/rng.hpp"

namespace xgan {

template <class T>
class ReplayBuffer {
public:
    ReplayBuffer() = default;
    // capacity samples of sample_size values each; p in [0, 1].
    ReplayBuffer(double p, std::size_t capacity, std::size_t sample_size)
        : p_(p), capacity_(capacity), sample_size_(sample_size) {
        if (!(p >= 0 && p <= 1)) throw Error("experience replay: probability " + shortest_text(p) + " is not in [0, 1]");
        if (capacity == 0) throw Error("experience replay: the buffer must hold at least one sample");
        stored_.reserve(capacity * sample_size);
    }

    // Mixes stored fakes into batch (n samples, contiguous) in place, as described above.
    void mix(T* batch, std::size_t n, Rng& rng) {
        for (std::size_t i = 0; i < n; ++i) {
            T* x = batch + i * sample_size_;
            const bool swap = rng.uniform() < p_;
            if (size() < capacity_) {
                stored_.insert(stored_.end(), x, x + sample_size_);
            } else if (swap) {
                T* slot = stored_.data() + rng.below(capacity_) * sample_size_;
                std::swap_ranges(x, x + sample_size_, slot);
            }
        }
    }

    double probability() const { return p_; }
    std::size_t capacity() const { return capacity_; }
    std::size_t sample_size() const { return sample_size_; }
    std::size_t size() const { return sample_size_ ? stored_.size() / sample_size_ : 0; }
    // The stored samples, oldest slot first (size() * sample_size() values).
    std::span<const T> samples() const { return stored_; }

    // Puts back samples() of a checkpoint: at most capacity() whole samples.
    void restore(std::span<const T> samples) {
        if (samples.size() % sample_size_ != 0 || samples.size() / sample_size_ > capacity_)
            throw Error("experience replay: " + std::to_string(samples.size()) + " values are not at most " +
                        std::to_string(capacity_) + " samples of " + std::to_string(sample_size_));
        stored_.assign(samples.begin(), samples.end());
    }

private:
    double p_ = 0;
    std::size_t capacity_ = 0, sample_size_ = 0;
    std::vector<T> stored_;
};

}  // namespace xgan
