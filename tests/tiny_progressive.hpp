#pragma once
// A 3-stage progressive generator and discriminator (2x2 -> 4x4 -> 8x8, one channel), small
// enough for finite differences and for the reference backend.
#include "xgan/layers/activation.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/pooling.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/layers/upsample.hpp"
#include "xgan/nn/progressive.hpp"
#include "xgan/nn/sequential.hpp"

namespace tiny_progressive {
using namespace xgan;
using Leaky = LeakyReLU<ratio(0.2)>;
using Generator = ProgressiveGenerator<Stage<Sequential<Linear<4, 32>, Reshape<8, 2, 2>, Leaky>, Conv2d<8, 1, 1>>,
                                       Stage<Sequential<Upsample<2>, Conv2d<8, 6, 3, 1, 1>, Leaky>, Conv2d<6, 1, 1>>,
                                       Stage<Sequential<Upsample<2>, Conv2d<6, 4, 3, 1, 1>, Leaky>, Conv2d<4, 1, 1>>>;
using Discriminator = ProgressiveDiscriminator<Stage<Sequential<Flatten, Linear<32, 1>>, Conv2d<1, 8, 1>>,
                                               Stage<Sequential<Conv2d<6, 8, 3, 1, 1>, Leaky, AvgPool2d<2>>, Conv2d<1, 6, 1>>,
                                               Stage<Sequential<Conv2d<4, 6, 3, 1, 1>, Leaky, AvgPool2d<2>>, Conv2d<1, 4, 1>>>;
}  // namespace tiny_progressive
