// save_weights / load_weights (io/weights.hpp): bit-identical round trips, readable mismatch
// errors that leave the model untouched, and checkpoints exchanged with PyTorch both ways
// (tests/data/check_torch_load.py).
#include <doctest/doctest.h>

#include "test_data.hpp"

#include <atomic>
#include <cmath>
#include <limits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "temp_dir.hpp"
#include "xgan/io/weights.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/nn/sequential.hpp"

using namespace xgan;
namespace fs = std::filesystem;

namespace {

// The model of tests/data/check_torch_load.py.
using Spec = Sequential<Flatten, Linear<12, 8>, LeakyReLU<ratio(0.2)>, Linear<8, 4, false>, Tanh, Linear<4, 1>, Sigmoid>;
using Net = Network<Spec, Shape<3, 2, 2>>;

// The whole state as bytes, tensor by tensor, with names.
template <class N>
std::vector<std::pair<std::string, std::vector<unsigned char>>> snapshot(N& net) {
    std::vector<std::pair<std::string, std::vector<unsigned char>>> out;
    net.visit_state([&](const StateEntry<float>& e) {
        const auto* p = reinterpret_cast<const unsigned char*>(e.value);
        out.emplace_back(e.name, std::vector<unsigned char>(p, p + e.numel() * sizeof(float)));
    });
    return out;
}

template <class N>
N& seeded(N& net, std::uint64_t seed) {
    Rng rng(seed);
    net.reset_parameters(rng);
    return net;
}

std::string message_of_load_failure(auto& net, const fs::path& file) {
    try {
        io::load_weights(net, file);
    } catch (const MismatchError& e) {
        return e.what();
    }
    FAIL("load_weights did not throw MismatchError");
    return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("weights: save and load round trip is bit-identical") {
    TempDir dir("xgan_test_weights_");
    const fs::path file = dir.path / "a.safetensors";
    Net a, b;
    seeded(a, 1);
    seeded(b, 2);
    REQUIRE(snapshot(a) != snapshot(b));
    io::save_weights(a, file);
    io::load_weights(b, file);
    const auto sa = snapshot(a), sb = snapshot(b);
    REQUIRE(sa.size() == 5);
    for (std::size_t i = 0; i < sa.size(); ++i) {
        CHECK(sa[i].first == sb[i].first);
        CHECK(sa[i].second == sb[i].second);
    }
    // Same weights, same outputs.
    Tensor<Shape<3, 2, 2>, Cpu> x(3);
    Rng rng(9);
    rng.fill_normal(x.data(), x.size());
    const auto ya = a.forward(x, Mode::eval);
    const auto yb = b.forward(x, Mode::eval);
    for (std::size_t i = 0; i < 3; ++i) CHECK(ya[i] == yb[i]);

    // The file is a plain safetensors file with PyTorch's names, shapes and the model's type.
    const auto st = io::read_safetensors(file);
    REQUIRE(st.tensors.size() == 5);
    CHECK(st.tensors[0].first == "1.weight");
    CHECK(st.tensors[0].second.shape == std::vector<std::int64_t>{8, 12});
    CHECK(st.tensors[2].first == "3.weight");
    CHECK(st.find("3.bias") == nullptr);
    CHECK(st.metadata.at("format") == "pt");
    CHECK(st.metadata.at(io::signature_key) == type_signature<Net>());

    // Saving again over the file replaces it.
    seeded(a, 3);
    io::save_weights(a, file, {{"step", "42"}});
    io::load_weights(b, file);
    CHECK(snapshot(a) == snapshot(b));
    CHECK(io::read_safetensors(file).metadata.at("step") == "42");
}

TEST_CASE("weights: loading into a different model names the first mismatch and both shapes") {
    TempDir dir("xgan_test_weights_");
    const fs::path file = dir.path / "a.safetensors";
    Net a;
    io::save_weights(seeded(a, 1), file);

    // 1.weight fits, 3.weight does not: [4, 8] in the file, [5, 8] in the model.
    using Other = Network<Sequential<Flatten, Linear<12, 8>, LeakyReLU<ratio(0.2)>, Linear<8, 5, false>, Tanh, Linear<5, 1>,
                                     Sigmoid>,
                          Shape<3, 2, 2>>;
    Other other;
    seeded(other, 5);
    const auto before = snapshot(other);
    const std::string msg = message_of_load_failure(other, file);
    INFO(msg);
    CHECK(contains(msg, file.string()));
    CHECK(contains(msg, "'3.weight'"));
    CHECK(contains(msg, "[4, 8] in the file"));
    CHECK(contains(msg, "[5, 8] in the model"));
    CHECK(!contains(msg, "'5.weight'"));  // the first mismatch only
    // Both models' types are shown, since the file records the one that wrote it.
    CHECK(contains(msg, type_signature<Net>()));
    CHECK(contains(msg, type_signature<Other>()));
    // Nothing was loaded, not even the tensor that fitted.
    CHECK(snapshot(other) == before);
}

TEST_CASE("weights: a tensor missing from the file or one the model lacks is an error") {
    TempDir dir("xgan_test_weights_");
    const fs::path file = dir.path / "a.safetensors";
    Net a;
    io::save_weights(seeded(a, 1), file);

    SUBCASE("missing") {
        using Longer = Network<Sequential<Spec, Linear<1, 2>>, Shape<3, 2, 2>>;
        Longer longer;
        seeded(longer, 4);
        const auto before = snapshot(longer);
        // All of the file's names differ ("0.1.weight"...): the first the model expects is missing.
        const std::string msg = message_of_load_failure(longer, file);
        INFO(msg);
        CHECK(contains(msg, "tensor '0.1.weight' is missing"));
        CHECK(contains(msg, "F32 [8, 12]"));
        CHECK(snapshot(longer) == before);

        using Extended = Network<Sequential<Flatten, Linear<12, 8>, LeakyReLU<ratio(0.2)>, Linear<8, 4, false>, Tanh,
                                            Linear<4, 1>, Sigmoid, Linear<1, 3>>,
                                 Shape<3, 2, 2>>;
        Extended extended;
        seeded(extended, 4);
        const auto before2 = snapshot(extended);
        const std::string msg2 = message_of_load_failure(extended, file);
        CHECK(contains(msg2, "tensor '7.weight' is missing (the model expects F32 [3, 1])"));
        CHECK(snapshot(extended) == before2);
    }
    SUBCASE("extra") {
        using Shorter = Network<Sequential<Flatten, Linear<12, 8>, LeakyReLU<ratio(0.2)>, Linear<8, 4, false>>,
                                Shape<3, 2, 2>>;
        Shorter shorter;
        seeded(shorter, 4);
        const auto before = snapshot(shorter);
        const std::string msg = message_of_load_failure(shorter, file);
        INFO(msg);
        CHECK(contains(msg, "tensor '5.weight' in the file does not exist in the model"));
        CHECK(snapshot(shorter) == before);
    }
}

TEST_CASE("weights: a missing or corrupt file is a FileError naming it") {
    TempDir dir("xgan_test_weights_");
    Net a;
    CHECK_THROWS_AS(io::load_weights(a, dir.path / "none.safetensors"), FileError);
    const fs::path bad = dir.path / "bad.safetensors";
    std::ofstream(bad, std::ios::binary) << "not a safetensors file";
    const auto before = snapshot(a);
    try {
        io::load_weights(a, bad);
        FAIL("no error");
    } catch (const FileError& e) {
        CHECK(contains(e.what(), bad.string()));
    }
    CHECK(snapshot(a) == before);
}

TEST_CASE("weights: NaN or Inf in a file is refused, naming the tensor, and nothing is loaded") {
    TempDir dir("xgan_test_weights_");
    const fs::path file = dir.path / "nan.safetensors";
    for (const float bad : {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
        Net a, b;
        seeded(a, 1);
        seeded(b, 2);
        a.visit_state([&](const StateEntry<float>& e) {
            if (e.name == "3.weight") e.value[5] = bad;
        });
        io::save_weights(a, file);
        const auto before = snapshot(b);
        try {
            io::load_weights(b, file);
            FAIL("weights with " << bad << " loaded");
        } catch (const FileError& e) {
            INFO(e.what());
            CHECK(contains(e.what(), file.string()));
            CHECK(contains(e.what(), std::string("tensor '3.weight' holds ") + (std::isnan(bad) ? "NaN" : "Inf") +
                                         " at element 5 of 32"));
        }
        CHECK(snapshot(b) == before);
    }
}

TEST_CASE("weights: a checkpoint written by PyTorch loads, with the same outputs") {
    const fs::path data = xgan_test::data_dir();
    Net net;
    io::load_weights(net, data / "torch_mlp.safetensors");
    std::ifstream in(data / "torch_mlp_io.json");
    REQUIRE(in.good());
    const auto io = nlohmann::json::parse(in);
    const auto input = io["input"].get<std::vector<float>>();
    const auto expected = io["output"].get<std::vector<float>>();
    REQUIRE(io["input_shape"] == nlohmann::json({4, 3, 2, 2}));
    Tensor<Shape<3, 2, 2>, Cpu> x(4);
    REQUIRE(input.size() == x.size());
    std::copy(input.begin(), input.end(), x.data());
    const auto& y = net.forward(x, Mode::eval);
    REQUIRE(expected.size() == y.size());
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == doctest::Approx(expected[i]).epsilon(1e-5));
}

// The C++ half of the ctest weights_load_in_torch: writes a checkpoint, an input and xgan's
// output into $XGAN_TORCH_CHECK_DIR for check_torch_load.py (into a temporary directory, and
// only checked here, when the variable is unset).
TEST_CASE("weights: export for the PyTorch check") {
    TempDir tmp("xgan_test_weights_");
    const char* env = std::getenv("XGAN_TORCH_CHECK_DIR");
    const fs::path dir = env && *env ? fs::path(env) : tmp.path;
    fs::create_directories(dir);
    Net net;
    seeded(net, 2024);
    io::save_weights(net, dir / "model.safetensors");
    Tensor<Shape<3, 2, 2>, Cpu> x(5);
    Rng rng(77);
    rng.fill_normal(x.data(), x.size());
    const auto& y = net.forward(x, Mode::eval);
    nlohmann::json io;
    io["input_shape"] = {5, 3, 2, 2};
    io["output_shape"] = {5, 1};
    io["input"] = std::vector<double>(x.data(), x.data() + x.size());
    io["output"] = std::vector<double>(y.data(), y.data() + y.size());
    std::ofstream(dir / "io.json") << io.dump() << "\n";
    // The exported output is a real one (not all the same) and reloads identically.
    CHECK(y[0] != y[1]);
    Net back;
    io::load_weights(back, dir / "model.safetensors");
    CHECK(snapshot(back) == snapshot(net));
}
