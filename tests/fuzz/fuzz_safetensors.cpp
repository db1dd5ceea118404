// libFuzzer harness: xgan::io::read_safetensors (include/xgan/io/safetensors.hpp) on arbitrary
// bytes; what it accepts must write back and read again to the same tensors and metadata.
#include <cstdlib>
#include <vector>

#include <xgan/io/safetensors.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto file = xgan_fuzz::write_input("input.safetensors", data, size);
    xgan_fuzz::run_one([&] {
        const xgan::io::SafetensorsFile f = xgan::io::read_safetensors(file);
        for (const auto& [name, e] : f.tensors)
            if (e.bytes.size() != e.numel() * xgan::dtype_size(e.dtype)) std::abort();
        std::vector<xgan::io::TensorView> views;
        for (const auto& [name, e] : f.tensors) views.push_back({name, e.dtype, e.shape, e.bytes.data()});
        const auto copy = xgan_fuzz::scratch() / "copy.safetensors";
        try {
            xgan::io::write_safetensors(copy, views, f.metadata);
        } catch (const xgan::Error&) {
            return;  // e.g. a tensor named "": readable, but the writer refuses the name
        }
        xgan::io::SafetensorsFile g;
        try {
            g = xgan::io::read_safetensors(copy);
        } catch (const xgan::Error& e) {
            xgan_fuzz::finding("an error reading back what write_safetensors wrote", e.what());
        }
        if (g.metadata != f.metadata || g.tensors.size() != f.tensors.size()) std::abort();
        for (const auto& [name, a] : f.tensors) {  // by name: empty tensors share offsets, their order is free
            const xgan::io::SafetensorsEntry* b = g.find(name);
            if (!b || a.dtype != b->dtype || a.shape != b->shape || a.bytes != b->bytes) std::abort();
        }
    });
    return 0;
}
