// SpectralNorm<Linear / Conv2d> (layers/spectral_norm.hpp):
//   - against torch.nn.utils.spectral_norm in PyTorch 1.13 (tests/data/norm_layer_goldens.
//     safetensors, written by make_norm_layer_goldens.py), float32, within 1e-4 of each tensor's
//     scale: state names, order and shapes; weight_u and weight_v after k train-mode forwards;
//     the k-th output, its input and parameter gradients; the eval-mode output after them;
//   - a critic of SpectralNorm and EqualizedConv2d layers: torch's state (its safetensors
//     bytes) loads with io::load_weights, and the WGAN-GP penalty, its parameter gradients
//     (PyTorch's double backprop) and the updated u, v match, within 1e-4;
//   - gradcheck and tangent_check in eval mode (double, rtol 1e-5, atol 1e-7): there u and v are
//     constants, as in torch's backward; in train mode finite differences would also move the
//     power iteration's u and v, which torch's gradient leaves out by design;
//   - the penalty's parameter gradient of that critic against central differences (double,
//     eval mode), every element, |error| <= 1e-6 |numeric| + 1e-7 scale + 1e-9;
//   - init (unit u and v, from the seed) and sigma against a 2x2 matrix's largest singular value.
#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include "goldens.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "penalty_check.hpp"
#include "tangent_check.hpp"
#include "xgan/gan/penalty.hpp"
#include "xgan/io/safetensors.hpp"
#include "xgan/io/weights.hpp"
#include "xgan/layers/activation.hpp"
#include "xgan/layers/equalized.hpp"
#include "xgan/layers/reshape.hpp"
#include "xgan/layers/spectral_norm.hpp"
#include "xgan/nn/sequential.hpp"

namespace {

using namespace xgan;

const xgan_test::Goldens& goldens() {
    static const xgan_test::Goldens file("norm_layer_goldens.safetensors");
    return file;
}
const io::SafetensorsEntry& entry(const std::string& name) { return goldens().entry(name); }
std::vector<float> floats(const std::string& name) { return goldens().floats(name); }
std::int64_t integer(const std::string& name) { return goldens().integer(name); }
using xgan_test::check_close;

// The names of "<prefix><group>.*" in the file, in file order (torch's state_dict order).
std::vector<std::string> torch_names(const std::string& prefix) {
    std::vector<std::string> names;
    for (const auto& [name, e] : goldens().file.tensors)
        if (name.rfind(prefix, 0) == 0) names.push_back(name.substr(prefix.size()));
    return names;
}

// Loads "<prefix>init.*" into net (a bound layer or a network), checking names, order, shapes.
template <class Net>
void load_init(Net& net, const std::string& prefix) {
    std::vector<std::string> ours;
    net.visit_state(
        [&](const StateEntry<float>& e) {
            ours.push_back(e.name);
            const std::string key = prefix + "init." + e.name;
            if (!goldens().file.find(key)) return;
            CHECK_MESSAGE(entry(key).shape == e.shape, key);
            const auto v = floats(key);
            REQUIRE(v.size() == e.numel());
            std::copy(v.begin(), v.end(), e.value);
            if (e.trainable()) std::fill(e.grad, e.grad + e.numel(), 0.0f);
        },
        "");
    CHECK(ours == torch_names(prefix + "init."));
}

// k train-mode forwards (k from the file), the backward of L = sum(out * r) after the last,
// then an eval-mode forward; everything against torch.
template <class L>
void check_against_torch(const std::string& prefix) {
    using In = typename L::input_shape;
    using Out = typename L::output_shape;
    L layer;
    Rng rng(1);
    layer.reset_parameters(rng, Init::pytorch);
    load_init(layer, prefix);

    const auto xv = floats(prefix + "x");
    Tensor<In, Cpu> x(xv.size() / In::size);
    REQUIRE(x.size() == xv.size());
    std::copy(xv.begin(), xv.end(), x.data());
    Tensor<Out, Cpu> y, r(x.batch());
    const auto rv = floats(prefix + "r");
    REQUIRE(rv.size() == r.size());
    std::copy(rv.begin(), rv.end(), r.data());

    const std::int64_t forwards = integer(prefix + "forwards");
    for (std::int64_t k = 0; k < forwards; ++k) layer.forward(x, y, Mode::train);
    check_close(prefix + "out", y.data(), floats(prefix + "out"));
    Tensor<In, Cpu> dx;
    layer.backward(x, y, r, &dx, ParamGrads::accumulate);
    check_close(prefix + "grad.x", dx.data(), floats(prefix + "grad.x"));
    layer.visit_state(
        [&](const StateEntry<float>& e) {
            if (e.trainable()) check_close(prefix + "grad." + e.name, e.grad, floats(prefix + "grad." + e.name));
            else check_close(prefix + "after." + e.name, e.value, floats(prefix + "after." + e.name));
        },
        "");
    layer.forward(x, y, Mode::eval);
    check_close(prefix + "eval_out", y.data(), floats(prefix + "eval_out"));
}

// L with u and v brought near the singular vectors (power iterations) at init, so that sigma
// is far from zero when the checks perturb the weights.
template <class L>
struct Converged : L {
    void reset_parameters(Rng& rng, Init init) {
        L::reset_parameters(rng, init);
        Tensor<typename L::input_shape, typename L::backend> x(1);
        Tensor<typename L::output_shape, typename L::backend> y;
        for (int i = 0; i < 30; ++i) L::forward(x, y, Mode::train);
    }
};

template <class Spec, class S>
void check_finite_differences() {
    using L = Converged<bind_t<SpectralNorm<Spec>, S, CpuF64>>;
    static_assert(HasTangentPasses<L>);
    testing::GradcheckOptions o;
    o.mode = Mode::eval;
    auto r = testing::gradcheck_bound<L>(o);
    CHECK_MESSAGE(r.ok, L::name() << ": " << r.report());
    r = testing::tangent_check<L>(o);
    CHECK_MESSAGE(r.ok, L::name() << " tangents: " << r.report());
    CHECK(r.checked > 0);
}

// The critic of the golden: (2, 8, 8) -> (4, 4, 4) -> (4, 4, 4) -> 64 -> 1
using Critic = Sequential<SpectralNorm<Conv2d<2, 4, 3, 2, 1>>, LeakyReLU<ratio(0.2)>, EqualizedConv2d<4, 4, 3, 1, 1>,
                          LeakyReLU<ratio(0.2)>, Flatten, SpectralNorm<Linear<64, 1>>>;

using xgan_test::entries;

}  // namespace

