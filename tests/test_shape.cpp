// Shape<D...> (core/shape.hpp) and the Tensor that stores batches of a Shape (backend/tensor.hpp).
#include <doctest/doctest.h>

#include <cstdint>
#include <type_traits>

#include "xgan/backend/cpu.hpp"
#include "xgan/backend/tensor.hpp"
#include "xgan/core/shape.hpp"

using namespace xgan;

TEST_CASE("Shape: rank, size and extents are compile-time constants") {
    using S = Shape<3, 28, 28>;
    static_assert(S::rank == 3);
    static_assert(S::size == 3 * 28 * 28);
    static_assert(S::dims[0] == 3 && S::dims[1] == 28 && S::dims[2] == 28);
    static_assert(extent<S, 1> == 28);
    static_assert(Shape<784>::size == 784 && Shape<784>::rank == 1);
    static_assert(Shape<1, 1, 1>::size == 1);
    static_assert(Shape<2, 3, 4, 5>::size == 120);
    static_assert(is_shape<S>::value);
    static_assert(!is_shape<int>::value);
    static_assert(ShapeType<Shape<7>>);
    static_assert(!ShapeType<std::integral_constant<std::size_t, 7>>);
    static_assert(!std::is_same_v<Shape<784>, Shape<1, 28, 28>>, "same size, different shapes");
    CHECK(S::size == 2352);
}

TEST_CASE("Shape: str() prints a sample's shape as PyTorch does") {
    CHECK(Shape<1, 28, 28>::str() == "(1, 28, 28)");
    CHECK(Shape<784>::str() == "(784,)");
    CHECK(Shape<2, 3>::str() == "(2, 3)");
}

TEST_CASE("Tensor: resize sets the batch and keeps storage when shrinking") {
    Tensor<Shape<2, 3>, Cpu> t;
    CHECK(t.batch() == 0);
    CHECK(t.size() == 0);
    t.resize(4);
    CHECK(t.batch() == 4);
    CHECK(t.size() == 24);
    CHECK(Tensor<Shape<2, 3>, Cpu>::sample_size == 6);
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = float(i);
    CHECK(t.sample(2) == t.data() + 12);
    CHECK(*t.sample(3) == 18.0f);
    const float* before = t.data();
    t.resize(1);
    CHECK(t.batch() == 1);
    CHECK(t.size() == 6);
    CHECK(t.values().size() == 6);
    CHECK(t.data() == before);  // no reallocation on a smaller batch
    t.resize(4);
    CHECK(t.data() == before);  // nor when growing back to the largest batch seen
    CHECK(t[23] == 23.0f);      // and the values are kept
    CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);  // 64-byte aligned storage
}
