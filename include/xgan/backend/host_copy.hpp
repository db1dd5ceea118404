#pragma once
// Values of a backend's storage, copied into host memory (the storage may be a device's): what
// checkpoints, weight files, sample grids and tests read.
#include <cstddef>
#include <vector>

namespace xgan::backend {

// n values of B's storage at p, in host memory.
template <class B, class U>
std::vector<U> to_host(const U* p, std::size_t n) {
    std::vector<U> h(n);
    B::copy_to_host(p, n, h.data());
    return h;
}

}  // namespace xgan::backend
