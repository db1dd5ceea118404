// Recipes (cli/recipes.hpp): each names a tutorial model and settings the options accept, and
// the settings are the listings' own, checked here value by value for three of them.
#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <string>

#include "xgan/cli/model.hpp"
#include "xgan/cli/recipes.hpp"
#include "xgan/cli/train.hpp"
#include "xgan/models/tutorials.hpp"

using namespace xgan;

namespace {

template <class... M>
cli::ModelTable table_of(models::ModelList<M...>) {
    return cli::ModelTable::of<M...>();
}
const cli::ModelTable tutorials = table_of(models::Tutorials{});

std::string error_of(auto&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

cli::RunOptions recipe_options(const std::string& name) { return cli::apply_recipe(cli::find_recipe(name), {}); }

}  // namespace

TEST_CASE("every recipe trains a tutorial model with options that validate") {
    REQUIRE(!cli::recipes().empty());
    for (const cli::Recipe& r : cli::recipes()) {
        CAPTURE(r.name);
        const cli::ModelEntry* m = tutorials.find(r.model);
        REQUIRE(m != nullptr);
        CHECK(!r.source.empty());
        CHECK(!r.expect.empty());
        const cli::RunOptions o = cli::apply_recipe(r, {});
        CHECK(o.model == r.model);
        CHECK_NOTHROW(cli::validate(o));
        // What train's model checks would refuse: label noise on an objective without targets,
        // betas without an Adam.
        if (o.noisy_labels && *o.noisy_labels > 0) CHECK(m->uses_targets);
        if (o.beta1 || o.beta2) CHECK((o.optimizer_g == "adam" || o.optimizer_d == "adam"));
    }
}

TEST_CASE("recipe names are unique, short and lowercase") {
    std::set<std::string> names;
    for (const cli::Recipe& r : cli::recipes()) {
        CAPTURE(r.name);
        CHECK(names.insert(r.name).second);
        CHECK(r.name.size() <= 16);
        for (char c : r.name) CHECK(((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'));
    }
}

TEST_CASE("an unknown recipe's error lists the recipes") {
    const std::string e = error_of([] { cli::find_recipe("seed9-gan"); });
    CHECK(e.find("unknown recipe 'seed9-gan'") != std::string::npos);
    for (const cli::Recipe& r : cli::recipes()) CHECK(e.find(r.name) != std::string::npos);
    CHECK(&cli::find_recipe("seed1-mlp") == &cli::recipes()[1]);
}

TEST_CASE("seed1-mlp is seed 001's PyTorch listing") {
    // Adam(lr=0.002) with default betas, batch_size 100, num_epochs 200, d_loss = real + fake,
    // and G's step draws z = torch.randn(...) again.
    const cli::RunOptions o = recipe_options("seed1-mlp");
    CHECK(o.model == "mlp-small");
    CHECK(o.data == "mnist");
    CHECK(*o.epochs == 200);
    CHECK(*o.batch_size == 100);
    CHECK(*o.lr == 0.002);
    CHECK(*o.beta1 == 0.9);
    CHECK(*o.beta2 == 0.999);
    CHECK(o.optimizer_g == "adam");
    CHECK(o.optimizer_d == "adam");
    CHECK(*o.noisy_labels == 0);
    CHECK(o.init == "pytorch");
    CHECK(o.fresh_noise);
    CHECK(!o.halve_d_loss);
    CHECK(*o.g_steps == 1);
    CHECK(*o.critic_steps == 1);
    CHECK(o.clip == 0);
}

TEST_CASE("seed3-mlp keeps the listing's one G update per D update, where mlp's default takes two") {
    const cli::RunOptions o = recipe_options("seed3-mlp");
    CHECK(o.model == "mlp");
    CHECK(*o.g_steps == 1);
    CHECK(*o.beta1 == 0.9);
    CHECK(tutorials.find("mlp")->defaults.generator_steps == 2);
    // mlp-mbd and mlp-sn collapse with two (README, robust defaults): they keep one.
    CHECK(tutorials.find("mlp-mbd")->defaults.generator_steps == 1);
    CHECK(tutorials.find("mlp-sn")->defaults.generator_steps == 1);
    // What train does with an unset --g-steps: the model's default; a given one stays.
    CHECK(*cli::resolve<models::Mlp>(cli::RunOptions{}).g_steps == 2);
    cli::RunOptions given;
    given.g_steps = 1;
    CHECK(*cli::resolve<models::Mlp>(given).g_steps == 1);
    CHECK(*cli::resolve<models::Dcgan>(cli::RunOptions{}).g_steps == 1);
}

TEST_CASE("seed2-dcgan is seed 002's DCGAN with optim.Adam's defaults") {
    const cli::RunOptions o = recipe_options("seed2-dcgan");
    CHECK(o.model == "dcgan");
    CHECK(*o.epochs == 50);
    CHECK(*o.batch_size == 128);
    CHECK(*o.lr == 1e-3);
    CHECK(*o.beta1 == 0.9);
    CHECK(*o.beta2 == 0.999);
    CHECK(o.init == "dcgan");
    CHECK(!o.fresh_noise);  // G's step reuses fake_images
    CHECK(!o.halve_d_loss);  // derror_real + derror_fake
    // The model's own defaults stay the settings that work.
    CHECK(tutorials.find("dcgan")->defaults.lr == 2e-4);
    CHECK(tutorials.find("dcgan")->defaults.beta1 == 0.5);
}

TEST_CASE("seed4-dcgan is seed 004's PyTorch port and leaves what it does not say to the model") {
    const cli::Recipe& r = cli::find_recipe("seed4-dcgan");
    cli::RunOptions given;
    given.lr = 1e-4;
    given.epochs = 3;
    const cli::RunOptions o = cli::apply_recipe(r, given);
    CHECK(o.model == "dcgan64-lego");
    CHECK(*o.batch_size == 128);
    CHECK(*o.noisy_labels == 0.1);  // real 1 - 0.1 U, fake 0.1 U
    CHECK(o.halve_d_loss);          // (d_loss_real + d_loss_fake) / 2
    CHECK(o.fresh_noise);           // dcgan(real_images) again for G's step
    CHECK(o.init == "pytorch");
    CHECK(*o.lr == 1e-4);  // its optimizers and epochs are not in the listing
    CHECK(*o.epochs == 3);
    CHECK(!cli::apply_recipe(r, {}).beta1);
    const cli::ModelEntry* m = tutorials.find("dcgan64-lego");
    REQUIRE(m != nullptr);
    CHECK(m->channels == 1);  // transforms.Grayscale()

    // Its data is the tutorial's image folder, which the user must name.
    CHECK(error_of([&] { cli::check_recipe_data(r, o); }).find("--data folder:PATH") != std::string::npos);
    cli::RunOptions folder = o;
    folder.data = "folder:lego";
    CHECK_NOTHROW(cli::check_recipe_data(r, folder));
    CHECK_NOTHROW(cli::check_recipe_data(cli::find_recipe("seed0-mlp"), recipe_options("seed0-mlp")));
}

TEST_CASE("recipes_table has one line per recipe: name, model, source and expectation") {
    std::istringstream lines(cli::recipes_table());
    std::string line;
    for (const cli::Recipe& r : cli::recipes()) {
        REQUIRE(std::getline(lines, line));
        CAPTURE(line);
        CHECK(line.rfind(r.name + " ", 0) == 0);
        CHECK(line.find(" " + r.model + " ") != std::string::npos);
        CHECK(line.find(r.source) != std::string::npos);
        CHECK(line.find(r.expect) != std::string::npos);
    }
    CHECK(!std::getline(lines, line));
}

TEST_CASE("tutorial models: --objective and --channels pick the variants of a family") {
    CHECK(tutorials.with_objective("cgan64", "wgan-gp") == "cwgan-gp64");
    CHECK(tutorials.with_objective("dcgan", "wgan-gp") == "wgan-gp");
    CHECK(tutorials.with_channels("wgan-gp64", 1) == "wgan-gp64-gray");
    CHECK(tutorials.with_channels("dcgan64-upsample", 1) == "dcgan64-upsample-gray");
    CHECK(tutorials.with_channels("dcgan64-upsample", 3) == "dcgan64-upsample");
    CHECK(error_of([] { tutorials.with_objective("cgan64", "hinge"); }).find("it trains with: bce, wgan-gp") != std::string::npos);
}

TEST_CASE("recipe seed1-dcgan: the Keras listing's RMSprop (rho 0.9), batch 32, D loss the mean of both halves") {
    const cli::RunOptions o = recipe_options("seed1-dcgan");
    CHECK(o.model == "dcgan-keras");
    CHECK(o.optimizer_g == "rmsprop");
    CHECK(o.optimizer_d == "rmsprop");
    CHECK(*o.rmsprop_alpha == 0.9);
    CHECK(*o.lr == 1e-3);
    CHECK(*o.batch_size == 32);
    CHECK(o.halve_d_loss);
    CHECK(o.fresh_noise);
}

TEST_CASE("tutorial models: --spectral-norm picks the variant with spectral norm on D") {
    CHECK(tutorials.with_spectral_norm("mlp") == "mlp-sn");
    CHECK(tutorials.with_spectral_norm("dcgan") == "dcgan-sn");
    CHECK(error_of([] { tutorials.with_spectral_norm("cgan"); }) ==
          "--spectral-norm: model cgan has no variant with spectral norm on D; the models with one: mlp, dcgan");
}
