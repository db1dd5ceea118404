#!/bin/bash
# The tool under mpirun -np 2 on a slice of MNIST:
#   1. a run resumed from a checkpoint ends with the uninterrupted run's weights, byte for byte;
#   2. resuming with another number of processes is refused, naming the one it was made with;
#   3. a process killed mid-run makes mpirun exit non-zero, and the last checkpoint still
#      resumes (checkpoints are written to a temporary folder and renamed into place).
# Usage: tool_mpi.sh XGAN WORK_DIR DATA_DIR MPIEXEC
set -u
xgan=$1 work=$2 data=$3 mpiexec=$4
export XGAN_DATA=$data
mpirun() { "$mpiexec" --allow-run-as-root --oversubscribe "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
common=(--model mlp --data mnist --limit 512 --batch-size 64 --checkpoint-every 4 --keep 0 --quiet)

# 1. exact resume under MPI
mpirun -np 2 "$xgan" train "${common[@]}" --max-steps 12 --out full || fail "uninterrupted run"
mpirun -np 2 "$xgan" train "${common[@]}" --max-steps 8 --out part || fail "first half"
mpirun -np 2 "$xgan" train --resume part --max-steps 12 --quiet || fail "resumed run"
for f in generator.safetensors discriminator.safetensors optimizers.safetensors state.safetensors; do
  cmp "full/checkpoints/step_0000012/$f" "part/checkpoints/step_0000012/$f" || fail "resumed $f differs from the uninterrupted run's"
done
echo "resume under mpirun -np 2: bit-exact"

# 2. another world size
out=$(mpirun -np 3 "$xgan" train --resume part --max-steps 16 --quiet 2>&1) && fail "a resume with 3 processes of a 2-process run was accepted"
grep -q "made by a run of 2 processes" <<<"$out" || fail "the refusal does not name the run's 2 processes: $out"
out=$("$xgan" train --resume part --max-steps 16 --quiet 2>&1) && fail "a resume as one process of a 2-process run was accepted"
grep -q "made by a run of 2 processes" <<<"$out" || fail "the refusal does not name the run's 2 processes: $out"
echo "resume with another number of processes: refused"

# 3. a process killed mid-run
mpirun -np 2 "$xgan" train "${common[@]}" --epochs 100000 --out killed > killed.log 2>&1 &
launcher=$!
for _ in $(seq 600); do
  [ -n "$(ls killed/checkpoints 2>/dev/null | grep '^step_')" ] && break
  sleep 0.2
done
[ -n "$(ls killed/checkpoints 2>/dev/null | grep '^step_')" ] || { kill $launcher; fail "no checkpoint within 120 s"; }
# A training process (argv[0] is the tool; the launcher's is mpirun's), the last one found.
victim=$(pgrep -f -- "--out killed" | while read -r p; do
  [ "$(tr '\0' '\n' < /proc/"$p"/cmdline 2>/dev/null | head -1)" = "$xgan" ] && echo "$p"; done | tail -1)
[ -n "$victim" ] || { kill $launcher; fail "no training process found"; }
kill -9 "$victim"
wait $launcher
status=$?
[ "$status" -ne 0 ] || fail "mpirun exited 0 after a process was killed"
echo "a killed process: mpirun exited $status"
last=$(ls killed/checkpoints | grep '^step_' | sort | tail -1)
steps=$((10#${last#step_} + 4))
mpirun -np 2 "$xgan" train --resume killed --max-steps $steps --quiet || fail "the last checkpoint ($last) does not resume"
echo "resumed from $last after the kill"
