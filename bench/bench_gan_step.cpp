// One full GAN training step (D on real + D on fake + Adam(D), then G through the frozen D +
// Adam(G)) of the tool's MLP models, against two baselines in the same run:
//   BM_train_step/<model>   xgan::GanTrainer::train_step on a fixed random batch in [-1, 1]
//                           (cgan: with labels 0, 1, ... in turn)
//   BM_gemm_floor/<model>   only the matrix products a step needs, at their real shapes, called
//                           straight into cblas_sgemm: the floor no implementation can beat
//                           without a faster GEMM
//   BM_gemm_as_xgan/<model> the same products, always issued xgan's way (split over TBB threads)
//   BM_adam/<model>         Adam(D).step() + Adam(G).step() alone
//   BM_wgan_gp_step/wgan-gp64  3 critic steps with the gradient penalty + 1 generator step of the
//                           64x64 WGAN-GP (torch_gan_step.py --models wgan-gp64 times PyTorch's)
// Times are wall-clock (UseRealTime: OpenBLAS and oneTBB run on their own threads).
// compare.sh runs this next to bench/torch_gan_step.py and prints the speed-ups.
#include <chrono>
#include <thread>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <xgan/xgan.hpp>

#include <xgan/models/tutorials.hpp>

#include "model_options.hpp"

// OpenBLAS's own queries (xgan declares cblas through xgan/backend/cblas.hpp, which has not
// these; OpenBLAS's <cblas.h> cannot be included beside it).
extern "C" {
char* openblas_get_corename(void);
char* openblas_get_config(void);
int openblas_get_num_threads(void);
}

namespace {

using xgan::Cpu;
using xgan::models::Mlp;
using xgan::models::MlpSmall;

constexpr std::uint64_t seed = 20240601;

// ---------------------------------------------------------------------------------------------
// The Linear layers of a network, as (in, out) pairs in order, read from its type.
struct LinearShape {
    int in, out;
};

template <class L>
struct linear_traits : std::false_type {};
template <std::size_t In, std::size_t Out, bool Bias, class B>
struct linear_traits<xgan::LinearLayer<In, Out, Bias, B>> : std::true_type {
    static constexpr LinearShape shape{int(In), int(Out)};
};

template <class Net>
std::vector<LinearShape> linear_shapes() {
    std::vector<LinearShape> out;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using L = typename Net::template layer_t<I>;
                if constexpr (linear_traits<L>::value) out.push_back(linear_traits<L>::shape);
            }(),
            ...);
    }(std::make_index_sequence<Net::depth>{});
    return out;
}


// ---------------------------------------------------------------------------------------------
// One GEMM as linear.hpp calls it (row-major cblas).
struct Gemm {
    CBLAS_TRANSPOSE ta, tb;
    int m, n, k;
    int layer;  // index into the network's linear_shapes
    enum Kind { forward, weight_grad, input_grad } kind;
    bool generator;
    double flops() const { return 2.0 * m * n * k; }
};

// The GEMMs of one training step at batch n (no dx into D's input on its own real and fake
// passes: the images need none).
std::vector<Gemm> gemm_plan(const std::vector<LinearShape>& g, const std::vector<LinearShape>& d, int n) {
    std::vector<Gemm> plan;
    auto fwd = [&](const std::vector<LinearShape>& net, bool gen) {
        for (int i = 0; i < int(net.size()); ++i)  // y[n,out] = x[n,in] W[out,in]^T
            plan.push_back({CblasNoTrans, CblasTrans, n, net[i].out, net[i].in, i, Gemm::forward, gen});
    };
    // Backward, last layer first: dW[out,in] += dy^T x; dx[n,in] = dy W.
    auto bwd = [&](const std::vector<LinearShape>& net, bool gen, bool weight_grads, bool first_dx) {
        for (int i = int(net.size()) - 1; i >= 0; --i) {
            if (weight_grads)
                plan.push_back({CblasTrans, CblasNoTrans, net[i].out, net[i].in, n, i, Gemm::weight_grad, gen});
            if (i > 0 || first_dx)
                plan.push_back({CblasNoTrans, CblasNoTrans, n, net[i].in, net[i].out, i, Gemm::input_grad, gen});
        }
    };
    fwd(d, false);                     // D(real)
    bwd(d, false, true, false);   // its backward: dW, dx (the input needs none)
    fwd(g, true);                      // G(z)
    fwd(d, false);                     // D(G(z)) detached
    bwd(d, false, true, false);   // its backward
    fwd(d, false);                     // D(G(z)) after Adam(D), for G's loss
    bwd(d, false, false, true);        // back to the fake images only: dx, no dW
    bwd(g, true, true, false);         // G's backward: dW, dx except into z
    return plan;
}

