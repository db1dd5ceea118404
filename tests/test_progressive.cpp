// Progressive growing (nn/progressive.hpp): a 3-stage generator and discriminator (2x2 -> 4x4
// -> 8x8) checked against finite differences at every stage, fading and not; the fade's end
// points against the neighbouring stages; the growth state in the weights files; the summary
// table of each stage's layers.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tangent_check.hpp"
#include "temp_dir.hpp"
#include "tiny_progressive.hpp"
#include "xgan/io/weights.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/conv2d.hpp"
#include "xgan/layers/linear.hpp"
#include "xgan/layers/pooling.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/layers/upsample.hpp"
#include "xgan/nn/progressive.hpp"
#include "xgan/nn/sequential.hpp"
#include "xgan/nn/summary.hpp"
#include "xgan/testing/gradcheck.hpp"

using namespace xgan;

namespace {

using TinyG = tiny_progressive::Generator;
using TinyD = tiny_progressive::Discriminator;

// A network fixed at one point of the growth schedule (gradcheck builds its layers itself).
template <class Net, std::size_t StageIndex, int AlphaPercent>
struct AtGrowth : Net {
    AtGrowth() { this->set_growth(StageIndex, AlphaPercent / 100.0); }
};

template <class Net>
std::vector<double> run(Net& net, const Tensor<typename Net::input_shape, CpuF64>& x) {
    Tensor<typename Net::output_shape, CpuF64> y;
    net.forward(x, y, Mode::train);
    return std::vector<double>(y.data(), y.data() + y.size());
}

}  // namespace

TEST_CASE("progressive networks: shapes, stages and names") {
    using G = bind_t<TinyG, Shape<4>, Cpu>;
    using D = bind_t<TinyD, Shape<1, 8, 8>, Cpu>;
    static_assert(std::is_same_v<G::output_shape, Shape<1, 8, 8>>);
    static_assert(std::is_same_v<D::output_shape, Shape<1>>);
    static_assert(G::stages == 3 && D::stages == 3);
    static_assert(G::resolution<0> == 2 && G::resolution<2> == 8 && D::resolution<1> == 4);
    static_assert(HasTangentPasses<D>);
    G g;
    std::vector<std::string> names;
    g.visit_state([&](const StateEntry<float>& e) { names.push_back(e.name); }, "");
    REQUIRE(names.size() == 2 * 3 + 2 * 3 + 2);
    CHECK(names.front() == "blocks.0.0.weight");
    CHECK(names[6] == "to_rgb.0.weight");
    CHECK(names[names.size() - 2] == "stage");
    CHECK(names.back() == "alpha");
    CHECK(g.stage() == 0);
    CHECK(g.alpha() == 1.0f);
    CHECK_THROWS_AS(g.set_growth(3, 1.0), Error);
    CHECK_THROWS_AS(g.set_growth(1, 1.5), Error);
    g.set_growth(2, 0.25);
    CHECK(g.stage() == 2);
    CHECK(g.alpha() == 0.25f);
    CHECK(g.fading());
}

TEST_CASE("progressive generator: gradients against finite differences at every stage, fading and not") {
    using G = bind_t<TinyG, Shape<4>, CpuF64>;
    auto check = [](const testing::GradcheckResult& r) { CHECK_MESSAGE(r.ok, r.report()); };
    check(testing::gradcheck_bound<AtGrowth<G, 0, 100>>());
    check(testing::gradcheck_bound<AtGrowth<G, 1, 30>>());
    check(testing::gradcheck_bound<AtGrowth<G, 1, 100>>());
    check(testing::gradcheck_bound<AtGrowth<G, 2, 60>>());
    check(testing::gradcheck_bound<AtGrowth<G, 2, 100>>());
}

TEST_CASE("progressive discriminator: gradients and tangent passes against finite differences") {
    using D = bind_t<TinyD, Shape<1, 8, 8>, CpuF64>;
    auto check = [](const testing::GradcheckResult& r) { CHECK_MESSAGE(r.ok, r.report()); };
    check(testing::gradcheck_bound<AtGrowth<D, 0, 100>>());
    check(testing::gradcheck_bound<AtGrowth<D, 1, 30>>());
    check(testing::gradcheck_bound<AtGrowth<D, 2, 60>>());
    check(testing::gradcheck_bound<AtGrowth<D, 2, 100>>());
    check(testing::tangent_check<AtGrowth<D, 0, 100>>());
    check(testing::tangent_check<AtGrowth<D, 1, 30>>());
    check(testing::tangent_check<AtGrowth<D, 2, 60>>());
}

