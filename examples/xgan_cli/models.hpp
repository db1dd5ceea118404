#pragma once
// The models the xgan tool trains: the GANs people learn from PyTorch tutorials, as types.
// Each entry names its GAN type and the tutorial's training settings.
#include <string>
#include <vector>

#include <xgan/xgan.hpp>

namespace xgan_cli {

using namespace xgan;

struct ModelDefaults {
    int batch_size = 64;
    double lr = 2e-4;
    double beta1 = 0.5, beta2 = 0.999;
    int epochs = 10;
    Init init = Init::pytorch;
    LabelOptions labels{};
};

// Vanilla MLP GAN (the common PyTorch MNIST tutorial). Adam's default beta1 0.9 collapses it;
// the DCGAN paper's 0.5 is the default here (--beta1 0.9 gives the tutorial's exact setting).
struct Mlp {
    static constexpr const char* name = "mlp";
    static constexpr const char* description = "MLP GAN 100-256-512-1024-784, D 784-1024-512-256-1";
    using G = Sequential<Linear<100, 256>, ReLU, Linear<256, 512>, ReLU, Linear<512, 1024>, ReLU, Linear<1024, 784>,
                         Tanh, Reshape<1, 28, 28>>;
    using D = Sequential<Flatten, Linear<784, 1024>, LeakyReLU<ratio(0.2)>, Linear<1024, 512>, LeakyReLU<ratio(0.2)>,
                         Linear<512, 256>, LeakyReLU<ratio(0.2)>, Linear<256, 1>, Sigmoid>;
    using gan = Gan<G, D, Shape<100>>;
    static ModelDefaults defaults() { return {}; }
};

// A smaller MLP GAN (a second tutorial); with --lr 0.002 it reproduces that tutorial's
// discriminator-wins collapse, with 2e-4 it trains.
struct MlpSmall {
    static constexpr const char* name = "mlp-small";
    static constexpr const char* description = "MLP GAN 64-256-256-784, D 784-256-256-1, batch 100";
    using G = Sequential<Linear<64, 256>, ReLU, Linear<256, 256>, ReLU, Linear<256, 784>, Tanh, Reshape<1, 28, 28>>;
    using D = Sequential<Flatten, Linear<784, 256>, LeakyReLU<ratio(0.2)>, Linear<256, 256>, LeakyReLU<ratio(0.2)>,
                         Linear<256, 1>, Sigmoid>;
    using gan = Gan<G, D, Shape<64>>;
    static ModelDefaults defaults() {
        ModelDefaults d;
        d.batch_size = 100;
        return d;
    }
};

// The smallest MLP GAN (a third tutorial): one hidden layer each, LeakyReLU(0.01), lr 3e-4.
struct MlpTiny {
    static constexpr const char* name = "mlp-tiny";
    static constexpr const char* description = "MLP GAN 128-512-784, D 784-512-1, batch 32";
    using G = Sequential<Linear<128, 512>, LeakyReLU<ratio(0.01)>, Linear<512, 784>, Tanh, Reshape<1, 28, 28>>;
    using D = Sequential<Flatten, Linear<784, 512>, LeakyReLU<ratio(0.01)>, Linear<512, 1>, Sigmoid>;
    using gan = Gan<G, D, Shape<128>>;
    static ModelDefaults defaults() {
        ModelDefaults d;
        d.batch_size = 32;
        d.lr = 3e-4;
        return d;
    }
};

template <class... M>
struct ModelList {};
using Models = ModelList<Mlp, MlpSmall, MlpTiny>;

// Calls f(M{}) for the model called `name`; returns false when there is none.
template <class F, class... M>
bool with_model_in(const std::string& name, F&& f, ModelList<M...>) {
    return ((name == M::name ? (f(M{}), true) : false) || ...);
}
template <class F>
bool with_model(const std::string& name, F&& f) {
    return with_model_in(name, f, Models{});
}

template <class... M>
std::vector<std::string> model_names_in(ModelList<M...>) {
    return {M::name...};
}
inline std::vector<std::string> model_names() { return model_names_in(Models{}); }

}  // namespace xgan_cli
