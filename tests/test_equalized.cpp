// EqualizedLinear and EqualizedConv2d (layers/equalized.hpp):
//   - against PyTorch 1.13 (tests/data/norm_layer_goldens.safetensors, written by
//     make_norm_layer_goldens.py): state names, order and shapes equal the torch module's
//     state_dict; train-mode output, input and parameter gradients within 1e-4 of each
//     tensor's scale (float32 in both, different summation orders);
//   - gradcheck and tangent_check (double, central differences, rtol 1e-5, atol 1e-7);
//   - the initialisation (N(0, 1) weights, zero biases, for either Init) and c = sqrt(2 / fan_in)
//     by hand.
#include <doctest/doctest.h>

#include "goldens.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "tangent_check.hpp"
#include "xgan/io/safetensors.hpp"
#include "xgan/layers/equalized.hpp"

namespace {

using namespace xgan;

const xgan_test::Goldens& goldens() {
    static const xgan_test::Goldens file("norm_layer_goldens.safetensors");
    return file;
}
const io::SafetensorsEntry& entry(const std::string& name) { return goldens().entry(name); }
std::vector<float> floats(const std::string& name) { return goldens().floats(name); }
using xgan_test::check_close;

// Loads "<prefix>init.*" into a bound layer L (names, order and shapes must be torch's), runs
// one train-mode forward and the backward of L = sum(out * r), and compares with torch.
template <class L>
void check_against_torch(const std::string& prefix) {
    L layer;
    Rng rng(1);
    layer.reset_parameters(rng, Init::pytorch);
    std::vector<std::string> ours, theirs;
    layer.visit_state(
        [&](const StateEntry<float>& e) {
            ours.push_back(e.name);
            const std::string key = prefix + "init." + e.name;
            if (!goldens().file.find(key)) return;
            CHECK_MESSAGE(entry(key).shape == e.shape, key);
            const auto v = floats(key);
            REQUIRE(v.size() == e.numel());
            std::copy(v.begin(), v.end(), e.value);
            std::fill(e.grad, e.grad + e.numel(), 0.0f);
        },
        "");
    for (const auto& [name, e] : goldens().file.tensors)  // in file order: torch's state_dict order
        if (name.rfind(prefix + "init.", 0) == 0) theirs.push_back(name.substr(prefix.size() + 5));
    CHECK(ours == theirs);

    using In = typename L::input_shape;
    using Out = typename L::output_shape;
    const auto xv = floats(prefix + "x");
    Tensor<In, Cpu> x(xv.size() / In::size);
    REQUIRE(x.size() == xv.size());
    std::copy(xv.begin(), xv.end(), x.data());
    Tensor<Out, Cpu> y, r(x.batch());
    const auto rv = floats(prefix + "r");
    REQUIRE(rv.size() == r.size());
    std::copy(rv.begin(), rv.end(), r.data());

    layer.forward(x, y, Mode::train);
    check_close(prefix + "out", y.data(), floats(prefix + "out"));
    Tensor<In, Cpu> dx;
    layer.backward(x, y, r, &dx, ParamGrads::accumulate);
    check_close(prefix + "grad.x", dx.data(), floats(prefix + "grad.x"));
    layer.visit_state([&](const StateEntry<float>& e) { check_close(prefix + "grad." + e.name, e.grad, floats(prefix + "grad." + e.name)); },
                      "");
}

template <class Spec, class S>
void check_finite_differences() {
    using L = bind_t<Spec, S, CpuF64>;
    static_assert(HasTangentPasses<L>);
    auto r = testing::gradcheck<Spec, S>();
    CHECK_MESSAGE(r.ok, L::name() << ": " << r.report());
    r = testing::tangent_check<L>();
    CHECK_MESSAGE(r.ok, L::name() << " tangents: " << r.report());
    CHECK(r.checked > 0);
}

}  // namespace

TEST_CASE("EqualizedLinear and EqualizedConv2d match PyTorch: state names, output, gradients") {
    check_against_torch<bind_t<EqualizedLinear<5, 4>, Shape<5>, Cpu>>("eqlin.");
    check_against_torch<bind_t<EqualizedConv2d<3, 4, 3, 2, 1>, Shape<3, 7, 6>, Cpu>>("eqconv.");
    check_against_torch<bind_t<EqualizedConv2d<2, 3, 3, 1, 0, false>, Shape<2, 5, 5>, Cpu>>("eqconv_nobias.");
}

TEST_CASE("EqualizedLinear and EqualizedConv2d: gradients and tangent passes match finite differences") {
    check_finite_differences<EqualizedLinear<5, 4>, Shape<5>>();
    check_finite_differences<EqualizedLinear<6, 3, false>, Shape<6>>();
    check_finite_differences<EqualizedConv2d<2, 3, 3, 2, 1>, Shape<2, 5, 6>>();
    check_finite_differences<EqualizedConv2d<2, 2, 2, 1, 0, false>, Shape<2, 4, 4>>();
}

TEST_CASE("EqualizedLinear and EqualizedConv2d: N(0, 1) init, zero bias, weight scaled by sqrt(2 / fan_in)") {
    using L = bind_t<EqualizedLinear<256, 64>, Shape<256>, CpuF64>;
    CHECK(L::name() == "EqualizedLinear(in_features=256, out_features=64, bias=True)");
    CHECK(bind_t<EqualizedConv2d<3, 8, 4, 2, 1>, Shape<3, 8, 8>, Cpu>::name() ==
          "EqualizedConv2d(3, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))");
    for (Init init : {Init::pytorch, Init::dcgan}) {
        L layer;
        Rng rng(3);
        layer.reset_parameters(rng, init);
        std::vector<double> w, b;
        layer.visit_state(
            [&](const StateEntry<double>& e) { (e.name == "weight" ? w : b).assign(e.value, e.value + e.numel()); }, "");
        REQUIRE(w.size() == 256 * 64);
        double mean = 0, sq = 0;
        for (double v : w) mean += v / double(w.size());
        for (double v : w) sq += (v - mean) * (v - mean) / double(w.size());
        CHECK(std::abs(mean) < 0.03);               // 16384 draws: the mean's sd is 0.008
        CHECK(std::abs(std::sqrt(sq) - 1) < 0.03);  // and the sd's about 0.006
        CHECK(std::all_of(b.begin(), b.end(), [](double v) { return v == 0; }));

        // y = c W e_j + b for the unit vector e_j: column j of W, times c
        Tensor<Shape<256>, CpuF64> x(1);
        std::fill(x.data(), x.data() + 256, 0.0);
        x[7] = 1;
        Tensor<Shape<64>, CpuF64> y;
        layer.forward(x, y, Mode::train);
        const double c = std::sqrt(2.0 / 256);
        for (std::size_t o = 0; o < 64; ++o) CHECK(y[o] == doctest::Approx(c * w[o * 256 + 7]).epsilon(1e-12));
    }
}
