#pragma once
// Device memory: a caching pool over cudaMalloc (freed blocks are kept by size and handed out
// again, so a training step that resizes its tensors to the same batch allocates nothing after
// the first), and DeviceVector<U>, the backend's buffer: contiguous, value-initialised
// (zero-filled), growing like std::vector but never reading or writing host memory.
#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "xgan/backend/cuda/runtime.hpp"

namespace xgan::backend::cuda {

class DevicePool {
public:
    static DevicePool& get() {
        static DevicePool p;
        return p;
    }
    // At least `bytes` of device memory, 256-byte aligned; null for 0 bytes.
    void* allocate(std::size_t bytes) {
        bytes = rounded(bytes);
        if (bytes == 0) return nullptr;
        {
            std::lock_guard lock(mutex_);
            auto& blocks = free_[bytes];
            if (!blocks.empty()) {
                void* p = blocks.back();
                blocks.pop_back();
                return p;
            }
        }
        void* p = nullptr;
        if (cudaMalloc(&p, bytes) != cudaSuccess) {
            (void)cudaGetLastError();
            release_cached();  // out of memory: give the cached blocks back and try once more
            check(cudaMalloc(&p, bytes), "cudaMalloc");
        }
        return p;
    }
    // Returns a block from allocate(bytes) to the pool. Kernels still queued on the backend's
    // one stream may use it: the next user is queued after them.
    void release(void* p, std::size_t bytes) {
        if (!p) return;
        std::lock_guard lock(mutex_);
        free_[rounded(bytes)].push_back(p);
    }
    // Frees every cached block.
    void release_cached() {
        Runtime::get().synchronize();
        std::lock_guard lock(mutex_);
        for (auto& [size, blocks] : free_)
            for (void* p : blocks) cudaFree(p);
        free_.clear();
    }
    ~DevicePool() {
        for (auto& [size, blocks] : free_)
            for (void* p : blocks) cudaFree(p);
    }

private:
    static std::size_t rounded(std::size_t bytes) { return (bytes + 255) / 256 * 256; }
    std::mutex mutex_;
    std::unordered_map<std::size_t, std::vector<void*>> free_;
};

template <class U>
class DeviceVector {
public:
    using value_type = U;

    DeviceVector() = default;
    explicit DeviceVector(std::size_t n) { resize(n); }
    DeviceVector(std::size_t n, const U& value) {  // staged on the host: for set-up, not for steps
        resize(n);
        const std::vector<U> h(n, value);
        if (n) check(cudaMemcpy(data_, h.data(), n * sizeof(U), cudaMemcpyHostToDevice), "copy_from_host");
    }
    DeviceVector(const DeviceVector& o) {
        resize(o.size_);
        if (size_) check(cudaMemcpyAsync(data_, o.data_, size_ * sizeof(U), cudaMemcpyDeviceToDevice, stream()), "copy");
    }
    DeviceVector(DeviceVector&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
          capacity_(std::exchange(o.capacity_, 0)) {}
    DeviceVector& operator=(DeviceVector o) noexcept {
        std::swap(data_, o.data_);
        std::swap(size_, o.size_);
        std::swap(capacity_, o.capacity_);
        return *this;
    }
    ~DeviceVector() { DevicePool::get().release(data_, capacity_ * sizeof(U)); }

    // New elements are zero, as std::vector's value-initialised ones.
    void resize(std::size_t n) {
        if (n > capacity_) {
            U* grown = static_cast<U*>(DevicePool::get().allocate(n * sizeof(U)));
            if (size_) check(cudaMemcpyAsync(grown, data_, size_ * sizeof(U), cudaMemcpyDeviceToDevice, stream()), "copy");
            DevicePool::get().release(data_, capacity_ * sizeof(U));
            data_ = grown;
            capacity_ = n;
        }
        if (n > size_) check(cudaMemsetAsync(data_ + size_, 0, (n - size_) * sizeof(U), stream()), "cudaMemset");
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
