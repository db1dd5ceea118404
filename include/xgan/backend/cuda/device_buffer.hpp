#pragma once
// Device memory: a caching pool over cudaMalloc (freed blocks are kept by size and handed out
// again, so a training step that resizes its tensors to the same batch allocates nothing after
// the first), and DeviceVector<U>, the backend's buffer (block_vector.hpp over that pool).
#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "xgan/backend/cuda/block_vector.hpp"
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

// Device memory for BlockVector: the pool, and copies queued on the backend's stream.
struct DeviceMemory {
    static void* allocate(std::size_t bytes) { return DevicePool::get().allocate(bytes); }
    static void release(void* p, std::size_t bytes) { DevicePool::get().release(p, bytes); }
    static void copy(void* dst, const void* src, std::size_t bytes) {
        check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream()), "copy");
    }
    static void zero(void* p, std::size_t bytes) { check(cudaMemsetAsync(p, 0, bytes, stream()), "cudaMemset"); }
    static void upload(void* dst, const void* host, std::size_t bytes) {
        check(cudaMemcpyAsync(dst, host, bytes, cudaMemcpyHostToDevice, stream()), "copy_from_host");
        Runtime::get().synchronize();  // the host values are a temporary
    }
};

template <class U>
using DeviceVector = BlockVector<U, DeviceMemory>;

}  // namespace xgan::backend::cuda
