#!/usr/bin/env bash
# Builds bench_gan_step, runs it and bench/torch_gan_step.py (Debian's python3-torch) in the
# same run with the same process settings, and prints xgan's speed-up over PyTorch per model.
# Usage: bench/compare.sh [--quick]      (from anywhere; see bench/README.md)
# Environment: BUILD_DIR (default build-bench), REPETITIONS (5), PYTHON (/usr/bin/python3),
#              BENCH_CORETYPE (OpenBLAS kernels; default SkylakeX on AVX-512 CPUs, see README.md).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
python=${PYTHON:-/usr/bin/python3}
reps=${REPETITIONS:-5}
torch_args=()
min_time=2
if [[ ${1:-} == --quick ]]; then
  reps=3; min_time=0.5; torch_args=(--rounds 2 --steps 15 --warmup 5)
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DXGAN_BUILD_BENCH=ON -DXGAN_BUILD_TESTS=OFF \
  -DXGAN_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target bench_gan_step -j "$(nproc)"

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
# The MLP comparison only (the WGAN-GP step takes seconds; see README.md, "WGAN-GP step").
"$build/bench/bench_gan_step" --benchmark_filter='^BM_(train_step|gemm_floor|gemm_as_xgan|adam)/' \
  --benchmark_repetitions="$reps" --benchmark_min_time="$min_time" \
  --benchmark_report_aggregates_only=true --benchmark_format=json --benchmark_out="$out/xgan.json" \
  --benchmark_out_format=json >/dev/null
"$python" "$root/bench/torch_gan_step.py" "${torch_args[@]}" >"$out/torch.json"
echo "load after:  $(uptime)"
"$python" "$root/bench/merge_results.py" "$out/xgan.json" "$out/torch.json" --json "$out/merged.json"
echo
"$python" "$root/bench/merge_results.py" "$out/xgan.json" "$out/torch.json" --stat min
echo "raw results: $out/xgan.json $out/torch.json"
