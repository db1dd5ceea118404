#pragma once
// Labels as inputs of a conditional GAN: [x, one-hot(label) planes], the label's K planes
// after x's leading channels (for a vector x, K entries after it: torch.cat((z, onehot), 1)).
#include <algorithm>
#include <cstdint>
#include <span>

#include "xgan/backend/tensor.hpp"

namespace xgan {

template <ShapeType In, ShapeType Out, class B>
const Tensor<Out, B>& append_label_planes(const Tensor<In, B>& x, std::span<const std::int32_t> labels,
                                          Tensor<Out, B>& out) {
    using T = typename B::scalar;
    constexpr std::size_t plane = In::size / In::dims[0];
    static_assert(Out::size > In::size && (Out::size - In::size) % plane == 0, "xgan: Out must be In with label planes added");
    out.resize(x.batch());
    for (std::size_t i = 0; i < x.batch(); ++i) {
        T* o = out.sample(i);
        std::copy(x.sample(i), x.sample(i) + In::size, o);
        std::fill(o + In::size, o + Out::size, T(0));
        std::fill(o + In::size + std::size_t(labels[i]) * plane, o + In::size + std::size_t(labels[i] + 1) * plane, T(1));
    }
    return out;
}

}  // namespace xgan