TEST_CASE("SpectralNorm matches torch spectral_norm: state, u and v after k forwards, output, gradients") {
    check_against_torch<bind_t<SpectralNorm<Linear<5, 4>>, Shape<5>, Cpu>>("snlin.");
    check_against_torch<bind_t<SpectralNorm<Linear<6, 3, false>>, Shape<6>, Cpu>>("snlin_nobias.");
    check_against_torch<bind_t<SpectralNorm<Conv2d<3, 4, 3, 2, 1>>, Shape<3, 7, 6>, Cpu>>("snconv.");
}

TEST_CASE("SpectralNorm critic: torch's state loads, and WGAN-GP with its gradients matches PyTorch") {
    using Net = Network<Critic, Shape<2, 8, 8>>;
    static_assert(HasTangentPasses<Net::layer_t<0>> && HasTangentPasses<Net::layer_t<2>> &&
                  HasTangentPasses<Net::layer_t<5>>);
    Net d;
    Rng rng(2);
    d.reset_parameters(rng);
    load_init(d, "critic.");

    // torch's bytes under torch's names, as a file of their own, load into the critic
    TempDir dir("xgan_test_spectral_norm_");
    {
        std::vector<io::TensorView> views;
        for (const std::string& name : torch_names("critic.init.")) {
            const auto& e = entry("critic.init." + name);
            views.push_back({name, e.dtype, e.shape, e.bytes.data()});
        }
        io::write_safetensors(dir.path / "critic.safetensors", views, {{"format", "pt"}});
    }
    Net loaded;
    loaded.reset_parameters(rng);
    io::load_weights(loaded, dir.path / "critic.safetensors");
    const auto a = entries(d), b = entries(loaded);
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k)
        CHECK_MESSAGE(std::equal(a[k].value, a[k].value + a[k].numel(), b[k].value), a[k].name);

    const auto xv = floats("critic.x_hat");
    Tensor<Shape<2, 8, 8>, Cpu> x(4);
    REQUIRE(xv.size() == x.size());
    std::copy(xv.begin(), xv.end(), x.data());
    PenaltyBuffers<Net> buf;
    const double p = gradient_penalty<objective::GradientPenalty<objective::Wasserstein>>(d, x, buf);
    const double want = floats("critic.penalty")[0];
    CHECK_MESSAGE(std::abs(p - want) <= 1e-4 * std::abs(want), "penalty " << p << ", torch " << want);
    check_close("critic.out", d.output().data(), floats("critic.out"));
    for (const auto& e : entries(d)) {
        if (e.trainable()) check_close("critic.grad." + e.name, e.grad, floats("critic.grad." + e.name));
        else check_close("critic.after." + e.name, e.value, floats("critic.after." + e.name));
    }
}

