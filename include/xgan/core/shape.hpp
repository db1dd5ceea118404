#pragma once
// Shape<D...>: the per-sample extents of a tensor, known at compile time. The batch size is
// the one runtime dimension and is never part of a Shape.
#include <array>
#include <cstddef>
#include <string>
#include <type_traits>

namespace xgan {

template <std::size_t... Dims>
struct Shape {
    static_assert(sizeof...(Dims) > 0, "xgan: a Shape needs at least one extent");
    static_assert(((Dims > 0) && ...), "xgan: every extent of a Shape must be positive");
    static constexpr std::size_t rank = sizeof...(Dims);
    static constexpr std::size_t size = (std::size_t{1} * ... * Dims);
    static constexpr std::array<std::size_t, rank> dims{Dims...};

    // "(1, 28, 28)", as PyTorch prints a sample's shape.
    static std::string str() {
        std::string s = "(";
        for (std::size_t i = 0; i < rank; ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
        return s + (rank == 1 ? ",)" : ")");
    }
};

template <class T>
struct is_shape : std::false_type {};
template <std::size_t... D>
struct is_shape<Shape<D...>> : std::true_type {};
template <class T>
concept ShapeType = is_shape<T>::value;

// The extent of dimension I of a shape.
template <ShapeType S, std::size_t I>
inline constexpr std::size_t extent = S::dims[I];

}  // namespace xgan
