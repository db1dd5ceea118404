#pragma once
// The PyTorch goldens of tests/data (safetensors or JSON files written by its make_*_goldens.py
// scripts), and the comparisons the golden tests share.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_data.hpp"
#include "xgan/io/safetensors.hpp"

namespace xgan_test {

struct Goldens {
    std::string name;
    xgan::io::SafetensorsFile file;

    explicit Goldens(const std::string& file_name)
        : name(file_name), file(xgan::io::read_safetensors(std::string(data_dir()) + "/" + file_name)) {}

    const xgan::io::SafetensorsEntry& entry(const std::string& tensor) const {
        const xgan::io::SafetensorsEntry* e = file.find(tensor);
        if (!e) FAIL(name << " has no tensor " << tensor);
        return *e;
    }
    std::vector<float> floats(const std::string& tensor) const {
        const auto& e = entry(tensor);
        REQUIRE(e.dtype == xgan::io::DType::F32);
        std::vector<float> v(e.numel());
        std::memcpy(v.data(), e.bytes.data(), v.size() * sizeof(float));
        return v;
    }
    std::int64_t integer(const std::string& tensor) const {
        const auto& e = entry(tensor);
        REQUIRE(e.dtype == xgan::io::DType::I64);
        REQUIRE(e.numel() == 1);
        std::int64_t v;
        std::memcpy(&v, e.bytes.data(), sizeof v);
        return v;
    }
};

// A JSON goldens file of tests/data (values in double), read once.
inline const nlohmann::json& json_goldens(const std::string& file_name) {
    static std::map<std::string, nlohmann::json> read;
    if (const auto it = read.find(file_name); it != read.end()) return it->second;
    const std::string path = std::string(data_dir()) + "/" + file_name;
    std::ifstream in(path);
    REQUIRE_MESSAGE(in, "cannot open " << path);
    return read[file_name] = nlohmann::json::parse(in);
}

inline float max_abs(const std::vector<float>& v) {
    float m = 0;
    for (float x : v) m = std::max(m, std::abs(x));
    return m;
}

// Elementwise |got - want| <= 1e-4 * (|want| + scale), scale = max(max |want|, floor): 1e-4
// relative, measured against the tensor's scale for elements near zero. The floor covers
// gradients that are zero in exact arithmetic (a conv bias followed by BatchNorm), where both
// libraries return rounding noise.
inline void check_close(const std::string& what, const float* got, const std::vector<float>& want, float floor = 0) {
    const float scale = std::max(max_abs(want), floor);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (std::abs(got[i] - want[i]) <= 1e-4f * (std::abs(want[i]) + scale)) continue;
        if (bad++ < 3) CHECK_MESSAGE(false, what << "[" << i << "]: xgan " << got[i] << ", torch " << want[i]);
    }
    CHECK_MESSAGE(bad == 0, what << ": " << bad << " of " << want.size() << " elements differ");
}

// max |got - want| <= rtol * max |want|, against double goldens.
template <class T>
void check_close(const std::string& what, const T* got, const std::vector<double>& want, double rtol) {
    double scale = 0, worst = 0;
    for (double w : want) scale = std::max(scale, std::abs(w));
    for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(double(got[i]) - want[i]));
    CHECK_MESSAGE(worst <= rtol * scale, what << ": max abs error " << worst << " of scale " << scale);
}

}  // namespace xgan_test
