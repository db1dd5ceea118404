// Where a training step's time goes: each model's step on ProfiledBackend<Cpu>
// (backend/profiled.hpp), which times every backend kernel it calls, then a table per model of
// each kernel's calls, milliseconds and share of the step, the time outside the kernels, and
// the rate the step's GEMMs ran at. Last, the step's GEMM floor: every GEMM shape the step
// called, timed alone on warm buffers (best of 5) both ways this machine can run it, split
// over TBB threads as xgan does and straight into OpenBLAS with its own threads, the faster
// way counted once per call. No implementation of the step beats the floor without a faster
// GEMM or fewer FLOPs; step / floor says how far the rest of the step is from it.
//
//   kernel_shares [--steps N] [--json FILE] [model...]
//       models: mlp mlp-small dcgan dcgan64 wgan-gp64 cgan (default all)
//       --json FILE  also writes each model's step, floor and GEMM figures there (compare.sh
//                    reads the floors of the convolutional models from it)
//       --shapes     also prints each GEMM shape's calls per step, its time alone both ways
//                    and the better way's rate
//
// A step is what `xgan train` runs per generator update: critic_steps discriminator updates
// (each on its own real batch) and one generator update, at the model's default batch size,
// on random data in [-1, 1]. Timing every call adds two clock reads to each kernel (tens of
// nanoseconds), so the step is a little slower than bench_gan_step's.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <xgan/backend/profiled.hpp>
#include <xgan/xgan.hpp>

#include <xgan/models/tutorials.hpp>

#include "model_options.hpp"

