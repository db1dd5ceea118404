#pragma once
// BlockVector<U, Memory>: a buffer of U in memory the host may not touch directly, growing like
// std::vector (new elements zero) but moving its values only through Memory:
//   Memory::allocate(bytes) / release(p, bytes)   a block, and its return
//   Memory::copy(dst, src, bytes)                 within that memory
//   Memory::zero(p, bytes)                        bytes set to 0
//   Memory::upload(dst, host, bytes)              from host memory
// The CUDA backend's DeviceVector (device_buffer.hpp) and the guarded test memory's
// GuardedVector (guarded_loops.hpp) are this over their own Memory.
#include <cstddef>
#include <utility>
#include <vector>

namespace xgan::backend::cuda {

template <class U, class Memory>
class BlockVector {
public:
    using value_type = U;

    BlockVector() = default;
    explicit BlockVector(std::size_t n) { resize(n); }
    BlockVector(std::size_t n, const U& value) {  // staged on the host: for set-up, not for steps
        resize(n);
        const std::vector<U> h(n, value);
        if (n) Memory::upload(data_, h.data(), n * sizeof(U));
    }
    BlockVector(const BlockVector& o) {
        resize(o.size_);
        if (size_) Memory::copy(data_, o.data_, size_ * sizeof(U));
    }
    BlockVector(BlockVector&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), capacity_(std::exchange(o.capacity_, 0)) {}
    BlockVector& operator=(BlockVector o) noexcept {
        std::swap(data_, o.data_);
        std::swap(size_, o.size_);
        std::swap(capacity_, o.capacity_);
        return *this;
    }
    ~BlockVector() { Memory::release(data_, capacity_ * sizeof(U)); }

    void resize(std::size_t n) {
        if (n > capacity_) {
            U* grown = static_cast<U*>(Memory::allocate(n * sizeof(U)));
            if (size_) Memory::copy(grown, data_, size_ * sizeof(U));
            Memory::release(data_, capacity_ * sizeof(U));
            data_ = grown;
            capacity_ = n;
        }
        if (n > size_) Memory::zero(data_ + size_, (n - size_) * sizeof(U));
        size_ = n;
    }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    U* data() { return data_; }
    const U* data() const { return data_; }

private:
    U* data_ = nullptr;
    std::size_t size_ = 0, capacity_ = 0;
};

}  // namespace xgan::backend::cuda
