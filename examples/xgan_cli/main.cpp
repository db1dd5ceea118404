// xgan: trains the GANs people learn with, samples from them, prints their summaries.
//   xgan train --model mlp --data mnist --epochs 10 --out runs/mlp
//   xgan sample --run runs/mlp --n 64 --out samples.png
//   xgan summary --model mlp
// The tool is the library's command-line front end over the tutorial models; a program of
// your own models is the same call with your list (xgan/cli/main.hpp, `xgan new`).
#include <xgan/cli/main.hpp>
#include <xgan/models/tutorials.hpp>

namespace {

template <class... M>
int run_tool(xgan::models::ModelList<M...>, int argc, char** argv) {
    return xgan::cli::main<M...>(argc, argv);
}

}  // namespace

int main(int argc, char** argv) { return run_tool(xgan::models::Tutorials{}, argc, argv); }
