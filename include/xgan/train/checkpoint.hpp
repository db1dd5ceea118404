#pragma once
// Checkpoints of a whole training run, for exact resumption: N steps, a checkpoint, a resume
// and M more steps give bit-identical weights to N + M uninterrupted steps.
//
// DIR/checkpoints/step_NNNNNNN/ holds
//   generator.safetensors, discriminator.safetensors   weights (PyTorch state_dict names)
//   generator_ema.safetensors                           the average of G's weights (GanOptions::ema)
//   optimizers.safetensors                              both optimizers' state (flat; Adam: exp_avg,
//                                                       exp_avg_sq) and step counts
//   state.safetensors                                   random streams (trainer, loader, layers),
//                                                       loader position and order, fixed noise,
//                                                       step, experience replay's stored fakes;
//                                                       metadata: config and type signatures
// A checkpoint is written into a hidden .partial folder and renamed into place only when
// complete, so a crash or a full disk never leaves a broken checkpoint; pruning renames a
// folder to a hidden .pruning name before deleting it, so a kill mid-deletion never leaves a
// half-deleted step_ folder. Checkpoints are ordered by the step in their name (step_ and
// digits; other names, hidden ones included, are not checkpoints), and a resume
// (load_latest_checkpoint) falls back to an older checkpoint when the newest does not load.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "xgan/backend/host_copy.hpp"
#include "xgan/core/error.hpp"
#include "xgan/data/loader.hpp"
#include "xgan/gan/trainer.hpp"
#include "xgan/io/safetensors.hpp"
#include "xgan/io/weights.hpp"
#include "xgan/nn/signature.hpp"

namespace xgan::train {

namespace fs = std::filesystem;
using io::load_weights;
using io::read_safetensors;
using io::save_weights;
using io::SafetensorsEntry;
using io::SafetensorsFile;
using io::TensorView;
using io::write_safetensors;

namespace detail {

inline std::vector<std::int64_t> as_i64(const Rng::State& s) {
    std::vector<std::int64_t> out(4);
    std::memcpy(out.data(), s.data(), sizeof(Rng::State));
    return out;
}

inline const SafetensorsEntry& require(const SafetensorsFile& f, const fs::path& file, const std::string& name, DType dtype,
                                       std::size_t numel) {
    const SafetensorsEntry* e = f.find(name);
    if (!e) throw FileError(file, "checkpoint entry '" + name + "' is missing");
    if (e->dtype != dtype || e->numel() != numel)
        throw FileError(file, "checkpoint entry '" + name + "' has " + std::to_string(e->numel()) + " " +
                                  dtype_name(e->dtype) + " values, expected " + std::to_string(numel) + " " + dtype_name(dtype) +
                                  " (was the checkpoint made with another model, or with other training images?)");
    return *e;
}

// F32 values must be finite; the error names the entry and the first bad value.
inline void require_finite(const SafetensorsEntry& e, const fs::path& file, const std::string& name) {
    const std::size_t n = e.bytes.size() / sizeof(float);
    for (std::size_t i = 0; i < n; ++i) {
        float v;
        std::memcpy(&v, e.bytes.data() + i * sizeof(float), sizeof v);
        if (!std::isfinite(v))
            throw FileError(file, "checkpoint entry '" + name + "' holds " + std::to_string(v) + " at index " +
                                      std::to_string(i));
    }
}

template <class T>
void copy_out(const SafetensorsEntry& e, T* dst) {
    std::memcpy(dst, e.bytes.data(), e.bytes.size());
}

// The same into backend B's storage (which may be device memory), through a host copy.
template <class B>
void copy_out_to(const SafetensorsEntry& e, float* dst) {
    std::vector<float> host(e.bytes.size() / sizeof(float));
    copy_out(e, host.data());
    B::copy_from_host(static_cast<const float*>(host.data()), host.size(), dst);
}

inline std::string step_name(std::int64_t step) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "step_%07lld", static_cast<long long>(step));
    return buf;
}

}  // namespace detail

