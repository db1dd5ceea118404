// The xgan tool's sample-quality evaluation (xgan/cli/eval.hpp): corrupted or
// short sample sets, run directories without a generator, a missing classifier and data
// without a classifier all fail with a message that says what is wrong. (The classifier's
// accuracy and a whole `xgan train --eval-every` / `xgan eval` run are ctest cases on the tool,
// see tests/CMakeLists.txt.)
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "xgan/cli/eval.hpp"

namespace fs = std::filesystem;
using namespace xgan;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        static std::atomic<int> counter{0};
        path = fs::temp_directory_path() /
               ("xgan_test_eval_" + std::to_string(std::random_device{}()) + "_" + std::to_string(counter++));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// XGAN_DATA pointed at a folder for the lifetime of the object (the classifier cache lives there).
struct DataRoot {
    std::string old;
    bool had;
    explicit DataRoot(const fs::path& p) {
        const char* v = std::getenv("XGAN_DATA");
        had = v != nullptr;
        if (had) old = v;
        setenv("XGAN_DATA", p.c_str(), 1);
    }
    ~DataRoot() {
        if (had) setenv("XGAN_DATA", old.c_str(), 1);
        else unsetenv("XGAN_DATA");
    }
};

// A tiny model of the tool's shape: noise 4 -> 1x28x28.
struct TinyModel {
    static constexpr const char* name = "tiny";
    using G = Sequential<Linear<4, 784>, Tanh, Reshape<1, 28, 28>>;
    using D = Sequential<Flatten, Linear<784, 1>, Sigmoid>;
    using gan = Gan<G, D, Shape<4>>;
};

std::string error_of(auto&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "no error";
}

bool contains(const std::string& s, const std::string& part) {
    if (s.find(part) != std::string::npos) return true;
    MESSAGE("'" << s << "' does not contain '" << part << "'");
    return false;
}

void write_samples(const fs::path& file, std::vector<std::int64_t> shape, const std::vector<float>& values) {
    io::write_safetensors(file, {{"samples", DType::F32, shape, values.data()}});
}

cli::EvalOptions samples_options(const fs::path& file) {
    cli::EvalOptions o;
    o.samples = file;
    o.data = "mnist";
    return o;
}

}  // namespace

TEST_CASE("xgan eval --samples: corrupted, short or misshapen sample sets fail clearly") {
    TempDir dir;
    DataRoot root(dir.path / "no-data");  // no classifier: every check here must come before it is needed
    const std::size_t n = 8, size = 28 * 28;
    std::vector<float> good(n * size, 0.25f);
    const fs::path file = dir.path / "samples.safetensors";

    SUBCASE("truncated file") {
        write_samples(file, {std::int64_t(n), 1, 28, 28}, good);
        fs::resize_file(file, fs::file_size(file) - 1000);
        const auto m = error_of([&] { cli::eval_samples_file(samples_options(file)); });
        CHECK(contains(m, file.string()));
    }
    SUBCASE("not a safetensors file") {
        std::ofstream(file) << "P6 not samples at all";
        CHECK(contains(error_of([&] { cli::eval_samples_file(samples_options(file)); }), file.string()));
    }
    SUBCASE("missing file") {
        CHECK(contains(error_of([&] { cli::eval_samples_file(samples_options(dir.path / "none.safetensors")); }),
                       "none.safetensors"));
    }
    SUBCASE("NaN in a sample") {
        auto bad = good;
        bad[5 * size + 17] = std::numeric_limits<float>::quiet_NaN();
        write_samples(file, {std::int64_t(n), 1, 28, 28}, bad);
        const auto m = error_of([&] { cli::eval_samples_file(samples_options(file)); });
        CHECK(contains(m, "sample 5 value 17"));
    }
    SUBCASE("values outside [-1, 1] (pixels in [0, 255])") {
        auto bad = good;
        bad[3] = 200.0f;
        write_samples(file, {std::int64_t(n), 1, 28, 28}, bad);
        CHECK(contains(error_of([&] { cli::eval_samples_file(samples_options(file)); }), "outside [-1"));
    }
    SUBCASE("fewer samples than --n") {
        write_samples(file, {std::int64_t(n), 1, 28, 28}, good);
        auto o = samples_options(file);
        o.n = 100;
        o.n_given = true;
        CHECK(contains(error_of([&] { cli::eval_samples_file(o); }), "holds 8 samples, fewer than --n 100"));
    }
    SUBCASE("one sample") {
        write_samples(file, {1, 1, 28, 28}, std::vector<float>(size, 0.f));
        CHECK(contains(error_of([&] { cli::eval_samples_file(samples_options(file)); }), "at least 2"));
    }
    SUBCASE("wrong rank") {
        write_samples(file, {std::int64_t(n), 784}, good);
        CHECK(contains(error_of([&] { cli::eval_samples_file(samples_options(file)); }), "expected [N, C, H, W]"));
    }
    SUBCASE("RGB samples: no classifier") {
        write_samples(file, {2, 3, 28, 28}, std::vector<float>(2 * 3 * size, 0.f));
        const auto m = error_of([&] { cli::eval_samples_file(samples_options(file)); });
        CHECK(contains(m, "no classifier for this data"));
        CHECK(contains(m, "RGB"));
    }
    SUBCASE("data without a classifier") {
        write_samples(file, {std::int64_t(n), 1, 28, 28}, good);
        auto o = samples_options(file);
        o.data = "folder:/tmp/emoji";
        CHECK(contains(error_of([&] { cli::eval_samples_file(o); }), "no classifier for this data"));
    }
    SUBCASE("valid samples, no classifier yet: the error names the command that makes it") {
        write_samples(file, {std::int64_t(n), 1, 28, 28}, good);
        const auto m = error_of([&] { cli::eval_samples_file(samples_options(file)); });
        CHECK(contains(m, "xgan classifier train --data mnist"));
        CHECK(contains(m, (dir.path / "no-data" / "classifiers" / "mnist.safetensors").string()));
    }
}

