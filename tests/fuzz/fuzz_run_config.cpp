// libFuzzer harness: a run's config.json as `xgan train --resume` reads it
// (xgan/cli/main.hpp): parse, xgan::cli::from_json, xgan::cli::validate (run_options.hpp),
// then the model lookup with the objective. A JSON syntax or type error is an expected
// rejection (main.hpp reports it as "not a valid run configuration"), as is any xgan::Error.
#include <nlohmann/json.hpp>

#include <xgan/cli/model.hpp>
#include <xgan/cli/run_options.hpp>
#include <xgan/models/tutorials.hpp>

#include "fuzz_common.hpp"

namespace {

template <class... M>
xgan::cli::ModelTable table_of(xgan::models::ModelList<M...>) {
    return xgan::cli::ModelTable::of<M...>();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::filesystem::path file = "run/config.json";  // named in errors only
    static const xgan::cli::ModelTable tutorials = table_of(xgan::models::Tutorials{});
    xgan_fuzz::run_one([&] {
        try {
            const auto j = nlohmann::json::parse(data, data + size);
            xgan::cli::RunOptions o = xgan::cli::from_json(j, file);
            xgan::cli::validate(o, file);
            o.model = tutorials.with_objective(o.model, o.objective);
            (void)xgan::cli::to_json(o).dump();
        } catch (const nlohmann::json::exception& e) {
            // not JSON, or a field of the wrong type: main.hpp names the file and rejects it
            if (xgan_fuzz::env_flag("XGAN_FUZZ_VERBOSE")) std::fprintf(stderr, "xgan_fuzz: rejected: %s\n", e.what());
        }
    });
    return 0;
}