TEST_CASE("progressive networks: a fade at alpha 0 is the stage below, nearest-upsampled images in G") {
    using G = bind_t<TinyG, Shape<4>, CpuF64>;
    using D = bind_t<TinyD, Shape<1, 8, 8>, CpuF64>;
    Rng rng(3);
    G g;
    g.reset_parameters(rng);
    D d;
    d.reset_parameters(rng);
    Tensor<Shape<4>, CpuF64> z(5);
    rng.fill_normal(z.data(), z.size());
    Tensor<Shape<1, 8, 8>, CpuF64> x(5);
    rng.fill_normal(x.data(), x.size());

    g.set_growth(0, 1.0);
    const auto g0 = run(g, z);
    for (std::size_t n = 0; n < 5; ++n)  // 2x2 images shown at 8x8: constant 4x4 blocks
        for (std::size_t i = 0; i < 8; ++i)
            for (std::size_t j = 0; j < 8; ++j) CHECK(g0[n * 64 + i * 8 + j] == g0[n * 64 + (i / 4 * 4) * 8 + j / 4 * 4]);
    g.set_growth(1, 0.0);
    CHECK(run(g, z) == g0);  // exact: 0 * new + 1 * old, and nearest upsampling copies
    g.set_growth(1, 1.0);
    const auto g1 = run(g, z);
    CHECK(g1 != g0);
    g.set_growth(2, 0.0);
    CHECK(run(g, z) == g1);
    g.set_growth(2, 0.5);
    const auto half = run(g, z);
    g.set_growth(2, 1.0);
    const auto g2 = run(g, z);
    for (std::size_t k = 0; k < half.size(); ++k) CHECK(half[k] == doctest::Approx(0.5 * g2[k] + 0.5 * g1[k]));

    // D at the start of a fade reads the image pooled to the stage below (the pooling order
    // differs: 2x2 twice against 4x4 once).
    d.set_growth(0, 1.0);
    const auto d0 = run(d, x);
    d.set_growth(1, 0.0);
    const auto d1_start = run(d, x);
    for (std::size_t k = 0; k < d0.size(); ++k) CHECK(d1_start[k] == doctest::Approx(d0[k]).epsilon(1e-12));
    d.set_growth(1, 1.0);
    const auto d1 = run(d, x);
    d.set_growth(2, 0.0);
    const auto d2_start = run(d, x);
    for (std::size_t k = 0; k < d1.size(); ++k) CHECK(d2_start[k] == doctest::Approx(d1[k]).epsilon(1e-12));
}

TEST_CASE("progressive networks: the growth state travels with the weights") {
    using G = bind_t<TinyG, Shape<4>, Cpu>;
    TempDir dir("xgan_test_progressive_");
    G a;
    Rng rng(5);
    a.reset_parameters(rng);
    a.set_growth(2, 0.375);
    io::save_weights(a, dir.path / "g.safetensors");
    G b;
    CHECK(b.stage() == 0);
    io::load_weights(b, dir.path / "g.safetensors");
    CHECK(b.stage() == 2);
    CHECK(b.alpha() == 0.375f);
    Tensor<Shape<4>, Cpu> z(2);
    rng.fill_normal(z.data(), z.size());
    Tensor<Shape<1, 8, 8>, Cpu> ya, yb;
    a.forward(z, ya, Mode::eval);
    b.forward(z, yb, Mode::eval);
    for (std::size_t k = 0; k < ya.size(); ++k) CHECK(ya[k] == yb[k]);
}

namespace {

// The summary table's row for a layer name like "Conv2d-4", its spaces collapsed: "Conv2d-4
// [-1, 1, 2, 2] 9"; empty if no row has it.
std::string summary_row(const std::string& table, const std::string& layer) {
    std::size_t at = 0;
    while ((at = table.find(layer + " ", at)) != std::string::npos) {
        if (at == 0 || table[at - 1] == ' ' || table[at - 1] == '\n') break;
        ++at;
    }
    if (at == std::string::npos) return "";
    std::string row, line = table.substr(at, table.find('\n', at) - at);
    for (char c : line)
        if (c != ' ' || (!row.empty() && row.back() != ' ')) row += c;
    return row;
}

}  // namespace

TEST_CASE("progressive networks: the summary lists every stage's layers, then the network's output") {
    using G = Sequential<TinyG>::bind<Shape<4>, Cpu>::type;
    using D = Sequential<TinyD>::bind<Shape<1, 8, 8>, Cpu>::type;
    const std::string g = summary<G>(), d = summary<D>();
    // G: each stage's block, then its to-RGB; last the network's output (the faded image,
    // upsampled to 8x8), whose parameters are all in the rows above.
    CHECK(summary_row(g, "Linear-1") == "Linear-1 [-1, 32] 160");
    CHECK(summary_row(g, "Conv2d-4") == "Conv2d-4 [-1, 1, 2, 2] 9");
    CHECK(summary_row(g, "Upsample-5") == "Upsample-5 [-1, 8, 4, 4] 0");
    CHECK(summary_row(g, "Conv2d-12") == "Conv2d-12 [-1, 1, 8, 8] 5");
    CHECK(summary_row(g, "ProgressiveGenerator-13") == "ProgressiveGenerator-13 [-1, 1, 8, 8] 0");
    CHECK(g.find("-14 ") == std::string::npos);
    // D: each stage's from-RGB before its block, in the order the data flows.
    CHECK(summary_row(d, "Conv2d-1") == "Conv2d-1 [-1, 8, 2, 2] 16");
    CHECK(summary_row(d, "Linear-3") == "Linear-3 [-1, 1] 33");
    CHECK(summary_row(d, "Conv2d-4") == "Conv2d-4 [-1, 6, 4, 4] 12");
    CHECK(summary_row(d, "ProgressiveDiscriminator-12") == "ProgressiveDiscriminator-12 [-1, 1] 0");
    CHECK(g.find("Total params: " + std::to_string(G::parameter_count) + "\n") != std::string::npos);
    CHECK(d.find("Total params: " + std::to_string(D::parameter_count) + "\n") != std::string::npos);
    // Every row's output of one sample: stage 0 32+32+32+4, stage 1 128+96+96+16, stage 2
    // 384+256+256+64, the network's output 64.
    static_assert(summary_totals<G>().activations_per_sample == 100 + 336 + 960 + 64);
}