double plan_flops(const std::vector<Gemm>& plan) {
    double f = 0;
    for (const auto& x : plan) f += x.flops();
    return f;
}

template <class M>
struct Nets {
    using gan = typename M::gan;
    using G = typename gan::generator;
    using D = typename gan::discriminator;
    static int batch() { return M::defaults().batch_size; }
    static std::vector<LinearShape> g() { return linear_shapes<G>(); }
    static std::vector<LinearShape> d() { return linear_shapes<D>(); }
    // The products a step needs. xgan's trainer issues exactly these (kernel_shares counts 41
    // GEMM calls in an mlp step): Sequential skips every dx before its first layer with
    // parameters when the caller wants none, so D's leading Flatten costs no product.
    static std::vector<Gemm> plan_needed() { return gemm_plan(g(), d(), batch()); }
};

void fill(std::vector<float>& v, xgan::Rng& rng, double lo = -1, double hi = 1) {
    rng.fill_uniform(v.data(), v.size(), lo, hi);
}

void set_counters(benchmark::State& state, int batch, double gemm_flops) {
    state.SetItemsProcessed(std::int64_t(state.iterations()) * batch);  // samples/s
    state.counters["batch"] = batch;
    state.counters["gemm_GFLOP"] = gemm_flops * 1e-9;  // per step
    state.counters["gemm_GFLOP/s"] =
        benchmark::Counter(gemm_flops * double(state.iterations()) * 1e-9, benchmark::Counter::kIsRate);
}

// ---------------------------------------------------------------------------------------------
// A trainer with the model's default settings and a fixed random real batch.
template <class M>
struct StepSetup {
    using gan = typename M::gan;
    const int n = M::defaults().batch_size;
    xgan::GanTrainer<gan> trainer{model_options<M>(), seed};
    xgan::Tensor<typename gan::sample_shape, Cpu> real{static_cast<std::size_t>(n)};
    std::vector<std::int32_t> labels;  // conditional GANs: classes 0, 1, ... in turn
    StepSetup() {
        xgan::Rng data_rng(seed + 1);
        data_rng.fill_uniform(real.data(), real.size(), -1.0, 1.0);
        if constexpr (gan::classes > 0)
            for (int i = 0; i < n; ++i) labels.push_back(std::int32_t(i % int(gan::classes)));
    }
    void run(benchmark::State& state, int warmup) {
        for (int i = 0; i < warmup; ++i) trainer.train_step(real, labels);  // buffers sized, pages touched
        for (auto _ : state) {
            auto stats = trainer.train_step(real, labels);
            benchmark::DoNotOptimize(stats);
        }
    }
};

template <class M>
void BM_train_step(benchmark::State& state) {
    StepSetup<M> setup;
    setup.run(state, 3);
    set_counters(state, setup.n, plan_flops(Nets<M>::plan_needed()));
}

// A full step of a convolutional model (no GEMM-plan counters: convolutions are im2col + GEMM).
template <class M>
void BM_conv_train_step(benchmark::State& state) {
    StepSetup<M> setup;
    setup.run(state, 1);
    state.counters["samples/s"] = benchmark::Counter(double(setup.n) * double(state.iterations()), benchmark::Counter::kIsRate);
}

