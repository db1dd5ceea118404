#pragma once
// A network's state_dict as a safetensors file, with PyTorch's names, dtypes, shapes and
// layouts, so torch.nn.Sequential.load_state_dict(strict=True) takes it and the other way round.
//   save_weights(net, file)   atomic: a failed write leaves the previous file as it was
//   load_weights(net, file)   checks every name, dtype and shape first and names the first
//                             mismatch (with both models' type signatures when the file has
//                             one), and refuses NaN or Inf values naming the tensor (FileError);
//                             the network is changed only when everything fits
#include <cmath>
#include <cstring>
#include <filesystem>
#include <list>
#include <map>
#include <string>
#include <vector>

#include "xgan/backend/host_copy.hpp"
#include "xgan/core/error.hpp"
#include "xgan/io/safetensors.hpp"
#include "xgan/layers/layer.hpp"
#include "xgan/nn/signature.hpp"

namespace xgan::io {

inline constexpr const char* signature_key = "xgan.type";

inline std::string dims_text(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

template <class Net>
void save_weights(Net& net, const std::filesystem::path& file, std::map<std::string, std::string> metadata = {}) {
    static_assert(std::is_same_v<typename Net::scalar, float>, "xgan: weights are stored as F32");
    // Values are staged through the backend (they may live in device memory); integer buffers
    // (num_batches_tracked) are host members.
    using B = typename Net::backend;
    std::vector<TensorView> views;
    std::list<std::vector<float>> staged;  // host copies (stable addresses for the views)
    net.visit_state(
        [&](const StateEntry<float>& e) {
            if (e.integer) {
                views.push_back({e.name, DType::I64, e.shape, e.integer});
            } else {
                staged.push_back(backend::to_host<B>(static_cast<const float*>(e.value), e.numel()));
                views.push_back({e.name, DType::F32, e.shape, staged.back().data()});
            }
        },
        "");
    metadata.emplace("format", "pt");
    metadata[signature_key] = type_signature<Net>();
    write_safetensors(file, views, metadata);
}

template <class Net>
void load_weights(Net& net, const std::filesystem::path& file) {
    const SafetensorsFile st = read_safetensors(file);
    std::vector<StateEntry<float>> entries;
    net.visit_state([&](const StateEntry<float>& e) { entries.push_back(e); }, "");

    const auto signature = st.metadata.find(signature_key);
    auto fail = [&](const std::string& what) {
        std::string msg = what;
        if (signature != st.metadata.end() && signature->second != type_signature<Net>())
            msg += "\n  the file holds:    " + signature->second + "\n  the model is:      " + type_signature<Net>();
        throw MismatchError(file.string() + ": " + msg);
    };
    for (const auto& e : entries) {
        const SafetensorsEntry* t = st.find(e.name);
        const DType want = e.integer ? DType::I64 : DType::F32;
        if (!t) fail("tensor '" + e.name + "' is missing (the model expects " + dtype_name(want) + " " + dims_text(e.shape) + ")");
        if (t->dtype != want)
            fail("tensor '" + e.name + "' is " + dtype_name(t->dtype) + " in the file but " + dtype_name(want) + " in the model");
        if (t->shape != e.shape)
            fail("tensor '" + e.name + "' has shape " + dims_text(t->shape) + " in the file but " + dims_text(e.shape) +
                 " in the model");
    }
    if (st.tensors.size() != entries.size())
        for (const auto& [name, t] : st.tensors) {
            bool known = false;
            for (const auto& e : entries) known = known || e.name == name;
            if (!known) fail("tensor '" + name + "' in the file does not exist in the model");
        }
    // Non-finite weights would turn every sample and step into NaN without a word: refuse them.
    for (const auto& e : entries) {
        const SafetensorsEntry* t = st.find(e.name);
        for (std::size_t i = 0; !e.integer && i < t->numel(); ++i) {
            float v;
            std::memcpy(&v, t->bytes.data() + i * sizeof v, sizeof v);
            if (!std::isfinite(v))
                throw FileError(file, "tensor '" + e.name + "' holds " + (std::isnan(v) ? "NaN" : "Inf") + " at element " +
                                          std::to_string(i) + " of " + std::to_string(t->numel()) +
                                          "; weights must be finite numbers");
        }
    }
    std::vector<float> host;
    for (const auto& e : entries) {
        const SafetensorsEntry* t = st.find(e.name);
        if (e.integer) {
            std::memcpy(e.integer, t->bytes.data(), t->bytes.size());
            continue;
        }
        host.resize(t->numel());
        std::memcpy(host.data(), t->bytes.data(), t->bytes.size());
        Net::backend::copy_from_host(static_cast<const float*>(host.data()), host.size(), e.value);
    }
}

}  // namespace xgan::io