// Everything of a run's state that is not the trainer: the loader and the fixed noise.
template <class GanT>
struct RunState {
    GanTrainer<GanT>& trainer;
    data::BatchLoader& loader;
    Tensor<typename GanT::noise_shape, typename GanT::backend>& fixed_noise;
    int world_size = 1;  // the processes of a data-parallel run; a checkpoint resumes with as many
};

template <class GanT>
fs::path save_checkpoint(const fs::path& run_dir, RunState<GanT> s, const nlohmann::json& config) {
    const fs::path root = run_dir / "checkpoints";
    const std::string name = detail::step_name(s.trainer.steps());
    const fs::path partial = root / ("." + name + ".partial");
    const fs::path final_dir = root / name;
    std::error_code ec;
    fs::remove_all(partial, ec);
    fs::create_directories(partial, ec);
    if (ec) throw FileError(partial, "cannot create checkpoint folder: " + ec.message());
    try {
        save_weights(s.trainer.generator(), partial / "generator.safetensors");
        save_weights(s.trainer.discriminator(), partial / "discriminator.safetensors");
        if (auto* average = s.trainer.averaged_generator()) save_weights(*average, partial / "generator_ema.safetensors");

        auto& og = s.trainer.generator_optimizer();
        auto& od = s.trainer.discriminator_optimizer();
        const std::int64_t g_steps = og.steps(), d_steps = od.steps();
        using B = typename GanT::backend;
        std::vector<TensorView> opt_entries;
        std::list<std::vector<float>> staged;  // host copies of the backend's state (stable addresses)
        const auto add_state = [&](auto& optimizer, const std::string& net, const std::int64_t& steps) {
            optimizer.visit_state([&](std::string_view name, auto& v) {
                staged.push_back(backend::to_host<B>(v.data(), v.size()));
                opt_entries.push_back({net + "." + std::string(name), DType::F32, {std::int64_t(v.size())}, staged.back().data()});
            });
            opt_entries.push_back({net + ".step", DType::I64, {1}, &steps});
        };
        add_state(og, "generator", g_steps);
        add_state(od, "discriminator", d_steps);
        write_safetensors(partial / "optimizers.safetensors", opt_entries);

        std::vector<std::int64_t> rngs;
        s.trainer.visit_random_streams([&](Rng& r) {
            const auto v = detail::as_i64(r.state());
            rngs.insert(rngs.end(), v.begin(), v.end());
        });
        const auto loader_rng = detail::as_i64(s.loader.rng().state());
        std::vector<std::int64_t> order(s.loader.order().begin(), s.loader.order().end());
        const std::vector<std::int64_t> position = {std::int64_t(s.loader.epoch()), std::int64_t(s.loader.cursor()),
                                                    s.trainer.steps(), s.trainer.discriminator_steps()};
        std::vector<std::int64_t> noise_shape = {std::int64_t(s.fixed_noise.batch())};
        for (auto d : GanT::noise_shape::dims) noise_shape.push_back(std::int64_t(d));
        const std::vector<float> fixed_noise = backend::to_host<B>(s.fixed_noise.data(), s.fixed_noise.size());
        std::vector<TensorView> state = {{"random_streams", DType::I64, {std::int64_t(rngs.size())}, rngs.data()},
                                         {"loader.rng", DType::I64, {4}, loader_rng.data()},
                                         {"loader.order", DType::I64, {std::int64_t(order.size())}, order.data()},
                                         {"position", DType::I64, {4}, position.data()},
                                         {"fixed_noise", DType::F32, noise_shape, fixed_noise.data()}};
        if (const auto* replay = s.trainer.replay_buffer()) {
            std::vector<std::int64_t> shape = {std::int64_t(replay->size())};
            for (auto d : GanT::discriminator_input::dims) shape.push_back(std::int64_t(d));
            state.push_back({"replay.buffer", DType::F32, shape, replay->samples().data()});
        }
        write_safetensors(partial / "state.safetensors", state,
                          {{"xgan.config", config.dump()},
                           {"xgan.generator", type_signature<typename GanT::generator>()},
                           {"xgan.discriminator", type_signature<typename GanT::discriminator>()},
                           {"xgan.world_size", std::to_string(s.world_size)}});
        // A checkpoint of the same step (a resume that skipped it) goes as a pruned one does.
        const fs::path replaced = root / ("." + name + ".pruning");
        fs::remove_all(replaced, ec);
        fs::rename(final_dir, replaced, ec);
        fs::remove_all(replaced, ec);
        ec.clear();
        fs::rename(partial, final_dir, ec);
        if (ec) throw FileError(final_dir, "cannot move the finished checkpoint into place: " + ec.message());
    } catch (...) {
        fs::remove_all(partial, ec);
        throw;
    }
    return final_dir;
}

