#pragma once
// with_spectral_norm<Net>: the network Net with every Linear and Conv2d wrapped in SpectralNorm,
// at any depth of nested Sequentials, as applying torch.nn.utils.spectral_norm to each of a
// discriminator's layers (SN-GAN, Miyato et al. 2018); every other layer stays as it is:
//   with_spectral_norm<Sequential<Flatten, Linear<784, 256>, LeakyReLU<>, Linear<256, 1>>>
//     = Sequential<Flatten, SpectralNorm<Linear<784, 256>>, LeakyReLU<>, SpectralNorm<Linear<256, 1>>>
#include "xgan/layers/spectral_norm.hpp"
#include "xgan/nn/sequential.hpp"

namespace xgan {

namespace detail::sn {
template <class Spec>
struct WithSpectralNorm {
    using type = std::conditional_t<WeightMatrix<Spec>::supported, SpectralNorm<Spec>, Spec>;
};
template <class... L>
struct WithSpectralNorm<Sequential<L...>> {
    using type = Sequential<typename WithSpectralNorm<L>::type...>;
};
}  // namespace detail::sn

template <class Net>
using with_spectral_norm = typename detail::sn::WithSpectralNorm<Net>::type;

}  // namespace xgan
