// A program's model list (cli/model.hpp): Model<"name", GanT, defaults> entries, the table's
// answers for the checks and --help, and the lookup by name.
#include <doctest/doctest.h>

#include <string>

#include "xgan/cli/model.hpp"
#include "xgan/xgan.hpp"

using namespace xgan;

namespace {

using SmallG = Sequential<Linear<4, 16>, Tanh, Reshape<1, 4, 4>>;
using SmallD = Sequential<Flatten, Linear<16, 1>, Sigmoid>;
using ScoreD = Sequential<Flatten, Linear<16, 1>>;
using RgbG = Sequential<Linear<4, 48>, Tanh, Reshape<3, 4, 4>>;
using RgbD = Sequential<Flatten, Linear<48, 1>, Sigmoid>;

TrainingDefaults long_run() {
    TrainingDefaults d;
    d.epochs = 25;
    d.batch_size = 16;
    return d;
}

using Plain = cli::Model<"plain", Gan<SmallG, SmallD, Shape<4>>>;
using Long = cli::Model<"long", Gan<SmallG, SmallD, Shape<4>>, long_run, "trains longer">;
using Hinged = cli::Model<"hinged", Gan<SmallG, ScoreD, Shape<4>, objective::Hinge>>;
using Rgb = cli::Model<"rgb", Gan<RgbG, RgbD, Shape<4>>>;

std::string error_of(auto&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("Model<name, Gan, defaults> makes a model entry in one line") {
    static_assert(std::string_view(Plain::name) == "plain");
    static_assert(std::string_view(Long::description) == "trains longer");
    CHECK(Plain::defaults().epochs == TrainingDefaults{}.epochs);
    CHECK(Long::defaults().epochs == 25);
    const cli::ModelEntry e = cli::model_entry<Hinged>();
    CHECK(e.family == "hinged");
    CHECK(e.objective == "hinge");
    CHECK(!e.uses_targets);
    CHECK(cli::model_entry<Rgb>().channels == 3);
}

TEST_CASE("ModelTable answers the checks and --help texts for the program's own models") {
    const auto table = cli::ModelTable::of<Plain, Long, Hinged, Rgb>();
    CHECK(table.names() == std::vector<std::string>{"plain", "long", "hinged", "rgb"});
    CHECK(table.per_model([](const cli::ModelEntry& m) { return std::to_string(m.defaults.epochs); }) ==
          "the model's: 10; 25 for long");
    CHECK(table.per_model([](const cli::ModelEntry&) { return std::string("0.5"); }) == "0.5 for every model");
    CHECK(cli::ModelTable::of<Plain>().per_model([](const cli::ModelEntry&) { return std::string("7"); }) == "7");
    CHECK(table.where([](const cli::ModelEntry& m) { return m.channels == 3; }) == "rgb");
    CHECK(table.where([](const cli::ModelEntry& m) { return m.classes > 0; }) == "none");
    CHECK(table.with_objective("plain", "") == "plain");
    CHECK(table.with_objective("hinged", "hinge") == "hinged");
    CHECK(error_of([&] { table.with_objective("plain", "hinge"); }).find("model plain has no --objective hinge") != std::string::npos);
    CHECK(table.with_channels("rgb", 3) == "rgb");
    CHECK(error_of([&] { table.with_channels("rgb", 1); }) == "--channels 1: model rgb makes 3-channel samples only");
}

TEST_CASE("with_model calls the entry of that name and lists the models for an unknown one") {
    CHECK(cli::with_model<Plain, Long>("long", [](auto m) { return int(decltype(m)::defaults().epochs); }) == 25);
    CHECK(error_of([] { cli::with_model<Plain, Long>("other", [](auto) { return 0; }); }) ==
          "unknown model 'other'; valid models: plain, long");
}
