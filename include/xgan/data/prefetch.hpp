#pragma once
// PrefetchingLoader: a BatchLoader whose next batch is copied on a oneTBB task while the
// current one trains (double buffering). It yields exactly BatchLoader's batches, in the same
// order, for the same seed: it makes the same calls to a BatchLoader, one call ahead.
//
//   data::PrefetchingLoader<Shape<1, 28, 28>> loader(dataset, 64, seed);
//   while (const auto* real = loader.next()) { train_step(*real); }   // one epoch
//
// The two batch buffers are Tensors, so after the first two batches nothing is allocated
// for them again (oneTBB's task objects come from its own small-object pool).
// A prefetch never crosses the end of an epoch: the call that ends an epoch (nullptr) runs
// in the caller's thread, so the wrapped loader is at most one whole batch ahead of the
// consumer, and loader() can rewind it to the consumer's position for checkpoints.
#include <tbb/task_group.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "xgan/backend/cpu.hpp"
#include "xgan/backend/tensor.hpp"
#include "xgan/core/error.hpp"
#include "xgan/data/dataset.hpp"
#include "xgan/data/loader.hpp"

namespace xgan::data {

template <ShapeType S, class B = Cpu>
class PrefetchingLoader {
public:
    // As BatchLoader(dataset, batch_size, seed, drop_last); `dataset` must outlive the loader.
    PrefetchingLoader(const ImageDataset& dataset, std::size_t batch_size, std::uint64_t seed, bool drop_last = false)
        : dataset_(&dataset), batch_size_(batch_size), drop_last_(drop_last),
          loader_(dataset, batch_size, seed, drop_last) {
        if (S::size != dataset.sample_size())
            throw Error("PrefetchingLoader: the model expects samples of " + std::to_string(S::size) +
                        " values but the dataset's have " + std::to_string(dataset.sample_size()) + " (" +
                        std::to_string(dataset.channels) + "x" + std::to_string(dataset.height) + "x" +
                        std::to_string(dataset.width) + ")");
    }
    PrefetchingLoader(const PrefetchingLoader&) = delete;  // the pending task points at this object
    PrefetchingLoader& operator=(const PrefetchingLoader&) = delete;
    ~PrefetchingLoader() {
        try {
            wait();
        } catch (...) {  // an error of a batch nobody will read
        }
    }

    // The next batch of this epoch, or nullptr at the end of an epoch, after which the next
    // call starts the following epoch: BatchLoader::next's true / false. The batch (and
    // labels()) stay valid until the next call to next() or loader().
    const Tensor<S, B>* next() {
        bool got;
        if (pending_) {
            wait();
            got = fetched_;
        } else {
            got = loader_.next(buffers_[back()], &labels_[back()]);
        }
        if (got) front_ = back();
        if (!at_epoch_end()) {
            pending_ = true;
            group_.run([this, b = back()] { fetched_ = loader_.next(buffers_[b], &labels_[b]); });
        }
        return got ? &buffers_[front_] : nullptr;
    }

    // Labels of the batch last returned by next(); -1 each when the data set has none.
    const std::vector<std::int32_t>& labels() const { return labels_[front_]; }

    std::size_t batches_per_epoch() const { return loader_.batches_per_epoch(); }

    // The wrapped BatchLoader at the consumer's position: waits for a pending prefetch and
    // rewinds over it (the next call to next() copies that batch again). Use it to save the
    // position (epoch(), cursor(), order(), rng()) or to restore() one, e.g. with the
    // checkpoint functions that take a BatchLoader&.
    BatchLoader& loader() {
        if (pending_) {
            wait();
            if (fetched_)
                loader_.restore(loader_.epoch(), loader_.cursor() - buffers_[back()].batch(), loader_.order(),
                                loader_.rng().state());
        }
        return loader_;
    }

private:
    std::size_t back() const { return front_ ^ 1u; }

    // Whether the wrapped loader's next call would end the epoch (return false).
    bool at_epoch_end() const {
        const std::size_t remaining = dataset_->count - loader_.cursor();
        return remaining == 0 || (drop_last_ && remaining < batch_size_);
    }

    void wait() {
        if (!pending_) return;
        pending_ = false;
        group_.wait();  // rethrows an error of the task
    }

    const ImageDataset* dataset_;
    std::size_t batch_size_;
    bool drop_last_;
    BatchLoader loader_;
    Tensor<S, B> buffers_[2];
    std::vector<std::int32_t> labels_[2];
    std::size_t front_ = 0;   // buffer of the batch last handed out
    bool pending_ = false;    // a task is filling buffers_[back()]
    bool fetched_ = false;    // that task's BatchLoader::next result
    tbb::task_group group_;
};

}  // namespace xgan::data
