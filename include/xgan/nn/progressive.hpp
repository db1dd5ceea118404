#pragma once
// Progressive growing (PGGAN, Karras et al. 2018) as compile-time stages.
//
//   using G = ProgressiveGenerator<Stage<Block4, ToRgb4>, Stage<Block8, ToRgb8>, ...>;
//   using D = ProgressiveDiscriminator<Stage<Block4, FromRgb4>, Stage<Block8, FromRgb8>, ...>;
//
// Stage k works at resolution r_k = r_0 * 2^k. A generator stage's Block takes the previous
// block's output (the first takes z) and makes features at r_k; its to-RGB maps them to an
// image (K, r_k, r_k). A discriminator stage's from-RGB maps an image (K, r_k, r_k) to
// features and its Block takes those to the input of the stage below it (the first block
// ends in D's score). Every shape is checked at compile time, as in Sequential.
//
// At run time the networks train up to stage s = stage() with the newest stage faded in by
// alpha() in [0, 1], as in the paper:
//   G(z) = up(alpha * rgb_s(h_s) + (1 - alpha) * up2(rgb_{s-1}(h_{s-1})))
//   D(x) = blocks_{s-1..0}(alpha * block_s(from_s(x_s)) + (1 - alpha) * from_{s-1}(pool2(x_s)))
// where h_k is G's k-th block output, up2 is nearest upsampling by 2, x_s = avgpool(x) at r_s
// and `up` upsamples (nearest) to the final resolution: G always outputs the final size, and D
// always takes it, so the GAN around them keeps one sample shape while the networks grow.
// Stages above s are not run and get no gradients.
//
// stage and alpha are part of the state (`stage`, an I64 scalar, and `alpha`, an F32 scalar,
// neither trained), so checkpoints, weight files and the average of G's weights carry them,
// and a resume continues mid-stage and mid-fade exactly. Only D has tangent passes (the
// gradient penalty needs them of the critic).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>

#include "xgan/core/error.hpp"
#include "xgan/core/host_device.hpp"
#include "xgan/layers/layer.hpp"

