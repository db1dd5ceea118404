#pragma once
// Compile-time checks whose failures read well. A failed check instantiates a class template
// whose *name* carries the culprit (layer and shapes), so the compiler's first note reads e.g.
//   in instantiation of 'struct xgan::shape_mismatch<xgan::Linear<784, 256>, xgan::Shape<2048>, ...>'
// instead of a long template backtrace.
#include <type_traits>

namespace xgan {

template <class...>
inline constexpr bool dependent_false = false;

// Layer receives a sample of shape Got but needs Expected.
template <class Layer, class Got, class Expected>
struct shape_mismatch {
    static_assert(dependent_false<Layer, Got>,
                  "xgan: shape mismatch. The layer named first in shape_mismatch<Layer, Got, Expected> "
                  "receives samples of shape Got from the layer before it but expects Expected: fix the "
                  "previous layer's output size or this layer's input size.");
    static constexpr bool value = false;
};

// Evaluates to true; on a mismatch it first fails with shape_mismatch<Layer, Got, Expected>.
template <class Layer, class Got, class Expected>
inline constexpr bool require_input_shape =
    std::conditional_t<std::is_same_v<Got, Expected>, std::true_type, shape_mismatch<Layer, Got, Expected>>::value;

// Layer cannot be applied to inputs of this shape at all (wrong rank, sizes that do not divide).
template <class Layer, class Got>
struct invalid_input_shape {
    static_assert(dependent_false<Layer, Got>,
                  "xgan: the layer named in invalid_input_shape<Layer, Got> cannot take samples of shape Got "
                  "(wrong rank or sizes that do not work out); see the layer's documentation for the shapes it takes.");
    static constexpr bool value = false;
};

template <class Layer, class Got, bool Ok>
inline constexpr bool require_valid_input =
    std::conditional_t<Ok, std::true_type, invalid_input_shape<Layer, Got>>::value;

}  // namespace xgan
