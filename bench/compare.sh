#!/usr/bin/env bash
# Builds bench_gan_step, runs it and bench/torch_gan_step.py (Debian's python3-torch) in the
# same run with the same process settings, and prints xgan's speed-up over PyTorch per model.
# Usage: bench/compare.sh [--quick] [--all]      (from anywhere; see bench/README.md)
#   --all   also the convolutional models (dcgan, cgan, dcgan64, wgan-gp64) on both sides, with
#           their GEMM floors from kernel_shares: about 15 minutes on 2 cores
# Environment: BUILD_DIR (default build-bench), REPETITIONS (5), PYTHON (/usr/bin/python3),
#              BENCH_CORETYPE (OpenBLAS kernels; default SkylakeX on AVX-512 CPUs, see README.md).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
python=${PYTHON:-/usr/bin/python3}
reps=${REPETITIONS:-5}
torch_args=()
min_time=2
all=0
for arg in "$@"; do
  case $arg in
    --quick) reps=3; min_time=0.5; torch_args=(--rounds 2 --steps 15 --warmup 5) ;;
    --all) all=1 ;;
    *) echo "compare.sh: unknown argument $arg (usage: compare.sh [--quick] [--all])" >&2; exit 2 ;;
  esac
done
filter='^BM_(train_step|gemm_floor|gemm_as_xgan|adam)/(mlp|mlp-small)(/|$)'
if ((all)); then
  filter='^BM_(train_step|gemm_floor|gemm_as_xgan|adam|wgan_gp_step)/'
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DXGAN_BUILD_BENCH=ON -DXGAN_BUILD_TESTS=OFF \
  -DXGAN_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target bench_gan_step kernel_shares -j "$(nproc)"

# The same process settings for both sides (each is read when the libraries load):
#  - OpenBLAS's AVX-512 kernels: Debian's OpenBLAS 0.3.21 takes this AMD EPYC for Haswell (AVX2).
#    Set explicitly for PyTorch's sake (xgan's tune_process() replaces only an unset or Haswell
#    value).
#  - glibc keeps large freed buffers instead of unmapping them every step.
#  - OpenMP workers sleep when idle instead of spinning against OpenBLAS's threads.
# BENCH_CORETYPE overrides the choice (e.g. BENCH_CORETYPE=Haswell to see the AVX2 kernels);
# XGAN_NO_TUNING keeps tune_process() from taking Haswell back to SkylakeX.
if [[ -n ${BENCH_CORETYPE:-} ]]; then
  export OPENBLAS_CORETYPE=$BENCH_CORETYPE XGAN_NO_TUNING=1
elif grep -qw avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=268435456
export OMP_WAIT_POLICY=PASSIVE
unset OPENBLAS_NUM_THREADS OMP_NUM_THREADS  # OpenBLAS uses every core; torch sets its own count

out=${OUT_DIR:-$build/bench-results}
mkdir -p "$out"
echo "load before: $(uptime)"
"$build/bench/bench_gan_step" --benchmark_filter="$filter" \
  --benchmark_repetitions="$reps" --benchmark_min_time="$min_time" \
  --benchmark_report_aggregates_only=true --benchmark_format=json --benchmark_out="$out/xgan.json" \
  --benchmark_out_format=json >/dev/null
"$python" "$root/bench/torch_gan_step.py" "${torch_args[@]}" >"$out/torch.json"
torch_json=("$out/torch.json") floors=()
if ((all)); then
  "$build/bench/kernel_shares" --steps 3 --json "$out/floors.json" dcgan cgan dcgan64 wgan-gp64 >"$out/kernel_shares.txt"
  floors=(--floors "$out/floors.json")
  # a convolutional step takes 0.2-4 s: few timed steps per configuration and round
  "$python" "$root/bench/torch_gan_step.py" --models dcgan,cgan,dcgan64,wgan-gp64 --rounds 2 --steps 3 --warmup 1 \
    --gp-steps 2 --gp-warmup 1 >"$out/torch_conv.json"
  torch_json+=("$out/torch_conv.json")
fi
echo "load after:  $(uptime)"
"$python" "$root/bench/merge_results.py" "$out/xgan.json" "${torch_json[@]}" "${floors[@]}" --json "$out/merged.json"
echo
"$python" "$root/bench/merge_results.py" "$out/xgan.json" "${torch_json[@]}" "${floors[@]}" --stat min
echo "raw results: $out/xgan.json ${torch_json[*]}${floors[*]:+ $out/floors.json (kernel shares: $out/kernel_shares.txt)}"
