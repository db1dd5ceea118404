#pragma once
// `xgan new DIR`: writes the CMake project a user starts from. Their GAN as a type in
// model.hpp, a main.cpp that is one call into the command-line front end (xgan/cli/main.hpp),
// a CMakeLists.txt that builds against the installed xgan, and a README.md on building,
// training, sampling, resuming and changing the network. Nothing of the user's is ever
// overwritten: DIR must not exist or be an empty directory.
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "xgan/core/error.hpp"
#include "xgan/io/atomic_file.hpp"

namespace xgan::cli {

namespace detail {

// A project name is a program, a CMake target and a model name, and with '-' made '_' a C++
// identifier (the model's namespace): letters, digits, '-' and '_', starting with a letter.
// CMake keeps a few target names for itself; a project with one of them would not configure.
inline void check_project_name(const std::string& name) {
    const auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    bool valid = !name.empty() && is_letter(name[0]);
    for (char c : name) valid = valid && (is_letter(c) || (c >= '0' && c <= '9') || c == '-' || c == '_');
    if (!valid)
        throw Error("project name '" + name +
                    "' is not valid: use letters, digits, '-' and '_', starting with a letter (e.g. mygan)");
    for (const char* reserved : {"all", "clean", "help", "install", "package", "package_source", "test", "edit_cache",
                                 "rebuild_cache", "list_install_components", "ALL_BUILD", "ZERO_CHECK", "RUN_TESTS"})
        if (name == reserved)
            throw Error("project name '" + name + "' is a target name CMake keeps for itself; choose another (e.g. mygan)");
}

// `text` with every @NAME@ replaced by the project name and every @ID@ by its C++ identifier.
inline std::string fill_in(std::string_view text, const std::string& name) {
    std::string id = name;
    for (char& c : id)
        if (c == '-') c = '_';
    std::string out;
    for (std::size_t at = 0; at < text.size();) {
        if (text.substr(at, 6) == "@NAME@") {
            out += name;
            at += 6;
        } else if (text.substr(at, 4) == "@ID@") {
            out += id;
            at += 4;
        } else {
            out += text[at++];
        }
    }
    return out;
}

inline constexpr std::string_view cmake_lists = R"xgan(cmake_minimum_required(VERSION 3.20)
project(@NAME@ LANGUAGES CXX)

# Release unless you ask for another build type: a Debug build trains many times slower.
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

# The installed xgan (headers only). Installed outside /usr and /usr/local: pass its prefix,
# cmake -B build -DCMAKE_PREFIX_PATH=/path/to/prefix
find_package(xgan CONFIG REQUIRED)

add_executable(@NAME@ main.cpp)
target_link_libraries(@NAME@ PRIVATE xgan::xgan)
# Data-parallel training (mpirun -np N ./build/@NAME@ train ...), when xgan was installed with MPI.
if(TARGET xgan::mpi)
  target_link_libraries(@NAME@ PRIVATE xgan::mpi)
endif()
target_compile_features(@NAME@ PRIVATE cxx_std_20)
# -O2: nearly -O3's training speed for a shorter compile of the model's templates.
target_compile_options(@NAME@ PRIVATE $<$<CONFIG:Release>:-O2>)
)xgan";

inline constexpr std::string_view main_cpp = R"xgan(// @NAME@: trains the GAN of model.hpp, samples from it and prints its layers, with xgan's
// command-line front end (the same commands as the xgan tool):
//   ./build/@NAME@ train --data mnist --out runs/@NAME@
//   ./build/@NAME@ sample --run runs/@NAME@ --out samples.png
//   ./build/@NAME@ summary --model @NAME@
// The network is in model.hpp; here are only its name and the description that `summary`
// and `--help` show.
#include <xgan/cli/main.hpp>

#include "model.hpp"

int main(int argc, char** argv) {
    return xgan::cli::main<xgan::cli::Model<"@NAME@", @ID@_model::Gan, @ID@_model::training_defaults,
                                            "MLP GAN 100-256-512-1024-784, D 784-1024-512-256-1">>(argc, argv);
}
)xgan";

