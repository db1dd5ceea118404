#pragma once
// Labels as inputs of a conditional GAN: [x, one-hot(label) planes], the label's K planes
// after x's leading channels (for a vector x, K entries after it: torch.cat((z, onehot), 1)).
#include <cstddef>
#include <cstdint>
#include <span>

#include "xgan/backend/backend.hpp"
#include "xgan/backend/tensor.hpp"
#include "xgan/core/host_device.hpp"

namespace xgan {

namespace detail {
// out[i] = [x[i], one-hot planes of label[i]], over out as [n, Out::size, 1]
template <class T>
struct LabelPlanes {
    const T* x;
    const std::int32_t* label;
    std::size_t in_size, plane;
    XGAN_HD T operator()(backend::Index k) const {
        if (k.c < in_size) return x[k.o * in_size + k.c];
        return (k.c - in_size) / plane == std::size_t(label[k.o]) ? T(1) : T(0);
    }
};
}  // namespace detail

// labels on the host; label_scratch holds them in B's memory (grows to the batch, then reused).
template <ShapeType In, ShapeType Out, class B>
const Tensor<Out, B>& append_label_planes(const Tensor<In, B>& x, std::span<const std::int32_t> labels,
                                          Tensor<Out, B>& out, typename B::template buffer<std::int32_t>& label_scratch) {
    using T = typename B::scalar;
    constexpr std::size_t plane = In::size / In::dims[0];
    static_assert(Out::size > In::size && (Out::size - In::size) % plane == 0, "xgan: Out must be In with label planes added");
    const std::size_t n = x.batch();
    out.resize(n);
    if (label_scratch.size() < n) label_scratch.resize(n);
    B::copy_from_host(labels.data(), n, label_scratch.data());
    B::indexed_map({n, Out::size, 1}, detail::LabelPlanes<T>{x.data(), label_scratch.data(), In::size, plane}, out.data());
    return out;
}

// The same with scratch of its own (allocates on each call).
template <ShapeType In, ShapeType Out, class B>
const Tensor<Out, B>& append_label_planes(const Tensor<In, B>& x, std::span<const std::int32_t> labels,
                                          Tensor<Out, B>& out) {
    typename B::template buffer<std::int32_t> scratch(x.batch());
    return append_label_planes(x, labels, out, scratch);
}

}  // namespace xgan
