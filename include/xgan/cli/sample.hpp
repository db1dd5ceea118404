#pragma once
// `xgan sample`: draws samples from a run's generator, as a PNG grid or as a safetensors file
// holding one F32 tensor "samples" of shape [N, C, H, W] with values in [-1, 1].
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>
#include "xgan/xgan.hpp"

#include "xgan/cli/program.hpp"

namespace xgan::cli {

struct SampleOptions {
    std::filesystem::path run;
    std::filesystem::path generator;  // a generator's weights (e.g. from PyTorch), instead of a run
    std::string model;                // with --generator: the model they belong to
    bool train_mode = false;          // BatchNorm with batch statistics, as a model in train()
    bool no_ema = false;              // the trained generator even where the run kept an average
    int label = -1;                   // conditional models: draw only this class (-1: one class per row)
    int n = 64;
    std::uint64_t seed = 0;
    std::filesystem::path out = "samples.png";
};

inline std::string model_of_run(const std::filesystem::path& run) {
    const auto file = run / "config.json";
    std::ifstream in(file);
    if (!in) throw FileError(file, "not found: is " + run.string() + " a run directory made by `" + command("train") + "`?");
    try {
        return nlohmann::json::parse(in).at("model").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
        throw FileError(file, std::string("not a valid run configuration: ") + e.what());
    }
}

// The generator file of a run: the average of its weights (generator_ema.safetensors, kept by
// runs trained with --ema) unless `trained` is asked for, else generator.safetensors.
inline std::filesystem::path run_generator(const std::filesystem::path& run, bool trained = false) {
    const auto averaged = run / "generator_ema.safetensors";
    if (!trained && std::filesystem::exists(averaged)) return averaged;
    return run / "generator.safetensors";
}

// G's input: z, or [z, one-hot(label)] for conditional models (as the trainer builds it).
template <class GanT>
const Tensor<typename GanT::generator_input, typename GanT::backend>& with_labels(
    const Tensor<typename GanT::noise_shape, typename GanT::backend>& z, const std::vector<std::int32_t>& labels,
    Tensor<typename GanT::generator_input, typename GanT::backend>& out) {
    if constexpr (GanT::classes == 0) return z;
    else return append_label_planes(z, std::span<const std::int32_t>(labels), out);
}

template <class M>
int sample_command(const SampleOptions& o) {
    using GanT = typename M::gan;
    using Noise = typename GanT::noise_shape;
    using Sample = typename GanT::sample_shape;
    if (o.n <= 0) throw Error("--n must be positive");
    typename GanT::generator g;
    io::load_weights(g, o.generator.empty() ? run_generator(o.run, o.no_ema) : o.generator);
    constexpr std::size_t classes = GanT::classes;
    if (o.label >= 0 && !classes) throw Error(std::string("model ") + M::name + " is not conditional: --label does not apply");
    if (o.label >= int(classes) && classes)
        throw Error("--label " + std::to_string(o.label) + " is out of range: model " + M::name + " has labels 0 to " +
                    std::to_string(classes - 1));
    Tensor<Noise, typename GanT::backend> z(std::size_t(o.n));
    Rng rng(o.seed);
    rng.fill_normal(z.data(), z.size());
    std::vector<std::int32_t> labels;
    for (int i = 0; classes && i < o.n; ++i)  // one class per row of 8, or all of --label
        labels.push_back(o.label >= 0 ? o.label : std::int32_t((i / 8) % int(classes)));
    Tensor<typename GanT::generator_input, typename GanT::backend> g_in;
    const auto& x = g.forward(with_labels<GanT>(z, labels, g_in), o.train_mode ? Mode::train : Mode::eval);
    if (o.out.extension() == ".safetensors") {
        std::vector<std::int64_t> shape = {o.n};
        for (auto d : Sample::dims) shape.push_back(std::int64_t(d));
        io::write_safetensors(o.out, {{"samples", io::DType::F32, shape, x.data()}});
    } else {
        static_assert(Sample::rank == 3);
        io::write_grid_png(o.out, x.data(), x.batch(), Sample::dims[0], Sample::dims[1], Sample::dims[2], 8, 2);
    }
    return 0;
}

}  // namespace xgan::cli
