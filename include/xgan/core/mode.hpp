#pragma once
// Run modes of a forward pass, and whether a backward pass computes parameter gradients.

namespace xgan {

// train: BatchNorm uses batch statistics and updates running ones, Dropout drops.
// eval:  BatchNorm uses running statistics, Dropout is the identity.
enum class Mode { train, eval };

// accumulate: backward adds parameter gradients. skip: only the input gradient is computed
// (the generator's step through a frozen discriminator).
enum class ParamGrads { accumulate, skip };

}  // namespace xgan
