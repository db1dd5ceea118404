#pragma once
// The models a command-line program trains (xgan::cli::main<M...>): each is a type with
//   name, description       what --model takes and `summary` prints
//   gan                     a Gan or ConditionalGan type
//   defaults()              its TrainingDefaults
// and optionally `family` (the --model value under which it is one --objective of a shared
// architecture), `channels_family` (the --model value under which --channels picks it) and
// `spectral_norm_of` (the model it is with spectral norm on D: what --spectral-norm picks).
// Model<"name", MyGan, my_defaults> makes such a type from a GAN type in one line; the
// tutorial models (xgan/models/tutorials.hpp) are written out. ModelTable answers what the
// program's checks and --help texts need to know of its models.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "xgan/core/error.hpp"
#include "xgan/train/defaults.hpp"

namespace xgan::cli {

// A string literal as a template argument: Model<"mygan", ...>.
template <std::size_t N>
struct FixedString {
    char value[N];
    constexpr FixedString(const char (&text)[N]) { std::copy(text, text + N, value); }
};

inline TrainingDefaults library_defaults() { return {}; }

// A model entry from a GAN type: Model<"mygan", MyGan> trains MyGan with TrainingDefaults{};
// Model<"mygan", MyGan, my_defaults, "what it is"> with the settings my_defaults() returns.
template <FixedString Name, class GanT, TrainingDefaults (*Defaults)() = library_defaults, FixedString Description = "">
struct Model {
    static constexpr const char* name = Name.value;
    static constexpr const char* description = Description.value;
    using gan = GanT;
    static TrainingDefaults defaults() { return Defaults(); }
};

// The architecture an entry shares with its objective variants; its own name when it has none.
template <class M>
constexpr const char* family_of() {
    if constexpr (requires { M::family; }) return M::family;
    else return M::name;
}
template <class M>
constexpr const char* objective_of() { return M::gan::objective::name; }

// The entry whose name, with --channels, picks among the entries of its channels_family ("":
// none; dcgan64 for dcgan64 and dcgan64-gray).
template <class M>
constexpr const char* channels_family_of() {
    if constexpr (requires { M::channels_family; }) return M::channels_family;
    else return "";
}

// The model an entry is with spectral norm on D ("": none; dcgan for dcgan-sn).
template <class M>
constexpr const char* spectral_norm_of() {
    if constexpr (requires { M::spectral_norm_of; }) return M::spectral_norm_of;
    else return "";
}

// What the checks and --help texts need to know of one model.
struct ModelEntry {
    std::string name, family, objective;
    std::string channels_family;
    std::string spectral_norm_of;  // the model this one is with spectral norm on D ("": none)
    TrainingDefaults defaults;
    std::int64_t channels = 1;  // of the samples
    std::size_t classes = 0;    // conditional models: the labels they take (0: unconditional)
    bool uses_targets = true;   // the objective reads the targets (label smoothing, noise, flipping act)
};
template <class M>
ModelEntry model_entry() {
    return {M::name,
            family_of<M>(),
            objective_of<M>(),
            channels_family_of<M>(),
            spectral_norm_of<M>(),
            M::defaults(),
            std::int64_t(M::gan::sample_shape::dims[0]),
            M::gan::classes,
            M::gan::objective::uses_targets};
}

inline std::string join_names(const std::vector<std::string>& names, const char* sep = ", ") {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : sep) + n;
    return s;
}
inline std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// Calls f(M{}) for the model of M... called `name` and returns its result; an Error listing
// the models when there is none.
template <class... M, class F>
int with_model(const std::string& name, F&& f) {
    int rc = 2;
    const bool found = ((name == M::name ? (rc = f(M{}), true) : false) || ...);
    if (!found) throw Error("unknown model '" + name + "'; valid models: " + join_names({M::name...}));
    return rc;
}

// A program's models, as entries.
class ModelTable {
public:
    template <class... M>
    static ModelTable of() {
        ModelTable t;
        t.entries_ = {model_entry<M>()...};
        return t;
    }

    const std::vector<ModelEntry>& entries() const { return entries_; }
    std::vector<std::string> names() const {
        std::vector<std::string> v;
        for (const auto& e : entries_) v.push_back(e.name);
        return v;
    }
    const ModelEntry* find(const std::string& name) const {
        for (const auto& e : entries_)
            if (e.name == name) return &e;
        return nullptr;
    }

    // The models for which pred(entry) holds, e.g. "cgan, cgan-embed, cgan64, cwgan-gp".
    template <class Pred>
    std::string where(Pred pred) const {
        std::vector<std::string> names;
        for (const auto& e : entries_)
            if (pred(e)) names.push_back(e.name);
        return names.empty() ? "none" : join_names(names);
    }