namespace {

using Profiled = xgan::backend::ProfiledBackend<xgan::Cpu>;

constexpr std::uint64_t seed = 20240601;

// Best of 5 (after one warm-up) wall-clock seconds of run().
template <class Run>
double best_seconds(Run run) {
    run();
    double best = 1e300;
    for (int i = 0; i < 5; ++i) {
        const auto start = std::chrono::steady_clock::now();
        run();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
}

// Seconds of one call of each GEMM shape alone: xgan's way (backend/cpu/gemm.hpp) and
// OpenBLAS's own threads; the faster, summed over the calls.
struct Floor {
    double xgan_way = 0, best = 0;
};
Floor gemm_floor(const std::vector<xgan::backend::KernelProfile::Gemm>& gemms, int steps, bool print_shapes) {
    using xgan::backend::Trans;
    Floor f;
    if (print_shapes)
        std::printf("  %-34s %9s %10s %10s %8s\n", "GEMM shape (ta tb m n k, +=)", "calls/step", "ms xgan", "ms OpenBLAS",
                    "GFLOP/s");
    for (const auto& g : gemms) {
        const std::size_t a_rows = g.ta == Trans::no ? std::size_t(g.m) : std::size_t(g.k);
        const std::size_t b_rows = g.tb == Trans::no ? std::size_t(g.k) : std::size_t(g.n);
        std::vector<float> a(a_rows * std::size_t(g.lda), 0.5f), b(b_rows * std::size_t(g.ldb), 0.25f),
            c(std::size_t(g.m) * std::size_t(g.ldc), 0.0f);
        const float beta = g.accumulates ? 1.0f : 0.0f;
        auto call = [&] { xgan::Cpu::gemm(g.ta, g.tb, g.m, g.n, g.k, 1.0f, a.data(), g.lda, b.data(), g.ldb, beta, c.data(), g.ldc); };
        const double ours = best_seconds(call);
        openblas_set_num_threads(int(std::thread::hardware_concurrency()));
        const double theirs = best_seconds([&] {
            cblas_sgemm(CblasRowMajor, g.ta == Trans::yes ? CblasTrans : CblasNoTrans, g.tb == Trans::yes ? CblasTrans : CblasNoTrans,
                        g.m, g.n, g.k, 1.0f, a.data(), g.lda, b.data(), g.ldb, beta, c.data(), g.ldc);
        });
        openblas_set_num_threads(1);  // as xgan's GEMM keeps it
        const double per_step = double(g.calls) / steps;
        f.xgan_way += per_step * ours;
        f.best += per_step * std::min(ours, theirs);
        if (print_shapes) {
            char shape[64];
            std::snprintf(shape, sizeof shape, "%c%c %d %d %d%s", g.ta == Trans::yes ? 'T' : 'N', g.tb == Trans::yes ? 'T' : 'N',
                          g.m, g.n, g.k, g.accumulates ? " +=" : "");
            std::printf("  %-34s %9.1f %10.3f %10.3f %8.1f\n", shape, per_step, ours * 1e3, theirs * 1e3,
                        2.0 * g.m * double(g.n) * g.k * 1e-9 / std::min(ours, theirs));
        }
    }
    return f;
}

// One model's figures, per step.
struct Summary {
    double step_ms = 0, gemm_gflop = 0, gemm_ms = 0, floor_ms = 0, floor_xgan_way_ms = 0;
};

// Runs warm-up steps, then `steps` profiled ones; prints the table.
template <class M>
Summary profile_model(int steps, bool print_shapes) {
    using gan = xgan::with_backend_t<typename M::gan, Profiled>;
    const auto d = M::defaults();
    xgan::GanTrainer<gan> trainer(model_options<M>(), seed);

    const std::size_t n = std::size_t(d.batch_size);
    const int critic_steps = std::max(1, d.critic_steps);
    std::vector<xgan::Tensor<typename gan::sample_shape, Profiled>> real(static_cast<std::size_t>(critic_steps));
    xgan::Rng data_rng(seed + 1);
    for (auto& r : real) {
        r.resize(n);
        std::vector<float> host(r.size());
        data_rng.fill_uniform(host.data(), host.size(), -1.0, 1.0);
        Profiled::copy_from_host(host.data(), host.size(), r.data());
    }
    std::vector<std::int32_t> labels(n);
    for (std::size_t i = 0; i < n; ++i) labels[i] = std::int32_t(i % 10);
    const auto label_span = gan::classes > 0 ? typename xgan::GanTrainer<gan>::Labels(labels) : typename xgan::GanTrainer<gan>::Labels{};

    auto step = [&] {
        if (critic_steps == 1) {
            trainer.train_step(real[0], label_span);
            return;
        }
        for (const auto& r : real) trainer.discriminator_step(r, label_span);
        trainer.generator_step(true, n);
    };
    for (int i = 0; i < 2; ++i) step();  // buffers sized, pages touched
    auto& profile = xgan::backend::kernel_profile();
    profile.clear();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) step();
    const double step_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / steps;

    std::vector<xgan::backend::KernelProfile::Kernel> kernels = profile.kernels();
    std::sort(kernels.begin(), kernels.end(), [](const auto& a, const auto& b) { return a.seconds > b.seconds; });
    std::printf("\n%s: batch %zu, %d critic step(s) per step, %.1f ms per step (mean of %d)\n", M::name, n, critic_steps,
                step_ms, steps);
    std::printf("  %-28s %10s %10s %7s\n", "kernel", "calls/step", "ms/step", "share");
    double gemm_flops = 0, gemm_ms = 0;
    for (const auto& k : kernels) {
        const double ms = k.seconds * 1e3 / steps;
        std::printf("  %-28s %10.1f %10.2f %6.1f%%\n", k.name, double(k.calls) / steps, ms, 100.0 * ms / step_ms);
        if (k.flops > 0) gemm_flops += k.flops / steps, gemm_ms += ms;
    }
    const double outside = step_ms - profile.total_seconds() * 1e3 / steps;
    std::printf("  %-28s %10s %10.2f %6.1f%%\n", "(outside the kernels)", "", outside, 100.0 * outside / step_ms);
    Summary summary{step_ms, gemm_flops * 1e-9, gemm_ms};
    if (gemm_ms == 0) return summary;
    const auto gemms = profile.gemms();
    const Floor floor = gemm_floor(gemms, steps, print_shapes);
    std::printf("  GEMMs: %.2f GFLOP per step, %zu shapes, at %.1f GFLOP/s in the step\n", gemm_flops * 1e-9, gemms.size(),
                gemm_flops * 1e-9 / (gemm_ms * 1e-3));
    std::printf("  the same GEMMs alone: %.1f ms xgan's way (%.1f GFLOP/s); floor %.1f ms (%.1f GFLOP/s)\n",
                floor.xgan_way * 1e3, gemm_flops * 1e-9 / floor.xgan_way, floor.best * 1e3, gemm_flops * 1e-9 / floor.best);
    std::printf("  step / floor: %.2f\n", step_ms / (floor.best * 1e3));
    summary.floor_ms = floor.best * 1e3;
    summary.floor_xgan_way_ms = floor.xgan_way * 1e3;
    return summary;
}

const std::map<std::string, std::function<Summary(int, bool)>>& models() {
    static const std::map<std::string, std::function<Summary(int, bool)>> m{
        {"mlp", profile_model<xgan::models::Mlp>},
        {"mlp-small", profile_model<xgan::models::MlpSmall>},
        {"dcgan", profile_model<xgan::models::Dcgan>},
        {"dcgan64", profile_model<xgan::models::Dcgan64>},
        {"wgan-gp64", profile_model<xgan::models::WganGp64>},
        {"cgan", profile_model<xgan::models::Cgan>},
    };
    return m;
}

void write_json(const char* path, const std::vector<std::pair<std::string, Summary>>& results) {
    std::FILE* f = std::fopen(path, "w");
    if (!f) {
        std::fprintf(stderr, "kernel_shares: cannot write %s\n", path);
        std::exit(1);
    }
    std::fprintf(f, "{\"models\": {");
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& [name, s] = results[i];
        std::fprintf(f,
                     "%s\n  \"%s\": {\"step_ms\": %.4f, \"gemm_gflop\": %.6f, \"gemm_ms\": %.4f, \"floor_ms\": %.4f, "
                     "\"floor_xgan_way_ms\": %.4f}",
                     i ? "," : "", name.c_str(), s.step_ms, s.gemm_gflop, s.gemm_ms, s.floor_ms, s.floor_xgan_way_ms);
    }
    std::fprintf(f, "\n}}\n");
    if (std::fclose(f) != 0) {
        std::fprintf(stderr, "kernel_shares: cannot write %s\n", path);
        std::exit(1);
    }
}

}  // namespace