inline constexpr std::string_view model_hpp = R"xgan(#pragma once
// The GAN that @NAME@ trains, as one C++ type: the generator G, the discriminator D, the noise
// G starts from and the objective both are trained with; and the settings training starts
// from. Change the network here (and its description in main.cpp).
//
// What the compiler checks when you build (an error names the layer or the part that does not fit):
//   - each layer takes what the layer before it gives: Linear<In, Out> takes In values,
//     Conv2d<InChannels, ...> takes InChannels channels, Reshape<C, H, W> takes C*H*W values;
//   - G's first layer takes the noise shape, and D's first layer takes G's output;
//   - G's output is a square image, C x S x S (C = 1 grayscale, 3 RGB; MNIST is resized to S);
//   - D outputs one number per sample: end it with Linear<N, 1> (or a convolution to 1x1x1);
//   - an objective that reads D's raw score (all but objective::Bce) gets no D ending in Sigmoid;
//   - a gradient penalty (objective::GradientPenalty<...>) gets no BatchNorm in D.
#include <xgan/train/defaults.hpp>
#include <xgan/xgan.hpp>

namespace @ID@_model {

// The generator: 100 noise values -> 1 x 28 x 28 image with values in (-1, 1), as the data is scaled.
using G = xgan::Sequential<xgan::Linear<100, 256>, xgan::ReLU,
                           xgan::Linear<256, 512>, xgan::ReLU,
                           xgan::Linear<512, 1024>, xgan::ReLU,
                           xgan::Linear<1024, 784>, xgan::Tanh, xgan::Reshape<1, 28, 28>>;

// The discriminator: image -> probability that it is real (Sigmoid, as objective::Bce reads it).
using D = xgan::Sequential<xgan::Flatten,
                           xgan::Linear<784, 1024>, xgan::LeakyReLU<xgan::ratio(0.2)>,
                           xgan::Linear<1024, 512>, xgan::LeakyReLU<xgan::ratio(0.2)>,
                           xgan::Linear<512, 256>, xgan::LeakyReLU<xgan::ratio(0.2)>,
                           xgan::Linear<256, 1>, xgan::Sigmoid>;

// The noise G starts from: 100 values per sample, drawn from N(0, 1).
using Noise = xgan::Shape<100>;

// The objective: objective::Bce (D ends in Sigmoid), or on D's raw score (remove the Sigmoid):
// objective::BceWithLogits, Hinge, LeastSquares, GradientPenalty<Wasserstein> (WGAN-GP).
using Objective = xgan::objective::Bce;

using Gan = xgan::Gan<G, D, Noise, Objective>;

// The settings `@NAME@ train` uses unless given others on its command line (--batch-size,
// --lr, --beta1, --beta2, --epochs, --init, --real-label, --noisy-labels, --critic-steps, --g-steps).
inline xgan::TrainingDefaults training_defaults() {
    xgan::TrainingDefaults d;
    d.batch_size = 64;
    d.lr = 2e-4;  // Adam, both networks
    d.beta1 = 0.5;  // the DCGAN paper's; PyTorch's default 0.9 makes GANs like this one collapse
    d.beta2 = 0.999;
    d.epochs = 10;
    d.init = xgan::Init::pytorch;  // PyTorch's layer defaults; Init::dcgan: weights ~ N(0, 0.02)
    d.labels = {};  // targets 1 (real) and 0 (fake); LabelOptions::one_sided_smoothing(0.9), ::noisy(0.1)
    d.critic_steps = 1;  // D updates per G update (WGAN-GP: 5)
    d.generator_steps = 1;  // G updates per G step (2 keeps an MLP GAN's D from winning outright)
    return d;
}

}  // namespace @ID@_model
)xgan";

inline constexpr std::string_view readme_md = R"xgan(# @NAME@

A GAN of your own, trained with xgan: the network is a C++ type in `model.hpp`, and `main.cpp`
hands it to xgan's command-line front end, so `@NAME@` has the commands of the `xgan` tool
(`./build/@NAME@ --help`, `./build/@NAME@ train --help`).

## Build

Needs xgan installed (`cmake --install` of its build, with the packages xgan needs) and a
C++20 compiler (g++ 12 or clang 14).

    cmake -B build                  # installed outside /usr, /usr/local: -DCMAKE_PREFIX_PATH=PREFIX
    cmake --build build

Release is the default build type. For this machine's vector instructions (faster, but the
program runs only on CPUs like it): `cmake -B build -DCMAKE_CXX_FLAGS=-march=native`.

## Train

