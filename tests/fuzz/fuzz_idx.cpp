// libFuzzer harness: xgan::data::read_idx (include/xgan/data/idx.hpp) on arbitrary bytes,
// plain or gzip-compressed (the reader tells them apart by the 1f 8b magic).
#include <cstdlib>

#include <xgan/data/idx.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto file = xgan_fuzz::write_input("input.idx", data, size);
    xgan_fuzz::run_one([&] {
        const xgan::data::IdxArray a = xgan::data::read_idx(file);
        // What the reader promises on success: dims without zeros whose product is the data size.
        std::size_t n = 1;
        for (auto d : a.dims) {
            if (d == 0) std::abort();
            n *= d;
        }
        if (a.dims.empty() || a.dims.size() > 4 || n != a.data.size()) std::abort();
    });
    return 0;
}
