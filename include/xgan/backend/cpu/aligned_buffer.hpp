#pragma once
// Heap storage aligned to 64 bytes (one cache line, one AVX-512 register), so kernels can
// use aligned vector loads. Extents stay in the types; data always lives on the heap.
#include <cstddef>
#include <new>
#include <vector>

namespace xgan::backend {

template <class T, std::size_t Align = 64>
struct AlignedAllocator {
    using value_type = T;
    template <class U>
    struct rebind {
        using other = AlignedAllocator<U, Align>;
    };
    AlignedAllocator() = default;
    template <class U>
    AlignedAllocator(const AlignedAllocator<U, Align>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{Align})); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t{Align}); }
    template <class U>
    bool operator==(const AlignedAllocator<U, Align>&) const noexcept { return true; }
};

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

}  // namespace xgan::backend