MNIST is read from `${XGAN_DATA:-data}/mnist` (the four idx files, e.g. `train-images-idx3-ubyte`;
xgan's `cmake/fetch-mnist.sh data/mnist` fetches them).

    ./build/@NAME@ train --data mnist --out runs/@NAME@

A quick check that everything works: `--limit 640 --max-steps 50`. The run directory holds the
weights (`generator.safetensors`, `discriminator.safetensors`), `checkpoints/`, `metrics.jsonl`,
sample grids in `samples/`, `loss.png` and `report.html`. Other data: `--data fashion-mnist`,
`--data folder:PATH` (a folder of images, resized to the model's size). `--batch-size`, `--lr`,
`--epochs` and the rest override `training_defaults()` in `model.hpp`; Ctrl-C writes a checkpoint.

## Sample

    ./build/@NAME@ sample --run runs/@NAME@ --out samples.png    # --n 64 --seed 1

## Resume

    ./build/@NAME@ train --resume runs/@NAME@                   # --epochs N or --max-steps N to go further

A resumed run continues from its latest checkpoint with the settings in its `config.json`, and
ends with the weights an uninterrupted run would have.

## Change the network

Edit `model.hpp` and build again; `./build/@NAME@ summary --model @NAME@` prints the layer table.
The compiler checks that the layers fit together (the comment at the top of `model.hpp` lists
what it checks). A run directory belongs to the network that wrote it: after a change, train
into a new `--out`.

For example, the convolutional DCGAN at 28x28 (xgan's `dcgan` model) in place of the MLP:

```cpp
using G = xgan::Sequential<xgan::Linear<100, 12544>, xgan::Reshape<256, 7, 7>, xgan::ConvTranspose2d<256, 128, 4, 2, 1>,
                           xgan::BatchNorm2d<128>, xgan::LeakyReLU<>, xgan::ConvTranspose2d<128, 64, 3, 1, 1>,
                           xgan::BatchNorm2d<64>, xgan::LeakyReLU<>, xgan::ConvTranspose2d<64, 1, 4, 2, 1>, xgan::Tanh>;
using D = xgan::Sequential<xgan::Conv2d<1, 32, 3, 2, 1>, xgan::LeakyReLU<>, xgan::Conv2d<32, 64, 3, 2, 1>,
                           xgan::BatchNorm2d<64>, xgan::LeakyReLU<>, xgan::Conv2d<64, 128, 3, 2, 1>,
                           xgan::BatchNorm2d<128>, xgan::LeakyReLU<>, xgan::Flatten, xgan::Linear<2048, 1>, xgan::Sigmoid>;
```

with, in `training_defaults()`, `d.batch_size = 128;` and `d.init = xgan::Init::dcgan;`, and
its description in `main.cpp`.

The layers: `Linear`, `Conv2d`, `ConvTranspose2d`, `BatchNorm1d`, `BatchNorm2d`, `LayerNorm`,
`Dropout`, `Upsample`, `ZeroPad2d`, `MaxPool2d`, `AvgPool2d`, `Reshape`, `Flatten` and the activations `ReLU`,
`LeakyReLU<>` (slope 0.01; `LeakyReLU<xgan::ratio(0.2)>`), `Tanh`, `Sigmoid` (see xgan's
`include/xgan/layers/`).

Another objective: set `Objective` (e.g. `xgan::objective::Hinge`) and remove D's final
`Sigmoid`. For `xgan::objective::GradientPenalty<xgan::objective::Wasserstein>` (WGAN-GP) also
set `d.critic_steps = 5` and replace D's BatchNorm with LayerNorm over the shape it normalizes;
in the DCGAN's D, `xgan::LayerNorm<xgan::Shape<64, 7, 7>>` for `BatchNorm2d<64>` and
`xgan::LayerNorm<xgan::Shape<128, 4, 4>>` for `BatchNorm2d<128>`.
)xgan";

}  // namespace detail

// Writes the starter project `name` into `dir` (CMakeLists.txt, main.cpp, model.hpp,
// README.md). An empty `name` is `dir`'s last component. Throws Error for a name that is not
// valid, FileError when `dir` exists and is not an empty directory or a file cannot be written.
inline void write_new_project(const std::filesystem::path& dir, const std::string& name) {
    namespace fs = std::filesystem;
    std::string project = name;
    if (project.empty()) {
        const fs::path normal = dir.lexically_normal();  // "runs/mygan/" keeps its '/': its filename() is empty
        project = (normal.has_filename() ? normal : normal.parent_path()).filename().string();
    }
    detail::check_project_name(project);

    std::error_code ec;
    if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec)))
        throw FileError(dir, "exists and is not an empty directory; `new` writes only into a new or empty one");
    fs::create_directories(dir, ec);
    if (ec) throw FileError(dir, "cannot create the directory: " + ec.message());

    io::write_file_atomically(dir / "CMakeLists.txt", detail::fill_in(detail::cmake_lists, project));
    io::write_file_atomically(dir / "main.cpp", detail::fill_in(detail::main_cpp, project));
    io::write_file_atomically(dir / "model.hpp", detail::fill_in(detail::model_hpp, project));
    io::write_file_atomically(dir / "README.md", detail::fill_in(detail::readme_md, project));
}

}  // namespace xgan::cli
