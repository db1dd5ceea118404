#pragma once
// Element types of stored tensors (checkpoint entries).
#include <cstddef>
#include <string>

namespace xgan {

enum class DType { F32, I64 };

inline std::string dtype_name(DType t) { return t == DType::F32 ? "F32" : "I64"; }
constexpr std::size_t dtype_size(DType t) { return t == DType::F32 ? 4 : 8; }

}  // namespace xgan