TEST_CASE("xgan eval --run: a run directory without a (valid) generator fails clearly") {
    TempDir dir;
    DataRoot root(dir.path / "no-data");
    const fs::path run = dir.path / "run";
    fs::create_directories(run);
    cli::EvalOptions o;
    o.run = run;
    o.n = 100;

    SUBCASE("no config.json") {
        CHECK(contains(error_of([&] { cli::eval_command<TinyModel>(o); }), "config.json"));
    }
    std::ofstream(run / "config.json") << R"({"model": "tiny", "data": "mnist"})";
    SUBCASE("no generator.safetensors") {
        const auto m = error_of([&] { cli::eval_command<TinyModel>(o); });
        CHECK(contains(m, "generator.safetensors"));
        CHECK(contains(m, "has no generator"));
    }
    SUBCASE("no best generator") {
        o.best = true;
        CHECK(contains(error_of([&] { cli::eval_command<TinyModel>(o); }), "--eval-every"));
    }
    SUBCASE("truncated generator") {
        TinyModel::gan::generator g;
        Rng rng(1);
        g.reset_parameters(rng);
        io::save_weights(g, run / "generator.safetensors");
        fs::resize_file(run / "generator.safetensors", fs::file_size(run / "generator.safetensors") / 2);
        CHECK(contains(error_of([&] { cli::eval_command<TinyModel>(o); }), "generator.safetensors"));
    }
    SUBCASE("the generator of another model") {
        Network<Sequential<Linear<4, 3>>, Shape<4>> other;
        io::save_weights(other, run / "generator.safetensors");
        CHECK(contains(error_of([&] { cli::eval_command<TinyModel>(o); }), "generator.safetensors"));
    }
    SUBCASE("a valid generator, no classifier yet") {
        TinyModel::gan::generator g;
        Rng rng(1);
        g.reset_parameters(rng);
        io::save_weights(g, run / "generator.safetensors");
        CHECK(contains(error_of([&] { cli::eval_command<TinyModel>(o); }), "xgan classifier train --data mnist"));
    }
    SUBCASE("fashion-mnist run data picks that classifier") {
        std::ofstream(run / "config.json") << R"({"model": "tiny", "data": "fashion-mnist"})";
        TinyModel::gan::generator g;
        Rng rng(1);
        g.reset_parameters(rng);
        io::save_weights(g, run / "generator.safetensors");
        CHECK(contains(error_of([&] { cli::eval_command<TinyModel>(o); }), "xgan classifier train --data fashion-mnist"));
    }
}

TEST_CASE("sample quality: models whose samples the classifiers cannot take are refused up front") {
    CHECK_NOTHROW(cli::check_classifiable("mnist", 1, 28, 28));
    CHECK_NOTHROW(cli::check_classifiable("fashion-mnist", 1, 32, 32));  // resized to 28x28
    CHECK_NOTHROW(cli::check_classifiable("mnist", 1, 64, 64));
    CHECK(contains(error_of([] { cli::check_classifiable("mnist", 3, 64, 64); }), "no classifier for this data"));
    CHECK(contains(error_of([] { cli::check_classifiable("folder:x", 1, 28, 28); }), "no classifier for this data"));
    CHECK(contains(error_of([] { cli::check_classifiable("mnist", 1, 16, 16); }), "1x28x28"));
}

TEST_CASE("sample quality: the table and JSON hold every figure") {
    cli::EvalResult r;
    r.data = "mnist";
    r.count = 100;
    r.fid = 12.5;
    r.fid_floor = 0.75;
    std::vector<float> logits(100 * 10, 0.f);
    for (std::size_t i = 0; i < 100; ++i) logits[i * 10 + i % 5] = 10.f;  // classes 0-4 only, confident
    std::vector<std::int32_t> requested(100);
    for (std::size_t i = 0; i < 100; ++i) requested[i] = std::int32_t(i % 10);
    r.classes = metrics::class_stats(logits.data(), 100, 10, requested.data());
    const auto j = cli::to_json(r);
    CHECK(j["fid"].get<double>() == 12.5);
    CHECK(j["fid_floor"].get<double>() == 0.75);
    CHECK(j["classes_covered"].get<int>() == 5);
    CHECK(j["kl_uniform"].get<double>() == doctest::Approx(std::log(2.0)));
    CHECK(j["confident"].get<double>() == 1.0);
    CHECK(j["histogram"].size() == 10);
    CHECK(j["requested_accuracy"].get<double>() == doctest::Approx(0.5));
    const auto t = cli::eval_table(r, "title");
    CHECK(contains(t, "12.500"));
    CHECK(contains(t, "5 / 10"));
    CHECK(contains(t, "requested label"));
    const auto s = cli::eval_scalars(r);
    CHECK(s.size() == 5);
    CHECK(s[0].first == "eval/fid");
}