// Runs a GEMM plan over buffers of the real sizes. Each layer of each network has its own
// weight, weight gradient, input and output-gradient buffers, as in a real step, so the cache
// sees the same working set.
// The floor issues each product as fast as this machine can: straight into OpenBLAS with its own
// threads, or split over TBB threads as xgan's backend does (OpenBLAS single-threaded), whichever
// is faster on the warm-up runs. as_xgan: always xgan's way.
void run_plan(benchmark::State& state, const std::vector<Gemm>& plan, const std::vector<LinearShape>& g,
              const std::vector<LinearShape>& d, int n, bool as_xgan) {
    struct LayerBuffers {
        std::vector<float> w, dw, x, dy, y, dx;
    };
    xgan::Rng rng(seed + 2);
    auto make = [&](const std::vector<LinearShape>& net) {
        std::vector<LayerBuffers> out(net.size());
        for (std::size_t i = 0; i < net.size(); ++i) {
            const auto [in, o] = net[i];
            out[i] = {std::vector<float>(std::size_t(o) * in), std::vector<float>(std::size_t(o) * in, 0.f),
                      std::vector<float>(std::size_t(n) * in), std::vector<float>(std::size_t(n) * o),
                      std::vector<float>(std::size_t(n) * o), std::vector<float>(std::size_t(n) * in)};
            fill(out[i].w, rng, -0.05, 0.05);
            fill(out[i].x, rng);
            fill(out[i].dy, rng, -1e-3, 1e-3);
        }
        return out;
    };
    auto gb = make(g), db = make(d);
    bool openblas_threads = false;  // true: cblas_sgemm with OpenBLAS's threads; false: xgan::Cpu::gemm
    auto sgemm = [&](CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int nn, int k, const float* a, int lda, const float* b,
                     int ldb, float beta, float* c, int ldc) {
        if (openblas_threads) {
            cblas_sgemm(CblasRowMajor, ta, tb, m, nn, k, 1.f, a, lda, b, ldb, beta, c, ldc);
        } else {
            using xgan::backend::Trans;
            xgan::Cpu::gemm(ta == CblasTrans ? Trans::yes : Trans::no, tb == CblasTrans ? Trans::yes : Trans::no, m, nn, k,
                            1.f, a, lda, b, ldb, beta, c, ldc);
        }
    };
    auto run = [&] {
        for (const auto& c : plan) {
            auto& L = (c.generator ? gb : db)[std::size_t(c.layer)];
            const auto [in, o] = (c.generator ? g : d)[std::size_t(c.layer)];
            switch (c.kind) {
                case Gemm::forward:  // y = x W^T (beta 1 stands for the bias already copied into y)
                    sgemm(c.ta, c.tb, c.m, c.n, c.k, L.x.data(), in, L.w.data(), in, 1.f, L.y.data(), o);
                    break;
                case Gemm::weight_grad:  // dW += dy^T x
                    sgemm(c.ta, c.tb, c.m, c.n, c.k, L.dy.data(), o, L.x.data(), in, 1.f, L.dw.data(), in);
                    break;
                case Gemm::input_grad:  // dx = dy W
                    sgemm(c.ta, c.tb, c.m, c.n, c.k, L.dy.data(), o, L.w.data(), in, 0.f, L.dx.data(), in);
                    break;
            }
        }
    };
    // xgan's backend leaves OpenBLAS single-threaded; the OpenBLAS-threaded runs restore its count.
    auto seconds_of = [&](bool threads) {
        openblas_threads = threads;
        openblas_set_num_threads(threads ? int(std::thread::hardware_concurrency()) : 1);
        run();
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 3; ++i) run();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    xgan::Cpu::gemm(xgan::backend::Trans::no, xgan::backend::Trans::no, 1, 1, 1, 1.f, gb[0].w.data(), 1, gb[0].w.data(), 1,
                    0.f, gb[0].dw.data(), 1);  // xgan's one-time OpenBLAS setting happens before the comparison
    const bool threads = !as_xgan && seconds_of(true) < seconds_of(false);
    openblas_threads = threads;
    openblas_set_num_threads(threads ? int(std::thread::hardware_concurrency()) : 1);
    for (auto _ : state) {
        run();
        benchmark::ClobberMemory();
    }
    openblas_set_num_threads(1);
    state.counters["openblas_threads"] = threads ? 1 : 0;
    set_counters(state, n, plan_flops(plan));
    state.counters["gemms"] = double(plan.size());
}

template <class M>
void BM_gemm_floor(benchmark::State& state) {
    run_plan(state, Nets<M>::plan_needed(), Nets<M>::g(), Nets<M>::d(), Nets<M>::batch(), false);
}

template <class M>
void BM_gemm_as_xgan(benchmark::State& state) {
    run_plan(state, Nets<M>::plan_needed(), Nets<M>::g(), Nets<M>::d(), Nets<M>::batch(), true);
}

// Both optimizers of a step on gradients of realistic size and spread. Adam clears the
// gradients, so they are restored (untimed) before each step.
template <class M>
void BM_adam(benchmark::State& state) {
    using gan = typename M::gan;
    const auto defaults = M::defaults();
    typename gan::generator g;
    typename gan::discriminator d;
    xgan::Rng rng(seed + 3);
    g.reset_parameters(rng);
    d.reset_parameters(rng);
    const xgan::optim::AdamOptions o{defaults.lr, defaults.beta1, defaults.beta2};
    xgan::optim::Adam<float, Cpu> opt_g(g, o), opt_d(d, o);
    std::vector<std::vector<float>> saved;
    std::size_t params = 0;
    for (auto* opt : {&opt_d, &opt_g})
        for (const auto& p : opt->parameters()) {
            saved.emplace_back(p.size);
            rng.fill_uniform(saved.back().data(), p.size, -1e-2, 1e-2);
            params += p.size;
        }
    auto restore = [&] {
        std::size_t k = 0;
        for (auto* opt : {&opt_d, &opt_g})
            for (const auto& p : opt->parameters()) {
                std::copy(saved[k].begin(), saved[k].end(), p.grad);
                ++k;
            }
    };
    for (int i = 0; i < 3; ++i) {
        restore();
        opt_d.step();
        opt_g.step();
    }
    for (auto _ : state) {
        state.PauseTiming();
        restore();
        state.ResumeTiming();
        opt_d.step();
        opt_g.step();
        benchmark::ClobberMemory();
    }
    state.counters["params"] = double(params);
    state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(params) * 4 * 4 * 2);  // p,g,m,v read+write
}

