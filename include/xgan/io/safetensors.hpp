#pragma once
// safetensors files (https://github.com/huggingface/safetensors), the checkpoint format that
// PyTorch users load with `safetensors.torch.load_file`. Layout: an 8-byte little-endian
// header length N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]},
// "__metadata__": {string: string}} (padded with spaces to 8-byte alignment), then the data
// buffer, which the tensors cover exactly; offsets count from the start of the buffer.
// The writer goes through write_file_atomically, so a failed write keeps the previous file;
// the reader checks every field and names the file and the tensor in each error.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgan/core/dtype.hpp"
#include "xgan/core/error.hpp"
#include "xgan/io/atomic_file.hpp"
#include "xgan/io/read_file.hpp"

namespace xgan::io {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; xgan assumes such a host");

using xgan::DType;
using xgan::dtype_name;
using xgan::dtype_size;

// One tensor to write; data points at numel(shape) elements in native (little-endian) layout.
struct TensorView {
    std::string name;
    DType dtype;
    std::vector<std::int64_t> shape;
    const void* data;
};

struct SafetensorsEntry {
    DType dtype;
    std::vector<std::int64_t> shape;
    std::vector<std::byte> bytes;  // numel() * dtype_size(dtype) bytes, little-endian

    std::size_t numel() const {
        std::size_t n = 1;
        for (auto d : shape) n *= static_cast<std::size_t>(d);
        return n;
    }
};

struct SafetensorsFile {
    std::map<std::string, std::string> metadata;
    std::vector<std::pair<std::string, SafetensorsEntry>> tensors;  // in file order (by offset)

    const SafetensorsEntry* find(std::string_view name) const {
        for (const auto& [n, e] : tensors)
            if (n == name) return &e;
        return nullptr;
    }
};

namespace detail {

inline std::optional<DType> dtype_from_name(std::string_view s) {
    if (s == "F32") return DType::F32;
    if (s == "I64") return DType::I64;
    return std::nullopt;
}

inline std::string shape_string(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// Bytes of a tensor, or nullopt when the product overflows size_t. Dims must be >= 0.
inline std::optional<std::size_t> byte_size(const std::vector<std::int64_t>& shape, DType dtype) {
    std::size_t n = dtype_size(dtype);
    if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
    for (auto d : shape) {
        if (static_cast<std::uint64_t>(d) > std::numeric_limits<std::size_t>::max() / n) return std::nullopt;
        n *= static_cast<std::size_t>(d);
    }
    return n;
}

}  // namespace detail

// Writes the tensors in the given order, their data contiguous. Throws Error for a duplicate
// or reserved name, a negative dimension or missing data, FileError when writing fails.
inline void write_safetensors(const std::filesystem::path& path, const std::vector<TensorView>& tensors,
                              const std::map<std::string, std::string>& metadata = {}) {
    const std::string where = "write_safetensors(" + path.string() + "): ";
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::set<std::string_view> names;
    std::vector<std::size_t> sizes;
    std::size_t offset = 0;
    for (const auto& t : tensors) {
        if (t.name.empty() || t.name == "__metadata__") throw Error(where + "invalid tensor name '" + t.name + "'");
        if (!names.insert(t.name).second) throw Error(where + "duplicate tensor name '" + t.name + "'");
        if (std::any_of(t.shape.begin(), t.shape.end(), [](auto d) { return d < 0; }))
            throw Error(where + "tensor '" + t.name + "' has a negative dimension in " + detail::shape_string(t.shape));
        const auto size = detail::byte_size(t.shape, t.dtype);
        if (!size) throw Error(where + "tensor '" + t.name + "' is too large: " + detail::shape_string(t.shape));
        if (*size > 0 && !t.data) throw Error(where + "tensor '" + t.name + "' has no data");
        header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + *size}}};
        sizes.push_back(*size);
        offset += *size;
    }
    std::string json = header.dump();
    json.append((8 - json.size() % 8) % 8, ' ');  // the data buffer starts 8-byte aligned

    std::vector<std::byte> file(8 + json.size() + offset);
    for (std::size_t i = 0; i < 8; ++i) file[i] = std::byte(static_cast<std::uint64_t>(json.size()) >> (8 * i));
    std::memcpy(file.data() + 8, json.data(), json.size());
    std::byte* out = file.data() + 8 + json.size();
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        if (sizes[i]) std::memcpy(out, tensors[i].data, sizes[i]);
        out += sizes[i];
    }
    write_file_atomically(path, file);
}

