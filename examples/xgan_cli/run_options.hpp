#pragma once
// Settings of one `xgan train` run, as parsed from the command line and saved in config.json.
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace xgan_cli {

struct RunOptions {
    std::string model = "mlp";
    std::string data = "mnist";
    int epochs = -1;       // -1: the model's default
    int batch_size = -1;
    double lr = -1;
    double beta1 = -1, beta2 = -1;
    std::uint64_t seed = 1;
    std::filesystem::path out = "runs/mlp";
    int log_every = 50;         // steps between metrics.jsonl lines
    std::int64_t max_steps = 0;  // 0: no limit (for quick runs and tests)
    std::size_t limit = 0;       // use only the first N training images (0: all)
    std::string init = "default";  // default | pytorch | dcgan
    double real_label = -1;        // one-sided smoothing target, -1: model default
    bool quiet = false;
};

inline nlohmann::json to_json(const RunOptions& o) {
    return {{"model", o.model},       {"data", o.data},           {"epochs", o.epochs},
            {"batch_size", o.batch_size}, {"lr", o.lr},           {"beta1", o.beta1},
            {"beta2", o.beta2},       {"seed", o.seed},           {"log_every", o.log_every},
            {"max_steps", o.max_steps}, {"limit", o.limit},       {"init", o.init},
            {"real_label", o.real_label}};
}

}  // namespace xgan_cli