// Restores a checkpoint made by save_checkpoint into objects of the same types. Every file is
// checked before anything is changed where possible; a mismatch names the file and entry.
template <class GanT>
void load_checkpoint(const fs::path& dir, RunState<GanT> s) {
    const fs::path state_file = dir / "state.safetensors", opt_file = dir / "optimizers.safetensors";
    const SafetensorsFile state = read_safetensors(state_file);
    const SafetensorsFile opt = read_safetensors(opt_file);
    const auto sig = state.metadata.find("xgan.generator");
    if (sig != state.metadata.end() && sig->second != type_signature<typename GanT::generator>())
        throw MismatchError(state_file.string() + ": the checkpoint is of another model\n  the file holds:    " + sig->second +
                            "\n  the model is:      " + type_signature<typename GanT::generator>());
    // Checkpoints from before data-parallel training have no world size: one process.
    const auto world = state.metadata.find("xgan.world_size");
    const std::string saved_world = world == state.metadata.end() ? "1" : world->second;
    if (saved_world != std::to_string(s.world_size))
        throw MismatchError(state_file.string() + ": the checkpoint was made by a run of " + saved_world +
                            " processes and this run has " + std::to_string(s.world_size) +
                            "; resume it with as many (mpirun -np " + saved_world + ")");
    std::size_t streams = 0;
    s.trainer.visit_random_streams([&](Rng&) { ++streams; });
    const auto& rngs = detail::require(state, state_file, "random_streams", DType::I64, streams * 4);
    const auto& loader_rng = detail::require(state, state_file, "loader.rng", DType::I64, 4);
    const auto& order = detail::require(state, state_file, "loader.order", DType::I64, s.loader.order().size());
    const auto& position = detail::require(state, state_file, "position", DType::I64, 4);
    const auto& noise = detail::require(state, state_file, "fixed_noise", DType::F32, s.fixed_noise.size());
    auto& og = s.trainer.generator_optimizer();
    auto& od = s.trainer.discriminator_optimizer();
    // Every state buffer the configured optimizers keep (Adam: exp_avg, exp_avg_sq), found,
    // sized and finite before anything is restored.
    struct OptimizerState {
        const SafetensorsEntry* saved;
        float* into;
    };
    std::vector<OptimizerState> opt_state;
    const auto require_state = [&](auto& optimizer, const std::string& net) {
        optimizer.visit_state([&](std::string_view name, auto& v) {
            const std::string key = net + "." + std::string(name);
            if (!opt.find(key))
                throw FileError(opt_file, "checkpoint entry '" + key + "' is missing: the " + net + "'s optimizer is " +
                                              optim::kind_name(optimizer.options().kind) +
                                              "; was the checkpoint made with another optimizer?");
            const auto& saved = detail::require(opt, opt_file, key, DType::F32, v.size());
            detail::require_finite(saved, opt_file, key);
            opt_state.push_back({&saved, v.data()});
        });
    };
    require_state(og, "generator");
    require_state(od, "discriminator");
    const auto& gs = detail::require(opt, opt_file, "generator.step", DType::I64, 1);
    const auto& ds = detail::require(opt, opt_file, "discriminator.step", DType::I64, 1);

    // The counters and the loader's position, checked before anything is restored: a counter
    // near the int64 limit would overflow at the next step, an order that is not a
    // permutation would read outside the data set, a NaN would poison training.
    std::int64_t pos[4], t = 0;
    detail::copy_out(position, pos);
    std::vector<std::int64_t> ord(s.loader.order().size());
    detail::copy_out(order, ord.data());
    const auto check = [](const fs::path& file, const char* what, std::int64_t v, std::int64_t hi) {
        if (v < 0 || v > hi)
            throw FileError(file, std::string("checkpoint ") + what + " is " + std::to_string(v) + ", outside 0.." +
                                      std::to_string(hi));
    };
    constexpr std::int64_t max_count = std::int64_t(1) << 53;
    check(state_file, "epoch", pos[0], max_count);
    check(state_file, "loader cursor", pos[1], std::int64_t(ord.size()));
    check(state_file, "step", pos[2], max_count);
    check(state_file, "discriminator step", pos[3], max_count);
    detail::copy_out(gs, &t);
    check(opt_file, "generator.step", t, max_count);
    detail::copy_out(ds, &t);
    check(opt_file, "discriminator.step", t, max_count);
    if (!data::is_index_permutation(ord))
        throw FileError(state_file, "checkpoint loader.order is not a permutation of the " + std::to_string(ord.size()) +
                                        " image indices");
    detail::require_finite(noise, state_file, "fixed_noise");
    auto* replay = s.trainer.replay_buffer();
    const SafetensorsEntry* replayed = replay ? state.find("replay.buffer") : nullptr;
    if (replay) {
        if (!replayed)
            throw FileError(state_file, "checkpoint entry 'replay.buffer' is missing: this run uses experience replay; "
                                        "was the checkpoint made without it?");
        const std::size_t per_sample = GanT::discriminator_input::size;
        if (replayed->dtype != DType::F32 || replayed->numel() % per_sample != 0 ||
            replayed->numel() / per_sample > replay->capacity())
            throw FileError(state_file, "checkpoint entry 'replay.buffer' is not at most " + std::to_string(replay->capacity()) +
                                            " F32 samples of " + std::to_string(per_sample) + " values");
        detail::require_finite(*replayed, state_file, "replay.buffer");
    }

    // The average first: it is read and checked whole before it changes, like each network.
    if (auto* average = s.trainer.averaged_generator()) load_weights(*average, dir / "generator_ema.safetensors");
    load_weights(s.trainer.generator(), dir / "generator.safetensors");
    load_weights(s.trainer.discriminator(), dir / "discriminator.safetensors");
    for (const auto& st : opt_state) detail::copy_out_to<typename GanT::backend>(*st.saved, st.into);
    detail::copy_out(gs, &t);
    og.set_steps(t);
    detail::copy_out(ds, &t);
    od.set_steps(t);

    std::vector<std::int64_t> r(streams * 4);
    detail::copy_out(rngs, r.data());
    std::size_t k = 0;
    s.trainer.visit_random_streams([&](Rng& rng) {
        Rng::State st;
        std::memcpy(st.data(), r.data() + 4 * k++, sizeof st);
        rng.set_state(st);
    });
    Rng::State lr;
    detail::copy_out(loader_rng, lr.data());
    s.loader.restore(std::size_t(pos[0]), std::size_t(pos[1]), std::vector<std::size_t>(ord.begin(), ord.end()), lr);
    s.trainer.set_steps(pos[2]);
    s.trainer.set_discriminator_steps(pos[3]);
    detail::copy_out_to<typename GanT::backend>(noise, s.fixed_noise.data());
    if (replay) {
        std::vector<float> stored(replayed->numel());
        detail::copy_out(*replayed, stored.data());
        replay->restore(stored);
    }
}

