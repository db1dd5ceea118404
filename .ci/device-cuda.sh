#!/bin/sh
# The one command for a lent GPU machine (../.library's device tool), from the repository root,
# with .device-deps carried (made here first by `sh cmake/device-deps.sh`):
#   run(command="sh .ci/device-cuda.sh", carry=[".device-deps"], timeout_s=540)
# Builds the CUDA tests and benchmark with the machine's nvcc, runs the tests (check_backend<Cuda>,
# every layer, training steps against the CPU), then times xgan's GPU steps and PyTorch eager's
# on the same GPU. Logs go to $OUT (or build-cuda/out). Each stage runs even if one before failed.
set -u
cd "$(dirname "$0")/.."
out=${OUT:-build-cuda/out}
mkdir -p "$out"
deps=$PWD/.device-deps/root/usr
[ -d "$deps" ] || { echo "device-cuda: no .device-deps (run sh cmake/device-deps.sh here and carry it)" >&2; exit 2; }
lib=$deps/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH="$lib:$lib/openblas-pthread:${LD_LIBRARY_PATH:-}"
export PATH="/usr/local/cuda/bin:$PATH"
jobs=$(nproc)
{ nvidia-smi; nvcc --version; cmake --version; } > "$out/machine.txt" 2>&1
: > "$out/stages.txt"
start=$(date +%s)
stage() {  # stage NAME COMMAND...: its output in $out/NAME.log, its status and seconds in $out/stages.txt
  name=$1; shift
  t0=$(date +%s)
  "$@" > "$out/$name.log" 2>&1
  rc=$?
  echo "$name rc=$rc $(( $(date +%s) - t0 ))s" | tee -a "$out/stages.txt"
  return $rc
}
stage configure cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DXGAN_CUDA=ON -DXGAN_BUILD_TESTS=ON \
  -DXGAN_BUILD_EXAMPLES=OFF -DXGAN_BUILD_BENCH=ON -DXGAN_NATIVE=ON "-DCMAKE_PREFIX_PATH=$deps" \
  "-DCMAKE_LIBRARY_PATH=$lib/openblas-pthread" -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc
stage build cmake --build build-cuda -j "$jobs" --target xgan_cuda_tests bench_cuda_gan_step
stage tests build-cuda/tests/cuda/xgan_cuda_tests --duration=true
stage bench build-cuda/bench/bench_cuda_gan_step --benchmark_repetitions=3 --benchmark_format=json \
  "--benchmark_out=$out/bench.json"
stage torch python3 bench/torch_gan_step.py --device cuda --models dcgan,dcgan64,wgan-gp64 --threads 1 \
  --adam foreach,fused --step tutorial,lean --rounds 2 --steps 20 --warmup 5 --gp-steps 5 --gp-warmup 2
cp "$out/torch.log" "$out/torch.json" 2>/dev/null
echo "device-cuda: done in $(( $(date +%s) - start )) s" | tee -a "$out/stages.txt"