// Reads and validates a whole safetensors file (F32 and I64 tensors). Throws FileError naming
// the file and the problem.
inline SafetensorsFile read_safetensors(const std::filesystem::path& path) {
    using nlohmann::json;
    const std::vector<std::byte> bytes = read_file_bytes(path);
    auto fail = [&](const std::string& what) { return FileError(path, "safetensors: " + what); };

    if (bytes.size() < 8)
        throw fail("file has " + std::to_string(bytes.size()) + " bytes, fewer than the 8-byte header length");
    std::uint64_t header_len = 0;
    for (std::size_t i = 0; i < 8; ++i) header_len |= std::uint64_t(bytes[i]) << (8 * i);
    if (header_len > bytes.size() - 8)
        throw fail("header length " + std::to_string(header_len) + " is larger than the " +
                   std::to_string(bytes.size() - 8) + " bytes after it");
    const char* text = reinterpret_cast<const char*>(bytes.data() + 8);
    const std::byte* buffer = bytes.data() + 8 + header_len;
    const std::size_t buffer_len = bytes.size() - 8 - header_len;

    // The parser keeps the last of duplicate keys; note any top-level duplicate to reject it.
    std::set<std::string> keys;
    std::string duplicate;
    auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::key && depth == 1 && !keys.insert(parsed.get<std::string>()).second)
            duplicate = parsed.get<std::string>();
        return true;
    };
    json header;
    try {
        header = json::parse(text, text + header_len, on_event);
    } catch (const json::exception& e) {
        throw fail(std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) throw fail("header is not a JSON object");
    if (!duplicate.empty()) throw fail("header names '" + duplicate + "' twice");

    SafetensorsFile out;
    struct Span {
        std::size_t begin, end, index;
    };
    std::vector<Span> spans;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object()) throw fail("__metadata__ is not a JSON object");
            for (const auto& [key, value] : entry.items()) {
                if (!value.is_string()) throw fail("__metadata__ value of '" + key + "' is not a string");
                out.metadata[key] = value.get<std::string>();
            }
            continue;
        }
        const std::string tensor = "tensor '" + name + "': ";
        if (!entry.is_object()) throw fail(tensor + "entry is not a JSON object");
        const auto dtype_it = entry.find("dtype");
        const auto shape_it = entry.find("shape");
        const auto offsets_it = entry.find("data_offsets");
        if (dtype_it == entry.end() || !dtype_it->is_string()) throw fail(tensor + "missing string field 'dtype'");
        if (shape_it == entry.end() || !shape_it->is_array()) throw fail(tensor + "missing array field 'shape'");
        if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2 ||
            !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned())
            throw fail(tensor + "missing field 'data_offsets' = [begin, end] of non-negative integers");

        const auto dtype = detail::dtype_from_name(dtype_it->get<std::string>());
        if (!dtype) throw fail(tensor + "unsupported dtype " + dtype_it->get<std::string>() + " (xgan reads F32 and I64)");
        std::vector<std::int64_t> shape;
        for (const auto& d : *shape_it) {
            if (d.is_number_integer() && !d.is_number_unsigned() && d.get<std::int64_t>() < 0)
                throw fail(tensor + "negative dimension " + std::to_string(d.get<std::int64_t>()) + " in shape");
            if (!d.is_number_unsigned() || d.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
                throw fail(tensor + "shape entry " + d.dump() + " is not a non-negative integer");
            shape.push_back(d.get<std::int64_t>());
        }
        const auto begin = (*offsets_it)[0].get<std::uint64_t>(), end = (*offsets_it)[1].get<std::uint64_t>();
        const std::string range = "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "]";
        if (begin > end) throw fail(tensor + range + " begin after end");
        if (end > buffer_len)
            throw fail(tensor + range + " lie outside the data buffer of " + std::to_string(buffer_len) + " bytes");
        const auto size = detail::byte_size(shape, *dtype);
        if (!size || *size != end - begin)
            throw fail(tensor + range + " hold " + std::to_string(end - begin) + " bytes but shape " +
                       detail::shape_string(shape) + " of " + dtype_name(*dtype) + " needs " +
                       (size ? std::to_string(*size) : std::string("more than fits in memory")));
        spans.push_back({begin, end, out.tensors.size()});
        out.tensors.push_back({name, SafetensorsEntry{*dtype, std::move(shape), {buffer + begin, buffer + end}}});
    }

    // The tensors must tile the data buffer: no overlap, no gap, nothing left over.
    std::sort(spans.begin(), spans.end(),
              [](const Span& a, const Span& b) { return std::pair(a.begin, a.end) < std::pair(b.begin, b.end); });
    std::size_t covered = 0;
    const std::string* previous = nullptr;
    for (const Span& s : spans) {
        const std::string& name = out.tensors[s.index].first;
        if (s.begin < covered) throw fail("tensors '" + *previous + "' and '" + name + "' overlap in the data buffer");
        if (s.begin > covered)
            throw fail("gap of " + std::to_string(s.begin - covered) + " bytes in the data buffer before tensor '" +
                       name + "'");
        covered = s.end;
        previous = &name;
    }
    if (covered != buffer_len)
        throw fail("data buffer has " + std::to_string(buffer_len) + " bytes but the tensors cover " +
                   std::to_string(covered));

    std::vector<std::pair<std::string, SafetensorsEntry>> ordered;
    ordered.reserve(spans.size());
    for (const Span& s : spans) ordered.push_back(std::move(out.tensors[s.index]));
    out.tensors = std::move(ordered);
    return out;
}

}  // namespace xgan::io