// The step of a checkpoint folder named step_<digits>; none for any other name. Names are
// compared by this number: past step 9,999,999 they grow a digit and no longer sort by step.
inline std::optional<std::int64_t> checkpoint_step(const std::string& name) {
    const std::string digits = name.rfind("step_", 0) == 0 ? name.substr(5) : std::string();
    if (digits.empty() || digits.size() > 18) return std::nullopt;  // 18 digits cannot overflow
    std::int64_t step = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        step = step * 10 + (c - '0');
    }
    return step;
}

// A run's checkpoint folders, oldest step first.
inline std::vector<fs::path> list_checkpoints(const fs::path& run_dir) {
    std::vector<std::pair<std::int64_t, fs::path>> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(run_dir / "checkpoints", ec))
        if (const auto step = checkpoint_step(e.path().filename().string()); step && e.is_directory(ec))
            found.emplace_back(*step, e.path());
    std::sort(found.begin(), found.end());
    std::vector<fs::path> out;
    for (auto& f : found) out.push_back(std::move(f.second));
    return out;
}

// The newest checkpoint of a run, if any.
inline std::optional<fs::path> latest_checkpoint(const fs::path& run_dir) {
    auto all = list_checkpoints(run_dir);
    if (all.empty()) return std::nullopt;
    return all.back();
}

