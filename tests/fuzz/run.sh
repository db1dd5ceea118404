#!/bin/sh
# Fuzzes every reader of xgan with libFuzzer under AddressSanitizer and UBSan.
#   sh tests/fuzz/run.sh [SECONDS]      a campaign: SECONDS per harness (default 60)
#   sh tests/fuzz/run.sh --gate         CI's gate: the same inputs on every run (below)
# Configures and builds tests/fuzz into ${XGAN_FUZZ_BUILD:-build-fuzz} with clang++ (jobs:
# $JOBS, else nproc), writes the seed corpus there, then for each harness
#   1. runs every file of tests/fuzz/regressions/<harness>/ once (inputs that once failed),
#   2. fuzzes for SECONDS from build-fuzz/corpus/<harness> (kept between runs) and the seeds,
# with -rss_limit_mb=2048 and -malloc_limit_mb=1024, so one allocation of more than 1 GiB from
# a bad header is a finding like a crash, a leak, UB or a timeout (60 s for one input, under
# the sanitizers: a decode of the largest allowed image takes seconds). Exits 1 after all
# harnesses when any failed, naming the harness and the input that failed; a new crash file
# belongs in tests/fuzz/regressions/<harness>/ once understood (named for what it is).
# The gate replaces step 2 by a fixed number of inputs per harness from the seeds alone, with
# libFuzzer's seed fixed: a repeatable sequence (about a minute per harness on 2 cores), so a
# commit's CI result does not depend on luck. Campaigns find new bugs; the gate keeps them fixed.
# XGAN_FUZZ_HARNESSES="idx image" picks harnesses; XGAN_FUZZ_STRICT=1 makes a non-xgan
# exception escaping a reader a finding too.
set -u
gate=0
seconds=60
case ${1:-} in
  --gate) gate=1 ;;
  "") ;;
  *[!0-9]*) echo "usage: sh tests/fuzz/run.sh [SECONDS | --gate]" >&2; exit 2 ;;
  *) seconds=$1 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${XGAN_FUZZ_BUILD:-$root/build-fuzz}
jobs=${JOBS:-$(nproc)}
harnesses=${XGAN_FUZZ_HARNESSES:-idx safetensors attribute_csv run_config image checkpoint}
cxx=${CXX_FUZZ:-clang++}

sh "$root/cmake/install-deps.sh" --with-fuzzing || exit 1
generator=
command -v ninja >/dev/null 2>&1 && generator="-G Ninja"
launcher=
if command -v ccache >/dev/null 2>&1; then
  launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
  CCACHE_BASEDIR=$root
  export CCACHE_BASEDIR
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  # shellcheck disable=SC2086
  cmake -S "$here" -B "$build" $generator -DCMAKE_CXX_COMPILER="$cxx" $launcher || exit 1
fi
cmake --build "$build" -j "$jobs" || exit 1

rm -rf "$build/seeds"
"$build/make_corpus" "$build/seeds" || { echo "fuzz: the seed corpus generator failed" >&2; exit 1; }

# The harnesses' scratch folders (libFuzzer's exits skip their clean-up at exit).
TMPDIR=$build/tmp
export TMPDIR
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"

limits="-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=60"
failed=""
for h in $harnesses; do
  exe="$build/fuzz_$h"
  findings="$build/findings/$h"
  mkdir -p "$build/corpus/$h" "$findings"
  log="$build/fuzz_$h.log"
  rlog="$build/fuzz_$h.regressions.log"
  : > "$rlog"

  # Regression inputs first: libFuzzer runs files given as arguments once each.
  if [ -d "$here/regressions/$h" ] && [ -n "$(ls -A "$here/regressions/$h")" ]; then
    for input in "$here/regressions/$h"/*; do
      # shellcheck disable=SC2086
      if ! "$exe" $limits "$input" > "$rlog.last" 2>&1; then
        echo "fuzz: FAILED $h: regression input $input (log: $rlog)" >&2
        grep -m 3 -E "ERROR:|runtime error:|FINDING|out-of-memory|timeout|SUMMARY:" "$rlog.last" | sed 's/^/    /' >&2
        failed="$failed $h:$(basename "$input")"
      fi
      cat "$rlog.last" >> "$rlog"
    done
    rm -f "$rlog.last"
  fi

  if [ "$gate" = 1 ]; then
    # Inputs per harness: about a minute each on CI's 2 cores; the time limit is a backstop.
    case $h in
      image) gate_runs=30000 ;;
      checkpoint) gate_runs=60000 ;;
      run_config) gate_runs=800000 ;;
      *) gate_runs=100000 ;;
    esac
    rm -rf "$build/corpus-gate/$h"
    mkdir -p "$build/corpus-gate/$h"
    # shellcheck disable=SC2086
    "$exe" $limits -seed=1 -runs="$gate_runs" -max_total_time=300 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$build/corpus-gate/$h" "$build/seeds/$h" > "$log" 2>&1
  else
    # shellcheck disable=SC2086
    "$exe" $limits -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$findings/" \
      "$build/corpus/$h" "$build/seeds/$h" > "$log" 2>&1
  fi
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  if [ "$rc" -ne 0 ]; then
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "fuzz: FAILED $h after ${runs:-?} inputs: ${crash:-no crash file} (exit $rc, log: $log)" >&2
    grep -m 3 -E "ERROR:|runtime error:|FINDING|out-of-memory|timeout|SUMMARY:" "$log" | sed 's/^/    /' >&2
    failed="$failed $h"
  else
    if [ "$gate" = 1 ]; then
      echo "fuzz: $h: ${runs:-?} of the gate's $gate_runs inputs (seed 1), no finding"
    else
      echo "fuzz: $h: ${runs:-?} inputs in ${seconds}s, no finding"
    fi
  fi
done

rm -rf "$TMPDIR"
if [ -n "$failed" ]; then
  echo "fuzz: findings in:$failed" >&2
  exit 1
fi
echo "fuzz: all harnesses passed"
