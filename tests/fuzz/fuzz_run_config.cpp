// libFuzzer harness: a run's config.json as `xgan train --resume` reads it
// (examples/xgan_cli/main.cpp): parse, xgan_cli::from_json, xgan_cli::validate (run_options.hpp),
// then the model lookup with the objective. A JSON syntax or type error is an expected
// rejection (main.cpp reports it as "not a valid run configuration"), as is any xgan::Error.
#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "models.hpp"
#include "run_options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::filesystem::path file = "run/config.json";  // named in errors only
    xgan_fuzz::run_one([&] {
        try {
            const auto j = nlohmann::json::parse(data, data + size);
            xgan_cli::RunOptions o = xgan_cli::from_json(j, file);
            xgan_cli::validate(o, file);
            o.model = xgan_cli::model_with_objective(o.model, o.objective);
            (void)xgan_cli::to_json(o).dump();
        } catch (const nlohmann::json::exception& e) {
            // not JSON, or a field of the wrong type: main.cpp names the file and rejects it
            if (xgan_fuzz::env_flag("XGAN_FUZZ_VERBOSE")) std::fprintf(stderr, "xgan_fuzz: rejected: %s\n", e.what());
        }
    });
    return 0;
}
