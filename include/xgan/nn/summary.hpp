#pragma once
// summary<Net>(): a torchsummary-style table computed from the type alone (no instance, no
// data): each layer's type, output shape and parameter count (the layers of nested Sequentials
// and the stages of progressive networks listed one by one), the totals, and what
// torchsummary does not print: forward FLOPs per sample and the activation memory of a
// training step.
#include <cstdio>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "xgan/nn/sequential.hpp"

namespace xgan {

namespace detail {

inline std::string with_commas(std::size_t v) {
    std::string s = std::to_string(v);
    for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(std::size_t(i), 1, ',');
    return s;
}

template <ShapeType S>
std::string batch_shape(std::size_t batch) {
    std::string s = "[" + (batch ? std::to_string(batch) : std::string("-1"));
    for (auto d : S::dims) s += ", " + std::to_string(d);
    return s + "]";
}

inline std::string pad_left(const std::string& s, std::size_t w) { return s.size() >= w ? s : std::string(w - s.size(), ' ') + s; }

inline std::string human_flops(double f) {
    char buf[32];
    if (f >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GFLOP", f / 1e9);
    else if (f >= 1e6) std::snprintf(buf, sizeof buf, "%.2f MFLOP", f / 1e6);
    else std::snprintf(buf, sizeof buf, "%.2f kFLOP", f / 1e3);
    return buf;
}

// A layer whose parts the table lists instead of the layer: a Sequential (its layers) and a
// progressive network (each stage's block and to-/from-RGB layer, then the network's own
// output, the faded and upsampled image or the score), as torchsummary lists a module's leaves.
template <class L>
concept SequentialLayers = requires { L::depth; typename L::template layer_t<0>; };
template <class L>
concept StagedLayers = requires {
    typename L::stage_blocks;
    typename L::stage_rgbs;
    L::rgb_before_block;
};

// f(type) for every row of L's table: its leaf layers in order, then (progressive) the network.
template <class L, class F>
constexpr void each_summary_row(F&& f) {
    if constexpr (SequentialLayers<L>) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (each_summary_row<typename L::template layer_t<I>>(f), ...);
        }(std::make_index_sequence<L::depth>{});
    } else if constexpr (StagedLayers<L>) {
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            (
                [&] {
                    using Block = std::tuple_element_t<K, typename L::stage_blocks>;
                    using Rgb = std::tuple_element_t<K, typename L::stage_rgbs>;
                    if constexpr (L::rgb_before_block) {
                        each_summary_row<Rgb>(f);
                        each_summary_row<Block>(f);
                    } else {
                        each_summary_row<Block>(f);
                        each_summary_row<Rgb>(f);
                    }
                }(),
                ...);
        }(std::make_index_sequence<std::tuple_size_v<typename L::stage_blocks>>{});
        f(std::type_identity<L>{});
    } else {
        f(std::type_identity<L>{});
    }
}

// A row's own parameters: a progressive network's are all in its parts' rows.
template <class L>
constexpr std::size_t row_parameters() {
    if constexpr (StagedLayers<L>) return 0;
    else return L::parameter_count;
}

template <class L>
constexpr std::size_t activation_values() {
    std::size_t n = 0;
    each_summary_row<L>([&]<class R>(std::type_identity<R>) { n += R::output_shape::size; });
    return n;
}

}  // namespace detail

// Numbers of a summary, for programs and tests.
struct SummaryTotals {
    std::size_t total_params = 0, trainable_params = 0;
    std::size_t activations_per_sample = 0;  // values of every row's output, one sample, the network fully grown
    double forward_flops = 0;                // per sample
};

template <class Net>
constexpr SummaryTotals summary_totals() {
    SummaryTotals t;
    t.trainable_params = Net::parameter_count;
    t.total_params = Net::parameter_count;
    t.forward_flops = Net::forward_flops;
    t.activations_per_sample = detail::activation_values<Net>();
    return t;
}

// batch: torchsummary's batch_size. The shapes show it and the sizes are for that many
// samples; 0 is torchsummary's default (-1 in the shapes, the sizes of one sample).
template <class Net>
std::string summary(std::size_t batch = 0) {
    constexpr std::size_t w1 = 25, w2 = 25, w3 = 15;
    const std::string rule(w1 + w2 + w3 + 4, '-'), double_rule(w1 + w2 + w3 + 4, '=');
    std::string out = rule + "\n" + detail::pad_left("Layer (type)", w1) + " " + detail::pad_left("Output Shape", w2) +
                      " " + detail::pad_left("Param #", w3) + "\n" + double_rule + "\n";
    std::size_t row = 0;
    detail::each_summary_row<Net>([&]<class L>(std::type_identity<L>) {
        std::string type = L::name();
        type = type.substr(0, type.find('(')) + "-" + std::to_string(++row);
        out += detail::pad_left(type, w1) + " " + detail::pad_left(detail::batch_shape<typename L::output_shape>(batch), w2) + " " +
               detail::pad_left(detail::with_commas(detail::row_parameters<L>()), w3) + "\n";
    });
    constexpr SummaryTotals t = summary_totals<Net>();
    const std::size_t samples = batch ? batch : 1;
    auto mb = [](double values) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f", values * 4.0 / (1024.0 * 1024.0));
        return std::string(buf);
    };
    out += double_rule + "\n";
    out += "Total params: " + detail::with_commas(t.total_params) + "\n";
    out += "Trainable params: " + detail::with_commas(t.trainable_params) + "\n";
    out += "Non-trainable params: " + detail::with_commas(t.total_params - t.trainable_params) + "\n";
    out += rule + "\n";
    out += "Input size (MB): " + mb(double(Net::input_shape::size) * double(samples)) + "\n";
    out += "Forward/backward pass size (MB): " + mb(2.0 * double(t.activations_per_sample) * double(samples)) + "\n";
    out += "Params size (MB): " + mb(double(t.total_params)) + "\n";
    out += "Estimated Total Size (MB): " +
           mb(double(Net::input_shape::size) * double(samples) + 2.0 * double(t.activations_per_sample) * double(samples) +
              double(t.total_params)) +
           "\n";
    out += rule + "\n";
    out += "Forward FLOPs per sample: " + detail::human_flops(t.forward_flops) +
           " (a training step costs about 3x that per sample)\n";
    out += "Activation memory of a training step " + (batch ? "at batch " + std::to_string(batch) : std::string("per sample")) +
           " (MB): " + mb(2.0 * double(t.activations_per_sample) * double(samples)) + " (outputs and their gradients)\n";
    out += rule + "\n";
    return out;
}

}  // namespace xgan
