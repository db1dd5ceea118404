#pragma once
// summary<Net>(): a torchsummary-style table computed from the type alone (no instance, no
// data): each layer's type, output shape and parameter count, the totals, and what
// torchsummary does not print: forward FLOPs per sample and the activation memory of a
// training step.
#include <cstdio>
#include <string>
#include <tuple>

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

}  // namespace detail

// Numbers of a summary, for programs and tests.
struct SummaryTotals {
    std::size_t total_params = 0, trainable_params = 0;
    std::size_t activations_per_sample = 0;  // values of every layer output, one sample
    double forward_flops = 0;                // per sample
};

template <class Net>
constexpr SummaryTotals summary_totals() {
    SummaryTotals t;
    t.trainable_params = Net::parameter_count;
    t.total_params = Net::parameter_count;
    t.forward_flops = Net::forward_flops;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((t.activations_per_sample += Net::template layer_t<I>::output_shape::size), ...);
    }(std::make_index_sequence<Net::depth>{});
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
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using L = typename Net::template layer_t<I>;
                std::string type = L::name();
                type = type.substr(0, type.find('(')) + "-" + std::to_string(I + 1);
                out += detail::pad_left(type, w1) + " " + detail::pad_left(detail::batch_shape<typename L::output_shape>(batch), w2) +
                       " " + detail::pad_left(detail::with_commas(L::parameter_count), w3) + "\n";
            }(),
            ...);
    }(std::make_index_sequence<Net::depth>{});
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