// One full WGAN-GP step of a critic model (wgan-gp64: 64x64 RGB, batch 64): critic_steps critic
// updates, each on its own real batch with the gradient penalty's exact second-order
// gradient (forward on x̂, backward to the input, tangent pass, its backward), then one
// generator update on fresh noise, as `xgan train` runs it.
template <class M>
void BM_wgan_gp_step(benchmark::State& state) {
    using gan = typename M::gan;
    const auto defaults = M::defaults();
    xgan::GanTrainer<gan> trainer(model_options<M>(), seed);

    const int n = defaults.batch_size;
    const int k = defaults.critic_steps;
    std::vector<xgan::Tensor<typename gan::sample_shape, Cpu>> real(static_cast<std::size_t>(k));
    xgan::Rng data_rng(seed + 1);
    for (auto& r : real) {
        r.resize(std::size_t(n));
        data_rng.fill_uniform(r.data(), r.size(), -1.0, 1.0);
    }
    double penalty = 0;
    auto step = [&] {
        for (const auto& r : real) penalty = trainer.discriminator_step(r).penalty;
        benchmark::DoNotOptimize(trainer.generator_step(true, std::size_t(n)));
    };
    step();  // buffers sized, pages touched
    for (auto _ : state) step();
    state.SetItemsProcessed(std::int64_t(state.iterations()) * n);  // generated samples per generator step
    state.counters["batch"] = n;
    state.counters["critic_steps"] = k;
    state.counters["penalty"] = penalty;
}

// Wall-clock milliseconds; with --benchmark_repetitions, a "min" aggregate besides Google
// Benchmark's mean/median/stddev/cv (on a busy machine the minimum is the steadier number).
void configure(benchmark::internal::Benchmark* b) {
    b->Unit(benchmark::kMillisecond)->UseRealTime()->ComputeStatistics("min", [](const std::vector<double>& v) {
        return *std::min_element(v.begin(), v.end());
    });
}

template <class M>
void register_model() {
    const std::string name = M::name;
    configure(benchmark::RegisterBenchmark(("BM_train_step/" + name).c_str(), BM_train_step<M>));
    configure(benchmark::RegisterBenchmark(("BM_gemm_floor/" + name).c_str(), BM_gemm_floor<M>));
    configure(benchmark::RegisterBenchmark(("BM_gemm_as_xgan/" + name).c_str(), BM_gemm_as_xgan<M>));
    configure(benchmark::RegisterBenchmark(("BM_adam/" + name).c_str(), BM_adam<M>));
}

}  // namespace

int main(int argc, char** argv) {
    xgan::backend::tune_process(argv);  // may re-exec with OPENBLAS_CORETYPE and malloc settings
    register_model<Mlp>();
    register_model<MlpSmall>();
    configure(benchmark::RegisterBenchmark("BM_wgan_gp_step/wgan-gp64", BM_wgan_gp_step<xgan::models::WganGp64>));
    for (auto* b : {benchmark::RegisterBenchmark("BM_train_step/dcgan", BM_conv_train_step<xgan::models::Dcgan>),
                    benchmark::RegisterBenchmark("BM_train_step/cgan", BM_conv_train_step<xgan::models::Cgan>),
                    benchmark::RegisterBenchmark("BM_train_step/dcgan64", BM_conv_train_step<xgan::models::Dcgan64>)})
        configure(b->MinTime(1.0));
    benchmark::AddCustomContext("OPENBLAS_CORETYPE", std::getenv("OPENBLAS_CORETYPE") ? std::getenv("OPENBLAS_CORETYPE") : "");
    benchmark::AddCustomContext("openblas_core", openblas_get_corename());
    benchmark::AddCustomContext("openblas_threads", std::to_string(openblas_get_num_threads()));
    benchmark::AddCustomContext("openblas_config", openblas_get_config());
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
