#pragma once
// Recipes: `xgan train --recipe NAME` trains a tutorial listing as the tutorial wrote it, its
// unstable settings included (the models' own defaults are the settings that work). Each
// recipe names the built-in model whose layers match the listing's and every training setting
// the listing fixes; `xgan recipes` prints recipes_table(). The listings without a recipe, and
// why, are listed above recipes().
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xgan/cli/run_options.hpp"
#include "xgan/core/error.hpp"

namespace xgan::cli {

// The training settings a listing fixes. Unset (std::nullopt, ""): the listing does not say,
// so the model's default (or what the command line gives) stays. (Every member has an
// initializer, so that recipes name only what they set: {.lr = 2e-4, ...}.)
struct RecipeSettings {
    std::optional<std::int64_t> epochs{}, batch_size{};
    std::optional<double> lr{}, beta1{}, beta2{};  // Adam for both networks
    std::string optimizer{};                       // both networks' ("": the listing does not say)
    std::optional<double> rmsprop_alpha{};         // rmsprop's smoothing (Keras' rho)
    double noisy_labels = 0;        // 0: hard targets 1 and 0; w: real ~ U(1-w, 1), fake ~ U(0, w)
    std::string init = "pytorch";   // pytorch: no weights_init in the listing
    bool fresh_noise = false;       // G's update draws new z (the listing calls G again)
    bool halve_d_loss = false;      // D's loss is (real + fake) / 2
    std::int64_t g_steps = 1, critic_steps = 1;
    double clip = 0;                // D's weights clamped to [-clip, clip] (original WGAN)
};

struct Recipe {
    std::string name;    // --recipe NAME
    std::string model;   // the built-in model (xgan::models::Tutorials) the listing builds
    std::string source;  // which listing, and its settings in a few words
    std::string expect;  // what training does, and who says so: the tutorial, or our run of the recipe
    std::string data;    // --data; "": an image folder the user names (--data folder:PATH)
    RecipeSettings settings;
};

// One recipe per reproducible listing of the tutorials in shared/seeds/, in seed order. Left out:
//  - seed 001's Keras MLP: SELU layers and a sigmoid output on [0, 1] images (a model to come);
//  - seed 002's PGGAN: a pretrained torch.hub model, nothing is trained;
//  - seed 003's WGAN-GP critic: a critic alone (with BatchNorm), no generator, penalty or loop;
//  - seed 004's Keras DCGAN (its targets 1 + 0.1 U and -0.1 U leave [0, 1]; its PyTorch port is
//    seed4-dcgan), its WGAN-GP (the critic, critic steps and penalty weight are not in the
//    listing) and its 64x64 conditional WGAN-GP on CelebA (only an outline; a model to come).
inline const std::vector<Recipe>& recipes() {
    // Listing 1 of seed 003 trains both of its networks the same way.
    const RecipeSettings seed3_loop{.epochs = 50, .batch_size = 64, .lr = 2e-4, .beta1 = 0.9, .beta2 = 0.999, .optimizer = "adam"};
    static const std::vector<Recipe> all = {
        // G's step reuses D's fake batch; lossD = (lossDreal + lossDfake) / 2.
        {.name = "seed0-mlp",
         .model = "mlp-tiny",
         .source = "seed 000 (Baeldung): MLP 128-512-784 on MNIST, LeakyReLU(0.01), Adam 3e-4 betas (0.9, 0.999), "
                   "batch 32, 100 epochs, D loss halved",
         .expect = "the tutorial shows a sample grid, no loss log; our run (seed 1) collapses in epoch 1, then "
                   "recovers: noisy digits of all 10 classes by epoch 8",
         .data = "mnist",
         .settings = {.epochs = 100, .batch_size = 32, .lr = 3e-4, .beta1 = 0.9, .beta2 = 0.999, .optimizer = "adam",
                      .halve_d_loss = true}},
        // The PyTorch listing (the other two are Keras); G's step draws its own z.
        {.name = "seed1-mlp",
         .model = "mlp-small",
         .source = "seed 001, PyTorch listing: MLP 64-256-256-784 on MNIST, Adam 0.002 betas (0.9, 0.999), batch 100, "
                   "200 epochs, G draws fresh z",
         .expect = "D wins at once: the tutorial's log shows d_loss 0.0000, g_loss ~65, D(x) 1.00, D(G(z)) 0.00 from "
                   "step 200 to epoch 184; in our run (seed 1) from step 300, samples of one digit",
         .data = "mnist",
         .settings = {.epochs = 200, .batch_size = 100, .lr = 0.002, .beta1 = 0.9, .beta2 = 0.999, .optimizer = "adam",
                      .fresh_noise = true}},
        // Keras: RMSprop's defaults (lr 1e-3, rho 0.9); D's train_on_batch on [fake; real] is the
        // mean over both halves (D loss halved); G's train_on_batch draws new noise.
        {.name = "seed1-dcgan",
         .model = "dcgan-keras",
         .source = "seed 001, Keras DCGAN listing: 28x28 on MNIST scaled to [-1, 1], RMSprop lr 1e-3 rho 0.9 (the "
                   "listing's compile), batch 32, 50 epochs, D loss the mean over fake and real, G draws fresh z",
         .expect = "the book shows its samples only as pictures; not yet run to the end here (50 epochs of 1,875 steps)",
         .data = "mnist",
         .settings = {.epochs = 50, .batch_size = 32, .lr = 1e-3, .optimizer = "rmsprop", .rmsprop_alpha = 0.9,
                      .fresh_noise = true, .halve_d_loss = true}},
        // optim.Adam()'s defaults. Its weights_init draws Conv/ConvTranspose weights ~ N(0, 0.02) and
        // BatchNorm's ~ N(1, 0.02) but leaves the two Linear layers and the conv biases at PyTorch's
        // init; --init dcgan also sets those (N(0, 0.02), biases 0): the nearest init xgan has.
        {.name = "seed2-dcgan",
         .model = "dcgan",
         .source = "seed 002 (PyTorch recipe book): DCGAN 28x28 on MNIST, LeakyReLU(0.01), Adam defaults 1e-3 betas "
                   "(0.9, 0.999), batch 128, 50 epochs, DCGAN init",
         .expect = "trains: the tutorial's log of epochs 1-5 has G loss 1.1-7.2, D loss 0.008-1.4 and its figures show "
                   "digits; our run (seed 1) makes rough digits of 9 classes after epoch 1",
         .data = "mnist",
         .settings = {.epochs = 50, .batch_size = 128, .lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .optimizer = "adam",
                      .init = "dcgan"}},
        // D's real and fake losses are backpropagated in turn: summed, not halved.
        {.name = "seed3-mlp",
         .model = "mlp",
         .source = "seed 003, listing 1: MLP 100-256-512-1024-784 on MNIST, Adam 2e-4 betas (0.9, 0.999), batch 64, "
                   "50 epochs",
         .expect = "the tutorial says it learns MNIST-like digits (no log or samples); our run (seed 1) collapses in "
                   "epoch 1 and still makes a few noisy shapes at epoch 10",
         .data = "mnist",
         .settings = seed3_loop},
        // Listing 2 gives only the networks, for listing 1's loop. As printed they cannot run it:
        // D's last 4x4 conv needs 32x32 images and G a 100x1x1 z, so MNIST is resized to 32x32
        // and z drawn as 100x1x1, as dcgan32 does.
        {.name = "seed3-dcgan",
         .model = "dcgan32",
         .source = "seed 003, listing 2 with listing 1's loop: DCGAN 32x32 without biases on MNIST resized, "
                   "Adam 2e-4 betas (0.9, 0.999), batch 64, 50 epochs",
         .expect = "unknown: the tutorial shows no result for it",
         .data = "mnist",
         .settings = seed3_loop},
        // The PyTorch port of the book's Keras DCGAN: real targets 1 - 0.1 U, fake 0.1 U; G's step
        // calls the whole model again, so new z. Its optimizers and epochs are arguments the
        // listing never fills in, so the model's stay.
        {.name = "seed4-dcgan",
         .model = "dcgan64-lego",
         .source = "seed 004, PyTorch port: DCGAN 64x64 grayscale on Lego bricks, BatchNorm momentum 0.9, noisy "
                   "labels 0.1, D loss halved, G draws fresh z, batch 128; optimizer and epochs not given (the model's)",
         .expect = "unknown: the tutorial shows its results only as pictures, not in the text",
         .data = "",
         .settings = {.batch_size = 128, .noisy_labels = 0.1, .fresh_noise = true, .halve_d_loss = true}},
    };
    return all;
}

// The recipe called `name`; an Error listing the recipes when there is none.
inline const Recipe& find_recipe(const std::string& name) {
    for (const Recipe& r : recipes())
        if (r.name == name) return r;
    std::string names;
    for (const Recipe& r : recipes()) names += (names.empty() ? "" : ", ") + r.name;
    throw Error("unknown recipe '" + name + "'; valid recipes: " + names + " (`xgan recipes` says what each is)");
}

// `o` with the recipe's model and every setting it fixes. Apply it to RunOptions{} and then the
// command line's own options, so that what the user types still wins.
inline RunOptions apply_recipe(const Recipe& r, RunOptions o) {
    const RecipeSettings& s = r.settings;
    o.model = r.model;
    o.objective.clear();  // the model's own: the recipe names the exact entry
    if (!r.data.empty()) o.data = r.data;
    if (s.epochs) o.epochs = s.epochs;
    if (s.batch_size) o.batch_size = s.batch_size;
    if (s.lr) o.lr = s.lr;
    if (s.beta1) o.beta1 = s.beta1;
    if (s.beta2) o.beta2 = s.beta2;
    if (!s.optimizer.empty()) o.optimizer_g = o.optimizer_d = s.optimizer;
    if (s.rmsprop_alpha) o.rmsprop_alpha = s.rmsprop_alpha;
    o.noisy_labels = s.noisy_labels;
    o.init = s.init;
    o.fresh_noise = s.fresh_noise;
    o.halve_d_loss = s.halve_d_loss;
    o.g_steps = s.g_steps;
    o.critic_steps = s.critic_steps;
    o.clip = s.clip;
    o.replay = o.ema = 0.0;  // no listing has the stabilisers some models default to
    return o;
}

// A recipe whose listing reads an image folder needs the user to name one.
inline void check_recipe_data(const Recipe& r, const RunOptions& o) {
    if (r.data.empty() && o.data.rfind("folder:", 0) != 0)
        throw Error("recipe " + r.name + " trains on its tutorial's images (" + r.source +
                    "): give a folder of them with --data folder:PATH");
}

// What `xgan recipes` prints: one line per recipe, its name, model, source and what to expect.
inline std::string recipes_table() {
    std::size_t name_width = 0, model_width = 0;
    for (const Recipe& r : recipes()) {
        name_width = std::max(name_width, r.name.size());
        model_width = std::max(model_width, r.model.size());
    }
    std::string table;
    for (const Recipe& r : recipes()) {
        table += r.name + std::string(name_width + 2 - r.name.size(), ' ');
        table += r.model + std::string(model_width + 2 - r.model.size(), ' ');
        table += r.source + (r.data.empty() ? " (--data folder:PATH)" : "") + ". Expect: " + r.expect + "\n";
    }
    return table;
}

}  // namespace xgan::cli
