#pragma once
// Tensor<S, B>: a batch of samples of compile-time shape S, stored contiguously (NCHW) in the
// backend's heap buffer. Resizing to a smaller batch keeps the storage, so after the largest
// batch has been seen no call allocates (a training step allocates nothing after its first).
// The backend is part of the type and has no default: where users write types, xgan::Cpu.
#include <cstddef>
#include <span>

#include "xgan/backend/backend.hpp"
#include "xgan/core/shape.hpp"

namespace xgan {

template <ShapeType S, backend::Backend B>
class Tensor {
public:
    using shape = S;
    using backend = B;
    using scalar = typename B::scalar;
    static constexpr std::size_t sample_size = S::size;

    Tensor() = default;
    explicit Tensor(std::size_t batch) { resize(batch); }

    // Sets the batch size; grows the storage only past the largest batch so far.
    void resize(std::size_t batch) {
        if (batch * sample_size > storage_.size()) storage_.resize(batch * sample_size);
        batch_ = batch;
    }

    std::size_t batch() const { return batch_; }
    std::size_t size() const { return batch_ * sample_size; }
    scalar* data() { return storage_.data(); }
    const scalar* data() const { return storage_.data(); }
    scalar* sample(std::size_t i) { return data() + i * sample_size; }
    const scalar* sample(std::size_t i) const { return data() + i * sample_size; }
    std::span<scalar> values() { return {data(), size()}; }
    std::span<const scalar> values() const { return {data(), size()}; }
    scalar& operator[](std::size_t i) { return storage_[i]; }
    const scalar& operator[](std::size_t i) const { return storage_[i]; }

private:
    typename B::template buffer<scalar> storage_;
    std::size_t batch_ = 0;
};

}  // namespace xgan
