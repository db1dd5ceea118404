#pragma once
// ConvGeometry: the compile-time shape of an im2col/col2im pair. An image of C channels, each
// [H, W], and its column matrix of C*K*K rows: row (c, p, q) holds, for every output position
// (i, j) of the Ho x Wo grid, the pixel that kernel tap (p, q) meets there,
//     x[c, i*S - P + p*D, j*S - P + q*D]   (0 outside the image).
// For a batch of n images the matrix is [C*K*K, n*Ho*Wo], sample s in columns [s*L, (s+1)*L).
// Conv2d uses it on its input; ConvTranspose2d, its adjoint, on its output.
#include <cstddef>

namespace xgan::backend {

template <std::size_t C_, std::size_t H_, std::size_t W_, std::size_t Ho_, std::size_t Wo_, std::size_t K_,
          std::size_t S_, std::size_t P_, std::size_t D_>
struct ConvGeometry {
    static constexpr std::size_t C = C_, H = H_, W = W_, Ho = Ho_, Wo = Wo_, K = K_, S = S_, P = P_, D = D_;
    static constexpr std::size_t L = Ho * Wo;      // output positions per image
    static constexpr std::size_t rows = C * K * K;  // rows of the column matrix
    static constexpr std::size_t image = H * W;     // pixels per channel
};

}  // namespace xgan::backend
