// Seed 001's PyTorch listing, written with xgan: an MLP GAN on MNIST, G 64-256-256-784 and D
// 784-256-256-1 (LeakyReLU 0.2), Adam 0.002 with PyTorch's default betas, batch 100, 200 epochs,
// G's step on fresh noise. Kept as the tutorial has it: at this learning rate D wins at once
// (D(x) 1, D(G(z)) 0); the hook below prints when it does. `xgan train --recipe seed1-mlp` is
// the same run through the tool.
//   seed1_mlp_gan [RUN_DIR] [EPOCHS]      (MNIST from ${XGAN_DATA:-data}/mnist)
#include <cstdio>
#include <cstdlib>
#include <string>

#include <xgan/xgan.hpp>

#include "tutorial_args.hpp"

using namespace xgan;

using G = Sequential<Linear<64, 256>, ReLU, Linear<256, 256>, ReLU, Linear<256, 784>, Tanh, Reshape<1, 28, 28>>;
using D = Sequential<Flatten, Linear<784, 256>, LeakyReLU<ratio(0.2)>, Linear<256, 256>, LeakyReLU<ratio(0.2)>,
                     Linear<256, 1>, Sigmoid>;
using TutorialGan = Gan<G, D, Shape<64>>;

int main(int argc, char** argv) try {
    backend::tune_process(argv);
    const TutorialArgs args = parse_tutorial_args(argc, argv, "seed1_mlp_gan [RUN_DIR] [EPOCHS]", 2);
    const char* data = std::getenv("XGAN_DATA");
    const auto mnist = data::load_mnist_dir(std::string(data && *data ? data : "data") + "/mnist", true);

    train::RunSettings run;
    run.model = "seed1-mlp-gan";
    run.data = "mnist";
    run.epochs = args.epochs(1, 200);
    run.batch_size = 100;
    run.gan.generator_optimizer = run.gan.discriminator_optimizer = optim::OptimizerOptions::adam(0.002, 0.9, 0.999);
    run.gan.fresh_noise = true;

    train::Hooks<TutorialGan> hooks;
    bool reported = false;
    hooks.after_step.push_back([&](train::RunContext<TutorialGan>& ctx, const StepStats& s) {
        if (!reported && s.d_real > 0.999 && s.d_fake < 0.001) {
            std::printf("step %lld: D wins outright (D(x) %.4f, D(G(z)) %.4f), as in the tutorial's log\n",
                        static_cast<long long>(ctx.trainer.steps()), s.d_real, s.d_fake);
            reported = true;
        }
    });
    train::fit<TutorialGan>(mnist, args.at(0, "runs/seed1_mlp_gan"), run, hooks);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "seed1_mlp_gan: %s\n", e.what());
    return 1;
}