int main(int argc, char** argv) {
    xgan::backend::tune_process(argv);  // may re-exec with OPENBLAS_CORETYPE and malloc settings
    const char* usage =
        "usage: kernel_shares [--steps N] [--json FILE] [--shapes] [model...]\n"
        "models: mlp mlp-small dcgan dcgan64 wgan-gp64 cgan (default: all)\n";
    int steps = 5;
    const char* json = nullptr;
    bool shapes = false;
    std::vector<std::string> chosen;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--steps" && i + 1 < argc) {
            steps = std::atoi(argv[++i]);
            if (steps < 1) {
                std::fprintf(stderr, "kernel_shares: --steps takes a positive count\n");
                return 2;
            }
        } else if (a == "--json" && i + 1 < argc) {
            json = argv[++i];
        } else if (a == "--shapes") {
            shapes = true;
        } else if (a == "--help" || a == "-h") {
            std::printf("%s", usage);
            return 0;
        } else if (models().count(a)) {
            chosen.push_back(a);
        } else {
            std::fprintf(stderr, "kernel_shares: unknown argument '%s' (--help lists the models)\n", a.c_str());
            return 2;
        }
    }
    if (chosen.empty())
        for (const auto& [name, run] : models()) chosen.push_back(name);
    std::vector<std::pair<std::string, Summary>> results;
    for (const auto& name : chosen) results.emplace_back(name, models().at(name)(steps, shapes));
    if (json) write_json(json, results);
    return 0;
}