    // A setting's default per model, for --help: "the model's: 10; 25 for dcgan64, ...; 5 for
    // dcgan32" (the most common value first, then the others, most models first, each with its
    // models in the table's order), or "0.5 for every model".
    template <class F>
    std::string per_model(F value_of) const {
        std::vector<std::pair<std::string, std::vector<std::string>>> groups;
        for (const auto& e : entries_) {
            const std::string v = value_of(e);
            auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == v; });
            if (it == groups.end()) groups.push_back({v, {e.name}});
            else it->second.push_back(e.name);
        }
        std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
        if (groups.size() == 1) return groups[0].first + (entries_.size() == 1 ? "" : " for every model");
        std::string s = "the model's: " + groups[0].first;
        for (std::size_t i = 1; i < groups.size(); ++i) s += "; " + groups[i].first + " for " + join_names(groups[i].second);
        return s;
    }

    // The entry `model` names with --channels `channels` (0: the model's own): `model` itself
    // when its samples have that many channels; the entry of its channels_family with them when
    // `model` names that family (dcgan64 --channels 1: dcgan64-gray); otherwise an Error.
    std::string with_channels(const std::string& model, std::int64_t channels) const {
        const ModelEntry* m = find(model);
        if (channels == 0 || !m || m->channels == channels) return model;
        std::string sibling;
        for (const auto& e : entries_)
            if (!m->channels_family.empty() && e.channels_family == m->channels_family && e.channels == channels) sibling = e.name;
        if (!sibling.empty() && m->channels_family == m->name) return sibling;
        std::string msg = "--channels " + std::to_string(channels) + ": model " + model + " makes " +
                          std::to_string(m->channels) + "-channel samples only";
        if (!sibling.empty()) throw Error(msg + " (" + std::to_string(channels) + " channels: --model " + sibling + ")");
        const std::string choosers = where([](const ModelEntry& e) { return !e.channels_family.empty() && e.channels_family == e.name; });
        throw Error(msg + (choosers == "none" ? std::string() : "; --channels chooses 1 or 3 for " + choosers + " only"));
    }

    // The entry that is `model` with spectral norm on D (--spectral-norm), or an Error naming those there are.
    std::string with_spectral_norm(const std::string& model) const {
        for (const auto& e : entries_)
            if (e.spectral_norm_of == model) return e.name;
        throw Error("--spectral-norm: model " + model + " has no variant with spectral norm on D; the models with one: " +
                    with_spectral_norm_variant());
    }
    // The models --spectral-norm takes: "mlp, dcgan" ("none").
    std::string with_spectral_norm_variant() const {
        std::vector<std::string> names;
        for (const auto& e : entries_)
            if (!e.spectral_norm_of.empty()) names.push_back(e.spectral_norm_of);
        return names.empty() ? "none" : join_names(names);
    }

    // The entry that trains `model` (a name or a family) with `objective` ("" keeps the model's own).
    std::string with_objective(const std::string& model, const std::string& objective) const {
        if (objective.empty()) return model;
        std::string family = model, offered;
        for (const auto& e : entries_)
            if (e.name == model) family = e.family;
        for (const auto& e : entries_) {
            if (e.name == model && e.objective == objective) return e.name;
            if (e.family == family && e.objective == objective) return e.name;
            if (e.family == family) offered += (offered.empty() ? "" : ", ") + e.objective;
        }
        throw Error("model " + model + " has no --objective " + objective + "; it trains with: " + offered);
    }

    // Every objective some entry trains with, once each.
    std::vector<std::string> objective_names() const {
        std::vector<std::string> names;
        for (const auto& e : entries_)
            if (std::find(names.begin(), names.end(), e.objective) == names.end()) names.push_back(e.objective);
        return names;
    }

    // "dcgan: bce, bce-logits, ...": each family with several objectives, for --help ("" if none).
    std::string objectives_by_family() const {
        std::vector<std::pair<std::string, std::string>> families;
        for (const auto& e : entries_) {
            auto it = std::find_if(families.begin(), families.end(), [&](const auto& f) { return f.first == e.family; });
            if (it == families.end()) families.emplace_back(e.family, e.objective);
            else it->second += ", " + e.objective;
        }
        std::string s;
        for (const auto& [family, objectives] : families)
            if (objectives.find(',') != std::string::npos) s += (s.empty() ? "" : "; ") + family + ": " + objectives;
        return s;
    }

private:
    std::vector<ModelEntry> entries_;
};

}  // namespace xgan::cli