namespace xgan {

// One stage of a progressive network: its Block and its to-RGB (generator) or from-RGB
// (discriminator) layer, both layer specs (Sequential<...> for more than one layer).
template <class Block, class Rgb>
struct Stage {
    using block = Block;
    using rgb = Rgb;
};

namespace detail::progressive {

// Nearest upsampling of `planes` planes of R x R by F, and its adjoint (the sum of each F x F
// block): the backend's window kernels on F x F windows of the (R F) x (R F) planes.
template <std::size_t R, std::size_t F>
using Windows = xgan::backend::WindowGeometry<R * F, R * F, F, F>;
template <class B, std::size_t R, std::size_t F, class T>
void upsample(const T* in, T* out, std::size_t planes) {
    B::template window_spread<Windows<R, F>>(planes, T(1), in, out);
}
template <class B, std::size_t R, std::size_t F, class T>
void upsample_adjoint(const T* in, T* out, std::size_t planes) {
    B::template window_sum<Windows<R, F>>(planes, T(1), in, out);
}
// Average pooling of planes of (R F) x (R F) to R x R (F x F windows), and its adjoint.
template <class B, std::size_t R, std::size_t F, class T>
void avgpool(const T* in, T* out, std::size_t planes) {
    B::template window_sum<Windows<R, F>>(planes, T(F * F), in, out);
}
template <class B, std::size_t R, std::size_t F, class T>
void avgpool_adjoint(const T* in, T* out, std::size_t planes) {
    B::template window_spread<Windows<R, F>>(planes, T(F * F), in, out);
}
struct Blend {  // a x + b y
    double a, b;
    template <class T>
    XGAN_HD T operator()(T x, T y) const { return T(a) * x + T(b) * y; }
};
struct Scale {  // a x
    double a;
    template <class T>
    XGAN_HD T operator()(T x) const { return T(a) * x; }
};
struct Sum {
    template <class T>
    XGAN_HD T operator()(T x, T y) const { return x + y; }
};
// out = a * x + b * y, n values
template <class B, class T>
void blend(T a, const T* x, T b, const T* y, T* out, std::size_t n) {
    B::map(n, Blend{double(a), double(b)}, out, x, y);
}
template <class B, class T>
void scale_into(T a, const T* x, T* out, std::size_t n) {
    B::map(n, Scale{double(a)}, out, x);
}
template <class B, class T>
void add_into(const T* x, T* out, std::size_t n) {
    B::map(n, Sum{}, out, static_cast<const T*>(out), x);
}

template <class S>
struct Square {
    static constexpr bool ok = false;
    static constexpr std::size_t C = 0, R = 0;
};
template <std::size_t C_, std::size_t R_>
struct Square<Shape<C_, R_, R_>> {
    static constexpr bool ok = true;
    static constexpr std::size_t C = C_, R = R_;
};

// f's visit of a layer's random streams, where it has any. (A free function: nvcc does not
// take this test on `this->member` inside a generic lambda.)
template <class L, class F>
void visit_streams_of(L& layer, F& f) {
    if constexpr (requires { layer.visit_random_streams(f); }) layer.visit_random_streams(f);
}

template <class F, std::size_t... I>
void each(F&& f, std::index_sequence<I...>) {
    (f.template operator()<I>(), ...);
}
template <std::size_t N, class F>
void for_each_index(F&& f) {
    each(f, std::make_index_sequence<N>{});
}

// The generator's bound blocks and to-RGB layers: block k takes block k-1's output.
template <class B, class Blocks, class Rgbs, ShapeType Cur, class... Rest>
struct GeneratorChain {
    using blocks = Blocks;
    using rgbs = Rgbs;
};
template <class B, class... Bl, class... Rg, ShapeType Cur, class St, class... Rest>
struct GeneratorChain<B, std::tuple<Bl...>, std::tuple<Rg...>, Cur, St, Rest...> {
    using block = bind_t<typename St::block, Cur, B>;
    using rgb = bind_t<typename St::rgb, typename block::output_shape, B>;
    using next = GeneratorChain<B, std::tuple<Bl..., block>, std::tuple<Rg..., rgb>, typename block::output_shape, Rest...>;
    using blocks = typename next::blocks;
    using rgbs = typename next::rgbs;
};

// The discriminator's bound from-RGB layers and blocks: stage K's from-RGB takes the image at
// r_K = R / 2^(stages - 1 - K), its block the from-RGB's output.
template <ShapeType In, class B, class... Stages>
struct DiscriminatorChain {
    using image = Square<In>;
    static constexpr std::size_t S = sizeof...(Stages);
    template <std::size_t K>
    static constexpr std::size_t resolution = image::R >> (S - 1 - K);
    template <std::size_t K>
    using image_shape = Shape<image::C, resolution<K>, resolution<K>>;
    template <std::size_t K>
    using stage_t = std::tuple_element_t<K, std::tuple<Stages...>>;
    template <class Seq>
    struct Bound;
    template <std::size_t... K>
    struct Bound<std::index_sequence<K...>> {
        using froms = std::tuple<bind_t<typename stage_t<K>::rgb, image_shape<K>, B>...>;
        using blocks = std::tuple<bind_t<typename stage_t<K>::block, typename std::tuple_element_t<K, froms>::output_shape, B>...>;
    };
    using froms = typename Bound<std::make_index_sequence<S>>::froms;
    using blocks = typename Bound<std::make_index_sequence<S>>::blocks;
};

}  // namespace detail::progressive

// The stage and fade state both progressive networks keep (see the top of this file).
template <class T>
class GrowthState {
public:
    std::size_t stage() const { return std::size_t(stage_); }
    T alpha() const { return alpha_; }
    bool fading() const { return stage_ > 0 && alpha_ < T(1); }

protected:
    void set(std::size_t stage, double alpha, std::size_t stages) {
        if (stage >= stages)
            throw Error("progressive network: stage " + std::to_string(stage) + " asked of a network of " +
                        std::to_string(stages) + " stages");
        if (!(alpha >= 0.0 && alpha <= 1.0))
            throw Error("progressive network: alpha must lie in [0, 1], not " + std::to_string(alpha));
        stage_ = std::int64_t(stage);
        alpha_ = T(alpha);
    }
    template <class F>
    void visit(F& f, const std::string& prefix) {
        f(StateEntry<T>{prefix + "stage", {}, nullptr, nullptr, &stage_});
        f(StateEntry<T>{prefix + "alpha", {}, &alpha_, nullptr});
    }
    std::int64_t stage_ = 0;
    T alpha_ = T(1);
};

// The layers of a progressive network: its blocks and its to-RGB (G) or from-RGB (D) layers,
// one per stage, with their parameter count and flops, the growth setter, and the state,
// random streams and initialisation of them all. State names:
// blocks.K.<layer's names>, to_rgb.K. or from_rgb.K.<...>, then stage and alpha.
template <class T, class Blocks, class Rgbs, bool ToRgb>
class StageLayers : public GrowthState<T> {
    static constexpr std::size_t S = std::tuple_size_v<Blocks>;

public:
    // The bound blocks and RGB layers, stage by stage (summary<Net>() lists them, in the order
    // the data flows: a from-RGB layer before its block).
    using stage_blocks = Blocks;
    using stage_rgbs = Rgbs;
    static constexpr bool rgb_before_block = !ToRgb;
    static constexpr std::size_t parameter_count = []<std::size_t... K>(std::index_sequence<K...>) {
        return (std::size_t{0} + ... +
                (std::tuple_element_t<K, Blocks>::parameter_count + std::tuple_element_t<K, Rgbs>::parameter_count));
    }(std::make_index_sequence<S>{});
    static constexpr double forward_flops = []<std::size_t... K>(std::index_sequence<K...>) {
        return (0.0 + ... + (std::tuple_element_t<K, Blocks>::forward_flops + std::tuple_element_t<K, Rgbs>::forward_flops));
    }(std::make_index_sequence<S>{});