TEST_CASE("SpectralNorm: gradients and tangent passes match finite differences in eval mode") {
    check_finite_differences<Linear<5, 4>, Shape<5>>();
    check_finite_differences<Linear<6, 3, false>, Shape<6>>();
    check_finite_differences<Conv2d<2, 3, 3, 2, 1>, Shape<2, 5, 6>>();
    check_finite_differences<Conv2d<2, 2, 2, 1, 0, false>, Shape<2, 4, 4>>();
}

TEST_CASE("SpectralNorm critic: the penalty's parameter gradient matches finite differences") {
    using Net = Network<Sequential<SpectralNorm<Conv2d<2, 3, 3, 2, 1>>, LeakyReLU<ratio(0.2)>, EqualizedConv2d<3, 3, 3, 1, 1>,
                                   Tanh, Flatten, SpectralNorm<Linear<27, 1>>>,
                        Shape<2, 6, 6>, CpuF64>;
    using Objective = objective::GradientPenalty<objective::Wasserstein>;
    Net base;
    Rng rng(4);
    base.reset_parameters(rng);
    Tensor<Shape<2, 6, 6>, CpuF64> x(3);
    rng.fill_normal(x.data(), x.size());
    for (int i = 0; i < 10; ++i) base.forward(x, Mode::train);  // u and v near the singular vectors
    for (auto& e : entries(base))
        if (e.trainable())
            for (std::size_t i = 0; i < e.numel(); ++i) e.value[i] += 0.2 * rng.normal();

    // eval mode: u and v stay as they are
    const auto r = xgan_test::penalty_gradient_check<Objective>(base, x, Mode::eval);
    CHECK(r.penalty > 0);
}

TEST_CASE("SpectralNorm: unit u and v from the seed, sigma is the largest singular value") {
    using L = bind_t<SpectralNorm<Linear<2, 2>>, Shape<2>, CpuF64>;
    CHECK(L::name() == "SpectralNorm(Linear(in_features=2, out_features=2, bias=True))");
    auto state = [](L& l) {
        std::vector<std::vector<double>> s;
        l.visit_state([&](const StateEntry<double>& e) { s.emplace_back(e.value, e.value + e.numel()); }, "");
        return s;  // bias, weight_orig, weight_u, weight_v
    };
    L a, b, c;
    Rng ra(5), rb(5), rc(6);
    a.reset_parameters(ra, Init::pytorch);
    b.reset_parameters(rb, Init::pytorch);
    c.reset_parameters(rc, Init::pytorch);
    const auto sa = state(a);
    REQUIRE(sa.size() == 4);
    CHECK(sa == state(b));
    CHECK(sa[2] != state(c)[2]);
    for (std::size_t k : {2, 3}) CHECK(std::hypot(sa[k][0], sa[k][1]) == doctest::Approx(1).epsilon(1e-12));

    // W = [[w0, w1], [w2, w3]]: s1² + s2² = ||W||²_F, s1 s2 = |det W|
    const auto& w = sa[1];
    const double fro = w[0] * w[0] + w[1] * w[1] + w[2] * w[2] + w[3] * w[3], det = w[0] * w[3] - w[1] * w[2];
    const double s1 = std::sqrt((fro + std::sqrt(fro * fro - 4 * det * det)) / 2);
    Tensor<Shape<2>, CpuF64> x(1), y;
    x[0] = 1, x[1] = 0;
    for (int i = 0; i < 200; ++i) a.forward(x, y, Mode::train);
    CHECK(a.sigma() == doctest::Approx(s1).epsilon(1e-9));
    // eval mode: no power iteration; y - b is the normalised weight's first column
    const auto u = state(a)[2];
    a.forward(x, y, Mode::eval);
    CHECK(state(a)[2] == u);
    CHECK(y[0] == doctest::Approx(sa[0][0] + w[0] / s1).epsilon(1e-9));
    CHECK(y[1] == doctest::Approx(sa[0][1] + w[2] / s1).epsilon(1e-9));
}