// Removes all but the newest `keep` checkpoints (keep 0: keep all). Each is renamed to a
// hidden .step_N.pruning folder first and then deleted, so a kill in between leaves no
// half-deleted checkpoint; such leftovers, and .partial folders of a killed save, are deleted
// at the start of the next prune (which runs after a save has finished).
inline void prune_checkpoints(const fs::path& run_dir, std::size_t keep) {
    const fs::path root = run_dir / "checkpoints";
    std::error_code ec;
    std::vector<fs::path> leftovers;
    for (const auto& e : fs::directory_iterator(root, ec)) {
        const std::string n = e.path().filename().string();
        const auto ends_with = [&](const std::string& tail) {
            return n.size() > tail.size() && n.compare(n.size() - tail.size(), tail.size(), tail) == 0;
        };
        if (n.front() == '.' && (ends_with(".pruning") || ends_with(".partial"))) leftovers.push_back(e.path());
    }
    for (const auto& p : leftovers) fs::remove_all(p, ec);
    if (keep == 0) return;
    const auto all = list_checkpoints(run_dir);
    for (std::size_t i = 0; i + keep < all.size(); ++i) {
        const std::string name = all[i].filename().string();
        const fs::path hidden = root / ("." + name + ".pruning");
        fs::remove_all(hidden, ec);
        fs::rename(all[i], hidden, ec);
        if (!ec) fs::remove_all(hidden, ec);
    }
}

// Where a resume continues: the checkpoint that loaded, and the newer ones skipped, each as
// "path: reason".
struct ResumePoint {
    fs::path checkpoint;
    std::vector<std::string> skipped;
};

// Loads the newest checkpoint of `run_dir` that loads. One that fails with a FileError (a
// file missing, truncated or corrupt, e.g. after a crash or a full disk) is skipped and the
// next older one tried; a successful load overwrites everything a failed one may have
// restored. Other errors (a checkpoint of another model) are thrown: the run's older
// checkpoints share them. Throws FileError naming the folder when no checkpoint loads.
template <class GanT>
ResumePoint load_latest_checkpoint(const fs::path& run_dir, RunState<GanT> s) {
    ResumePoint r;
    const auto all = list_checkpoints(run_dir);
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
        try {
            load_checkpoint<GanT>(*it, s);
            r.checkpoint = *it;
            return r;
        } catch (const FileError& e) {
            r.skipped.push_back(e.what());
        }
    }
    std::string msg = "no complete checkpoint to resume from";
    for (const auto& why : r.skipped) msg += "\n  skipped " + why;
    throw FileError(run_dir / "checkpoints", msg);
}

}  // namespace xgan::train