    // Trains up to `stage` with the newest stage faded in by `alpha`.
    void set_growth(std::size_t stage, double alpha) { this->set(stage, alpha, S); }

    template <class F>
    void visit_state(F&& f, const std::string& prefix = "") {
        detail::progressive::for_each_index<S>([&]<std::size_t K>() {
            std::get<K>(this->blocks_).visit_state(f, prefix + "blocks." + std::to_string(K) + ".");
        });
        detail::progressive::for_each_index<S>([&]<std::size_t K>() {
            std::get<K>(this->rgbs_).visit_state(f, prefix + (ToRgb ? "to_rgb." : "from_rgb.") + std::to_string(K) + ".");
        });
        this->visit(f, prefix);
    }
    template <class F>
    void visit_random_streams(F&& f) {
        detail::progressive::for_each_index<S>([&]<std::size_t K>() {
            detail::progressive::visit_streams_of(std::get<K>(this->blocks_), f);
            detail::progressive::visit_streams_of(std::get<K>(this->rgbs_), f);
        });
    }
    // The parameters' initial values; the growth state is left as it is.
    void reset_parameters(Rng& rng, Init init = Init::pytorch) {
        detail::progressive::for_each_index<S>([&]<std::size_t K>() {
            std::get<K>(this->blocks_).reset_parameters(rng, init);
            std::get<K>(this->rgbs_).reset_parameters(rng, init);
        });
    }

protected:
    Blocks blocks_;
    Rgbs rgbs_;
};

template <ShapeType In, class B, class... Stages>
class ProgressiveGeneratorNet
    : public StageLayers<typename B::scalar,
                         typename detail::progressive::GeneratorChain<B, std::tuple<>, std::tuple<>, In, Stages...>::blocks,
                         typename detail::progressive::GeneratorChain<B, std::tuple<>, std::tuple<>, In, Stages...>::rgbs, true> {
    static_assert(sizeof...(Stages) > 0, "xgan: a progressive generator needs at least one stage");
    using T = typename B::scalar;
    using chain = detail::progressive::GeneratorChain<B, std::tuple<>, std::tuple<>, In, Stages...>;
    using blocks_t = typename chain::blocks;
    using rgbs_t = typename chain::rgbs;
    static constexpr std::size_t S = sizeof...(Stages);
    template <std::size_t K>
    using block_t = std::tuple_element_t<K, blocks_t>;
    template <std::size_t K>
    using rgb_t = std::tuple_element_t<K, rgbs_t>;
    template <std::size_t K>
    using image_dims = detail::progressive::Square<typename rgb_t<K>::output_shape>;
    static constexpr bool images_grow_by_two = []<std::size_t... K>(std::index_sequence<K...>) {
        return ((image_dims<K>::ok && image_dims<K>::C == image_dims<0>::C && image_dims<K>::R == (image_dims<0>::R << K)) &&
                ...);
    }(std::make_index_sequence<S>{});
    static_assert(images_grow_by_two,
                  "xgan: a progressive generator's to-RGB layers must make square images (K, r, r) of one channel "
                  "count K, each stage at twice the resolution of the stage before");

public:
    using input_shape = In;
    using output_shape = typename rgb_t<S - 1>::output_shape;
    using backend = B;
    using scalar = T;
    static constexpr std::size_t stages = S;
    static constexpr std::size_t channels = image_dims<0>::C;
    template <std::size_t K>
    static constexpr std::size_t resolution = image_dims<K>::R;
    static std::string name() { return "ProgressiveGenerator(stages=" + std::to_string(S) + ")"; }

    void forward(const Tensor<In, B>& z, Tensor<output_shape, B>& y, Mode mode) {
        const std::size_t n = z.batch(), s = this->stage();
        detail::progressive::for_each_index<S>([&]<std::size_t K>() {
            if (K > s) return;
            std::get<K>(this->blocks_).forward(block_input<K>(z), std::get<K>(h_)[0], mode);
            if (K == s || (K + 1 == s && this->fading())) std::get<K>(this->rgbs_).forward(std::get<K>(h_)[0], std::get<K>(rgb_)[0], mode);
            if (K != s) return;
            auto& mix = std::get<K>(mix_)[0];
            mix.resize(n);
            if constexpr (K > 0) {
                if (this->fading()) {
                    auto& up = std::get<K>(up_)[0];
                    up.resize(n);
                    detail::progressive::upsample<B, resolution<K - 1>, 2>(std::get<K - 1>(rgb_)[0].data(), up.data(), n * channels);
                    detail::progressive::blend<B>(this->alpha(), std::get<K>(rgb_)[0].data(), T(1) - this->alpha(), up.data(),
                                               mix.data(), mix.size());
                } else {
                    B::copy(static_cast<const T*>(std::get<K>(rgb_)[0].data()), mix.size(), mix.data());
                }
            } else {
                B::copy(static_cast<const T*>(std::get<K>(rgb_)[0].data()), mix.size(), mix.data());
            }
            y.resize(n);
            detail::progressive::upsample<B, resolution<K>, resolution<S - 1> / resolution<K>>(mix.data(), y.data(), n * channels);
        });
    }

    void backward(const Tensor<In, B>& z, const Tensor<output_shape, B>& y, const Tensor<output_shape, B>& dy, Tensor<In, B>* dz,
                  ParamGrads grads) {
        (void)y;
        const std::size_t n = z.batch(), s = this->stage();
        // Down from the output: the image gradient at stage s, into rgb_s and (fading) rgb_{s-1}.
        detail::progressive::for_each_index<S>([&]<std::size_t Rev>() {
            constexpr std::size_t K = S - 1 - Rev;
            if (K > s) return;
            auto& dh = std::get<K>(dh_)[0];
            if (K == s) {
                auto& dmix = std::get<K>(dmix_)[0];
                dmix.resize(n);
                detail::progressive::upsample_adjoint<B, resolution<K>, resolution<S - 1> / resolution<K>>(dy.data(), dmix.data(), n * channels);
                auto& drgb = std::get<K>(drgb_)[0];
                drgb.resize(n);
                if (this->fading()) detail::progressive::scale_into<B>(this->alpha(), dmix.data(), drgb.data(), drgb.size());
                else B::copy(static_cast<const T*>(dmix.data()), dmix.size(), drgb.data());
                std::get<K>(this->rgbs_).backward(std::get<K>(h_)[0], std::get<K>(rgb_)[0], drgb, &dh, grads);
            } else if constexpr (K + 1 < S) {
                // dh_K comes from block K+1, and, for the stage fading out, from its to-RGB.
                if (K + 1 == s && this->fading()) {
                    // The stage above is done with its dmix: scaled in place to (1 - alpha) dmix.
                    auto& dmix_above = std::get<K + 1>(dmix_)[0];
                    auto& drgb = std::get<K>(drgb_)[0];
                    drgb.resize(n);
                    detail::progressive::scale_into<B>(T(1) - this->alpha(), dmix_above.data(), dmix_above.data(), dmix_above.size());
                    detail::progressive::upsample_adjoint<B, resolution<K>, 2>(dmix_above.data(), drgb.data(), n * channels);
                    std::get<K>(this->rgbs_).backward(std::get<K>(h_)[0], std::get<K>(rgb_)[0], drgb, &std::get<K>(dh_extra_)[0],
                                                grads);
                    detail::progressive::add_into<B>(std::get<K>(dh_extra_)[0].data(), dh.data(), dh.size());
                }
            }
            // Through block K, into dh_{K-1} (set, before the to-RGB adds to it) or dz.
            if constexpr (K > 0) {
                std::get<K>(this->blocks_).backward(std::get<K - 1>(h_)[0], std::get<K>(h_)[0], dh, &std::get<K - 1>(dh_)[0], grads);
            } else {
                std::get<0>(this->blocks_).backward(z, std::get<0>(h_)[0], dh, dz, grads);
            }
        });
    }

private:
    template <std::size_t K>
    const Tensor<typename block_t<K>::input_shape, B>& block_input(const Tensor<In, B>& z) const {
        if constexpr (K == 0) return z;
        else return std::get<K - 1>(h_)[0];
    }
    // Each tuple element is a one-tensor array so that std::get<K>(x)[0] reads alike for all.
    template <class L>
    using one = std::array<Tensor<typename L::output_shape, B>, 1>;
    template <class Tuple>
    struct Buffers;
    template <class... L>
    struct Buffers<std::tuple<L...>> {
        using type = std::tuple<one<L>...>;
    };
    using block_buffers = typename Buffers<blocks_t>::type;
    using image_buffers = typename Buffers<rgbs_t>::type;

    block_buffers h_, dh_, dh_extra_;
    image_buffers rgb_, up_, mix_, dmix_, drgb_;
};

template <class... Stages>
struct ProgressiveGenerator {
    template <ShapeType S, class B>
    struct bind {
        using type = ProgressiveGeneratorNet<S, B, Stages...>;
    };
};

// The discriminator. Bound to the final image shape (K, R, R); stage k takes (K, r_k, r_k),
// r_k = R / 2^(stages - 1 - k): its from-RGB is bound to that, its block to the from-RGB's
// output, and block k's output must be the input of block k-1 (stage k-1's from-RGB output).
template <ShapeType In, class B, class... Stages>
class ProgressiveDiscriminatorNet
    : public StageLayers<typename B::scalar, typename detail::progressive::DiscriminatorChain<In, B, Stages...>::blocks,
                         typename detail::progressive::DiscriminatorChain<In, B, Stages...>::froms, false> {
    static_assert(sizeof...(Stages) > 0, "xgan: a progressive discriminator needs at least one stage");
    using T = typename B::scalar;
    using chain = detail::progressive::DiscriminatorChain<In, B, Stages...>;
    using image = typename chain::image;
    static_assert(image::ok, "xgan: a progressive discriminator takes square images (K, R, R)");
    static constexpr std::size_t S = sizeof...(Stages);
    static_assert(image::R % (std::size_t(1) << (S - 1)) == 0,
                  "xgan: a progressive discriminator's image size must halve evenly once per stage");
    using froms_t = typename chain::froms;
    using blocks_t = typename chain::blocks;
    template <std::size_t K>
    using from_t = std::tuple_element_t<K, froms_t>;
    template <std::size_t K>
    using block_t = std::tuple_element_t<K, blocks_t>;

public:
    template <std::size_t K>
    static constexpr std::size_t resolution = chain::template resolution<K>;
    static constexpr std::size_t channels = image::C;
    template <std::size_t K>
    using image_shape = typename chain::template image_shape<K>;

private:
    static constexpr bool blocks_chain = []<std::size_t... K>(std::index_sequence<K...>) {
        return (std::is_same_v<typename block_t<K + 1>::output_shape, typename from_t<K>::output_shape> && ...);
    }(std::make_index_sequence<S - 1>{});
    static_assert(blocks_chain,
                  "xgan: each block of a progressive discriminator must output what the stage below takes: block k's "
                  "output shape must equal stage k-1's from-RGB output shape");

public:
    using input_shape = In;
    using output_shape = typename block_t<0>::output_shape;
    using backend = B;
    using scalar = T;
    static constexpr std::size_t stages = S;
    static std::string name() { return "ProgressiveDiscriminator(stages=" + std::to_string(S) + ")"; }

    void forward(const Tensor<In, B>& x, Tensor<output_shape, B>& y, Mode mode) {
        const std::size_t n = x.batch(), s = this->stage();
        detail::progressive::for_each_index<S>([&]<std::size_t Rev>() {
            constexpr std::size_t K = S - 1 - Rev;
            if (K > s) return;
            if (K == s) {
                pool_into<K>(x.data(), get<K>(xs_), n);
                std::get<K>(this->rgbs_).forward(get<K>(xs_), get<K>(f_), mode);
            } else if constexpr (K + 1 < S) {
                if (K + 1 == s && this->fading()) {
                    get<K>(xs_).resize(n);
                    detail::progressive::avgpool<B, resolution<K>, 2>(get<K + 1>(xs_).data(), get<K>(xs_).data(), n * channels);
                    std::get<K>(this->rgbs_).forward(get<K>(xs_), get<K>(f_), mode);
                    mix(get<K + 1>(g_), get<K>(f_), get<K>(in_));
                } else {
                    copy(get<K + 1>(g_), get<K>(in_));
                }
            }
            std::get<K>(this->blocks_).forward(block_input<K>(), get<K>(g_), mode);
        });
        copy(get<0>(g_), y);
    }

    void backward(const Tensor<In, B>& x, const Tensor<output_shape, B>&, const Tensor<output_shape, B>& dy, Tensor<In, B>* dx,
                  ParamGrads grads) {
        const std::size_t n = x.batch(), s = this->stage();
        // Up from D's output: block K's output gradient is block K-1's input gradient.
        detail::progressive::for_each_index<S>([&]<std::size_t K>() {
            if (K > s) return;
            const auto& dout = output_gradient<K>(dy, din_);
            std::get<K>(this->blocks_).backward(block_input<K>(), get<K>(g_), dout, &get<K>(din_), grads);
            if (K == s) std::get<K>(this->rgbs_).backward(get<K>(xs_), get<K>(f_), get<K>(din_), dx ? &get<K>(dxs_) : nullptr, grads);
            if constexpr (K + 1 < S) {
                if (K + 1 == s && this->fading()) {  // din_K is the mix's gradient: split it
                    unmix(get<K>(din_), get<K>(df_));
                    std::get<K>(this->rgbs_).backward(get<K>(xs_), get<K>(f_), get<K>(df_), dx ? &get<K>(dxs_) : nullptr, grads);
                }
            }
        });
        if (dx) input_gradient(n, *dx, dxs_);
    }

    // Tangent passes: every map between the layers (pooling, the mix) is linear.
    void tangent_forward(const Tensor<In, B>& x, const Tensor<output_shape, B>&, const Tensor<In, B>& xt,
                         Tensor<output_shape, B>& yt) {
        const std::size_t n = x.batch(), s = this->stage();
        detail::progressive::for_each_index<S>([&]<std::size_t Rev>() {
            constexpr std::size_t K = S - 1 - Rev;
            if (K > s) return;
            if (K == s) {
                pool_into<K>(xt.data(), get<K>(xts_), n);
                std::get<K>(this->rgbs_).tangent_forward(get<K>(xs_), get<K>(f_), get<K>(xts_), get<K>(ft_));
            } else if constexpr (K + 1 < S) {
                if (K + 1 == s && this->fading()) {
                    get<K>(xts_).resize(n);
                    detail::progressive::avgpool<B, resolution<K>, 2>(get<K + 1>(xts_).data(), get<K>(xts_).data(), n * channels);
                    std::get<K>(this->rgbs_).tangent_forward(get<K>(xs_), get<K>(f_), get<K>(xts_), get<K>(ft_));
                    mix(get<K + 1>(gt_), get<K>(ft_), get<K>(int_));
                } else {
                    copy(get<K + 1>(gt_), get<K>(int_));
                }
            }
            std::get<K>(this->blocks_).tangent_forward(block_input<K>(), get<K>(g_), block_tangent<K>(), get<K>(gt_));
        });
        copy(get<0>(gt_), yt);
    }

    void tangent_backward(const Tensor<In, B>& x, const Tensor<output_shape, B>&, const Tensor<In, B>&,
                          const Tensor<output_shape, B>&, const Tensor<output_shape, B>& ybar,
                          const Tensor<output_shape, B>& ytbar, Tensor<In, B>* xbar, Tensor<In, B>* xtbar, ParamGrads grads) {
        const std::size_t n = x.batch(), s = this->stage();
        detail::progressive::for_each_index<S>([&]<std::size_t K>() {
            if (K > s) return;
            std::get<K>(this->blocks_).tangent_backward(block_input<K>(), get<K>(g_), block_tangent<K>(), get<K>(gt_),
                                                  output_gradient<K>(ybar, din_), output_gradient<K>(ytbar, dint_),
                                                  &get<K>(din_), &get<K>(dint_), grads);
            if (K == s)
                std::get<K>(this->rgbs_).tangent_backward(get<K>(xs_), get<K>(f_), get<K>(xts_), get<K>(ft_), get<K>(din_),
                                                     get<K>(dint_), &get<K>(dxs_), &get<K>(dxts_), grads);
            if constexpr (K + 1 < S) {
                if (K + 1 == s && this->fading()) {
                    unmix(get<K>(din_), get<K>(df_));
                    unmix(get<K>(dint_), get<K>(dft_));
                    std::get<K>(this->rgbs_).tangent_backward(get<K>(xs_), get<K>(f_), get<K>(xts_), get<K>(ft_), get<K>(df_),
                                                         get<K>(dft_), &get<K>(dxs_), &get<K>(dxts_), grads);
                }
            }
        });
        if (xbar) input_gradient(n, *xbar, dxs_);
        if (xtbar) input_gradient(n, *xtbar, dxts_);
    }

private:
    template <std::size_t K, class Tuple>
    static auto& get(Tuple& t) { return std::get<K>(t)[0]; }
    template <std::size_t K, class Tuple>
    static const auto& get(const Tuple& t) { return std::get<K>(t)[0]; }

    template <ShapeType A, ShapeType Bs>
    static void copy(const Tensor<A, B>& from, Tensor<Bs, B>& to) {
        to.resize(from.batch());
        B::copy(static_cast<const T*>(from.data()), from.size(), to.data());
    }
    // out = alpha * newest + (1 - alpha) * faded; and its adjoint: the faded path's share of
    // dmix into dfaded, dmix scaled in place to the newest path's share.
    template <ShapeType F>
    void mix(const Tensor<F, B>& newest, const Tensor<F, B>& faded, Tensor<F, B>& out) const {
        out.resize(newest.batch());
        detail::progressive::blend<B>(this->alpha(), newest.data(), T(1) - this->alpha(), faded.data(), out.data(), out.size());
    }
    template <ShapeType F>
    void unmix(Tensor<F, B>& dmix, Tensor<F, B>& dfaded) const {
        dfaded.resize(dmix.batch());
        detail::progressive::scale_into<B>(T(1) - this->alpha(), dmix.data(), dfaded.data(), dfaded.size());
        detail::progressive::scale_into<B>(this->alpha(), dmix.data(), dmix.data(), dmix.size());
    }
    // The gradient at block K's output: D's output gradient for block 0, else block K-1's input gradient.
    template <std::size_t K, class Grads>
    static const Tensor<typename block_t<K>::output_shape, B>& output_gradient(const Tensor<output_shape, B>& top,
                                                                                Grads& below) {
        if constexpr (K == 0) return top;
        else return get<K - 1>(below);
    }
    // x (at R) pooled to stage K's resolution.
    template <std::size_t K>
    static void pool_into(const T* x, Tensor<image_shape<K>, B>& out, std::size_t n) {
        out.resize(n);
        detail::progressive::avgpool<B, resolution<K>, image::R / resolution<K>>(x, out.data(), n * channels);
    }
    // The gradient at the input from the per-stage image gradients `d` (stage s, and s-1 when fading).
    template <class Grads>
    void input_gradient(std::size_t n, Tensor<In, B>& dx, Grads& d) {
        const std::size_t s = this->stage();
        dx.resize(n);
        detail::progressive::for_each_index<S>([&]<std::size_t K>() {
            if (K != s) return;
            auto& top = get<K>(d);
            if constexpr (K > 0) {
                if (this->fading()) {  // d(pool2(x_s)) flows back into x_s
                    auto& spread = get<K>(dxs_scratch_);
                    spread.resize(n);
                    detail::progressive::avgpool_adjoint<B, resolution<K - 1>, 2>(get<K - 1>(d).data(), spread.data(), n * channels);
                    detail::progressive::add_into<B>(spread.data(), top.data(), top.size());
                }
            }
            detail::progressive::avgpool_adjoint<B, resolution<K>, image::R / resolution<K>>(top.data(), dx.data(), n * channels);
        });
    }
    template <std::size_t K>
    const Tensor<typename block_t<K>::input_shape, B>& block_input() const {
        return K == s_of() ? get<K>(f_) : get<K>(in_);
    }
    template <std::size_t K>
    const Tensor<typename block_t<K>::input_shape, B>& block_tangent() const {
        return K == s_of() ? get<K>(ft_) : get<K>(int_);
    }
    std::size_t s_of() const { return this->stage(); }

    template <class Shape_>
    using one = std::array<Tensor<Shape_, B>, 1>;
    template <class Seq>
    struct Buffers;
    template <std::size_t... K>
    struct Buffers<std::index_sequence<K...>> {
        using images = std::tuple<one<image_shape<K>>...>;
        using features = std::tuple<one<typename from_t<K>::output_shape>...>;  // block K's input
        using outputs = std::tuple<one<typename block_t<K>::output_shape>...>;
    };
    using buffers = Buffers<std::make_index_sequence<S>>;

    typename buffers::images xs_, xts_, dxs_, dxts_, dxs_scratch_;
    // f: from-RGB outputs; in: block inputs below the top stage (the mix when fading); the
    // t-suffixed ones their tangents, d-prefixed their gradients.
    typename buffers::features f_, ft_, in_, int_, din_, dint_, df_, dft_;
    typename buffers::outputs g_, gt_;
};

template <class... Stages>
struct ProgressiveDiscriminator {
    template <ShapeType S, class B>
    struct bind {
        using type = ProgressiveDiscriminatorNet<S, B, Stages...>;
    };
};

}  // namespace xgan
