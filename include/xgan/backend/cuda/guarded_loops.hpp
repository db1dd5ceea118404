#pragma once
// GuardedLoops: HostLoops (host_loops.hpp) over memory that the host may touch only inside a
// backend call, as a GPU's. Its buffers are whole pages mapped PROT_NONE; every call of the
// executor (a kernel, a copy, a GEMM) opens all of them for its duration and closes them
// after. Code above the backend that reads or writes a tensor, a parameter or optimizer state
// directly (instead of through copy_to_host / copy_from_host) dies of SIGSEGV right there:
// what would read device memory from the host under CudaBackend is found on machines without
// a GPU (tests/test_guarded_backend.cpp). For tests only: each call costs two mprotect per
// live buffer.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <map>
#include <new>
#include <utility>

#include "xgan/backend/cuda/block_vector.hpp"
#include "xgan/backend/cuda/host_loops.hpp"

namespace xgan::backend::cuda {

class GuardedPages {
public:
    static GuardedPages& get() {
        static GuardedPages g;
        return g;
    }
    void* allocate(std::size_t bytes) {
        if (bytes == 0) return nullptr;
        const std::size_t len = (bytes + page() - 1) / page() * page();
        void* p = mmap(nullptr, len, open_depth_ ? PROT_READ | PROT_WRITE : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        blocks_.emplace(p, len);
        return p;
    }
    void release(void* p) {
        if (!p) return;
        const auto it = blocks_.find(p);
        if (it == blocks_.end()) return;
        munmap(p, it->second);
        blocks_.erase(it);
    }
    // While an Open lives, every block may be read and written.
    class Open {
    public:
        Open() { GuardedPages::get().open(); }
        ~Open() { GuardedPages::get().close(); }
        Open(const Open&) = delete;
        Open& operator=(const Open&) = delete;
    };

private:
    static std::size_t page() { return std::size_t(sysconf(_SC_PAGESIZE)); }
    void protect(int prot) {
        for (const auto& [p, len] : blocks_) mprotect(p, len, prot);
    }
    void open() {
        if (open_depth_++ == 0) protect(PROT_READ | PROT_WRITE);
    }
    void close() {
        if (--open_depth_ == 0) protect(PROT_NONE);
    }
    std::map<void*, std::size_t> blocks_;
    int open_depth_ = 0;
};

// Guarded memory for BlockVector: every touch inside an Open.
struct GuardedMemory {
    static void* allocate(std::size_t bytes) { return GuardedPages::get().allocate(bytes); }
    static void release(void* p, std::size_t) { GuardedPages::get().release(p); }
    static void copy(void* dst, const void* src, std::size_t bytes) {
        GuardedPages::Open open;
        std::memcpy(dst, src, bytes);
    }
    static void zero(void* p, std::size_t bytes) {
        GuardedPages::Open open;
        std::memset(p, 0, bytes);
    }
    static void upload(void* dst, const void* host, std::size_t bytes) { copy(dst, host, bytes); }
};

template <class U>
using GuardedVector = BlockVector<U, GuardedMemory>;

struct GuardedLoops {
    static constexpr bool host_memory = false;
    template <class U>
    using buffer = GuardedVector<U>;

    template <class U>
    static void copy(const U* x, std::size_t n, U* y) {
        GuardedPages::Open open;
        HostLoops::copy(x, n, y);
    }
    template <class U>
    static void copy_from_host(const U* h, std::size_t n, U* y) { copy(h, n, y); }
    template <class U>
    static void copy_to_host(const U* x, std::size_t n, U* h) { copy(x, n, h); }

    template <class Body>
    static void items(std::size_t n, const Body& body) {
        GuardedPages::Open open;
        HostLoops::items(n, body);
    }
    template <class Term, class Finish>
    static void group_sums(std::size_t groups, std::size_t count, const Term& term, const Finish& finish) {
        GuardedPages::Open open;
        HostLoops::group_sums(groups, count, term, finish);
    }
    template <class Term>
    static double sum(std::size_t n, const Term& term) {
        GuardedPages::Open open;
        return HostLoops::sum(n, term);
    }
    template <class T>
    static void gemm(Trans ta, Trans tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta,
                     T* c, int ldc) {
        GuardedPages::Open open;
        HostLoops::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
};

}  // namespace xgan::backend::cuda
