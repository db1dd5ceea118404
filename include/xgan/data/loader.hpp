#pragma once
// BatchLoader: shuffled mini-batches of an ImageDataset (in memory, or streamed: then a batch's
// samples are decoded in parallel), reshuffled every epoch from a seeded Rng (Fisher-Yates),
// like a PyTorch DataLoader with shuffle=True and drop_last=False. Its position (epoch order and cursor) is plain data, so a resumed run
// continues with the same batches.
// Data-parallel (set_shard): every rank keeps the same order and position and fills only its
// rows (distributed::shard_of) of each global batch; an epoch's last batch with fewer images
// than ranks is dropped.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "xgan/backend/tensor.hpp"
#include "xgan/core/error.hpp"
#include "xgan/core/rng.hpp"
#include "xgan/data/dataset.hpp"
#include "xgan/distributed/communicator.hpp"

namespace xgan::data {

// Whether `order` holds each of 0 .. size-1 exactly once (a loader's saved order must).
template <class Index>
bool is_index_permutation(const std::vector<Index>& order) {
    std::vector<bool> seen(order.size());
    for (const Index i : order) {
        if (i < Index(0) || std::size_t(i) >= order.size() || seen[std::size_t(i)]) return false;
        seen[std::size_t(i)] = true;
    }
    return true;
}

class BatchLoader {
public:
    BatchLoader(const ImageDataset& dataset, std::size_t batch_size, std::uint64_t seed, bool drop_last = false)
        : dataset_(&dataset), batch_size_(batch_size), drop_last_(drop_last), rng_(seed), order_(dataset.count) {
        if (batch_size == 0) throw Error("BatchLoader: batch size must be positive");
        if (dataset.count == 0) throw Error("BatchLoader: the dataset is empty");
        std::iota(order_.begin(), order_.end(), std::size_t{0});
        shuffle();
    }

    std::size_t batches_per_epoch() const {
        return drop_last_ ? dataset_->count / batch_size_ : (dataset_->count + batch_size_ - 1) / batch_size_;
    }

    // Fills `out` with the next batch of this epoch (and `labels`, when given) and returns
    // true; returns false at the end of an epoch and starts the next one.
    template <ShapeType S, class B>
    bool next(Tensor<S, B>& out, std::vector<std::int32_t>* labels = nullptr) {
        if (S::size != dataset_->sample_size())
            throw Error("BatchLoader: the model expects samples of " + std::to_string(S::size) +
                        " values but the dataset's have " + std::to_string(dataset_->sample_size()) + " (" +
                        std::to_string(dataset_->channels) + "x" + std::to_string(dataset_->height) + "x" +
                        std::to_string(dataset_->width) + ")");
        const std::size_t remaining = dataset_->count - cursor_;
        if (remaining == 0 || (drop_last_ && remaining < batch_size_) || remaining < std::size_t(ranks_)) {
            cursor_ = 0;
            ++epoch_;
            shuffle();
            return false;
        }
        const std::size_t n = std::min(batch_size_, remaining);
        const distributed::Shard rows = distributed::shard_of(n, rank_, ranks_);
        out.resize(rows.count);
        if (labels) labels->resize(rows.count);
        const std::size_t first = cursor_ + rows.begin;
        // Samples go straight into the batch where the host can write the backend's memory, and
        // through a host buffer and one copy_from_host where it cannot (a GPU's).
        float* into = out.data();
        if constexpr (!backend::host_memory<B>) {
            staging_.resize(rows.count * S::size);
            into = staging_.data();
        }
        auto copy = [&](std::size_t i) { dataset_->copy_sample(order_[first + i], into + i * S::size); };
        if (dataset_->streamed())  // each sample is decoded from its file: one task per sample
            tbb::parallel_for(std::size_t(0), rows.count, copy);
        else
            for (std::size_t i = 0; i < rows.count; ++i) copy(i);
        if constexpr (!backend::host_memory<B>) B::copy_from_host(static_cast<const float*>(into), staging_.size(), out.data());
        if (labels)
            for (std::size_t i = 0; i < rows.count; ++i)
                (*labels)[i] = dataset_->labels.empty() ? -1 : dataset_->labels[order_[first + i]];
        cursor_ += n;
        return true;
    }

    // Data-parallel: this loader fills rank `rank`'s rows of each batch of `ranks` processes.
    void set_shard(int rank, int ranks) {
        distributed::shard_of(batch_size_, rank, ranks);  // checks rank < ranks
        if (std::size_t(ranks) > batch_size_)
            throw Error("BatchLoader: a batch of " + std::to_string(batch_size_) + " cannot be shared by " +
                        std::to_string(ranks) + " processes");
        rank_ = rank;
        ranks_ = ranks;
    }

    std::size_t epoch() const { return epoch_; }
    std::size_t cursor() const { return cursor_; }
    const std::vector<std::size_t>& order() const { return order_; }
    Rng& rng() { return rng_; }
    // Restores a position saved from epoch(), cursor(), order() and rng().state(). The order
    // must be a permutation of the dataset's indices (next() reads images by it).
    void restore(std::size_t epoch, std::size_t cursor, std::vector<std::size_t> order, const Rng::State& rng) {
        if (order.size() != dataset_->count || cursor > dataset_->count)
            throw Error("BatchLoader: saved position does not fit this dataset");
        if (!is_index_permutation(order))
            throw Error("BatchLoader: saved order is not a permutation of the dataset's " + std::to_string(order.size()) +
                        " image indices");
        epoch_ = epoch;
        cursor_ = cursor;
        order_ = std::move(order);
        rng_.set_state(rng);
    }

private:
    void shuffle() {
        for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng_.below(i)]);
    }

    const ImageDataset* dataset_;
    std::size_t batch_size_;
    bool drop_last_;
    Rng rng_;
    std::vector<std::size_t> order_;
    std::vector<float> staging_;  // a batch on its way to a backend the host cannot write
    std::size_t cursor_ = 0, epoch_ = 0;
    int rank_ = 0, ranks_ = 1;
};

}  // namespace xgan::data
