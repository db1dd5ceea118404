#pragma once
// WindowGeometry: K x K windows at stride S over an [H, W] plane, without padding (floor
// mode): the Ho x Wo grid of pooling, and of nearest-neighbour upsampling read backwards
// (Upsample<s> is the adjoint of summing s x s windows of its output).
#include <cstddef>

namespace xgan::backend {

template <std::size_t H_, std::size_t W_, std::size_t K_, std::size_t S_>
struct WindowGeometry {
    static_assert(H_ >= K_ && W_ >= K_ && K_ > 0 && S_ > 0);
    static constexpr std::size_t H = H_, W = W_, K = K_, S = S_;
    static constexpr std::size_t Ho = (H - K) / S + 1, Wo = (W - K) / S + 1;
    static constexpr std::size_t plane = H * W, out_plane = Ho * Wo;
};

// Blocks of a strided copy: `count` blocks of rows x cols values; value (b, r, k) lies at
// b * src_block + r * src_row + k in the source and b * dst_block + r * dst_row + k in the
// destination (padding, cropping, concatenating channel planes).
struct Blocks {
    std::size_t count, rows, cols;
    std::size_t src_block, src_row, dst_block, dst_row;
};

}  // namespace xgan::backend
