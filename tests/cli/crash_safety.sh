#!/bin/bash
# Crash safety of `xgan train` (README "Reliability"): a run killed with SIGKILL at random
# points -- in a training step, a checkpoint write, the pruning of old checkpoints, the final
# files -- and resumed after each kill ends with the same weights, byte for byte, as the run
# left alone.
#   crash_safety.sh XGAN WORK DATA [MIN_KILLS] [SEED]
# XGAN: the tool; WORK: a scratch folder (emptied); DATA: the folder holding mnist/;
# $CMAKE: the cmake that compares the files (default: cmake on the PATH).
#
# One uninterrupted run of 60 steps (mlp-tiny, 640 images, a checkpoint every 3 steps, 2 kept)
# gives the expected weights. Then the same run is started and killed with SIGKILL, and started
# again: with `train --resume DIR --max-steps 60` once a checkpoint exists, else with the
# original command onto the folder the killed run left. The kill comes a delay of 0.05-1.5 s
# drawn from SEED (the same sequence every time) after the start wrote its config.json, i.e.
# once the data is loaded and training begins (10-60 ms for a round's first start, so that
# some kills come before the first checkpoint); every fifth kill instead comes that delay
# after the process started, while it loads the data. After MIN_KILLS (default 20) kills the run goes
# to the end unkilled, and its generator and discriminator must equal the uninterrupted run's.
# A start that ends by itself before its kill (step 60 reached) ends its round the same way,
# and a new round starts from scratch until the kills add up.
set -u
if [ $# -lt 3 ]; then
  echo "usage: crash_safety.sh XGAN WORK DATA [MIN_KILLS] [SEED]" >&2
  exit 2
fi
xgan=$1 work=$2
export XGAN_DATA=$3
export XGAN_NO_TUNING=1  # the same kernels in every run of the comparison
min_kills=${4:-20}
rng=${5:-20240601}
max_starts=200  # a run that never gets to the end fails instead of looping
budget_s=240    # the same: inside ctest's TIMEOUT (300 s)

run=(--model mlp-tiny --limit 640 --quiet --checkpoint-every 3 --keep 2 --max-steps 60 --seed 1)
rm -rf "$work"
mkdir -p "$work" || exit 1
start=$SECONDS

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

fail() {
  echo "crash_safety: FAILED: $*" >&2
  exit 1
}

# A run folder's checkpoints and leftovers (samples/ left out), for messages.
listing() {
  (cd "$1" 2> /dev/null && find . -path ./samples -prune -o -print | sort | sed 1d | tr '\n' ' ')
}

# The highest step in a run's metrics.jsonl.
last_step() {
  sed -n 's/.*"step":\([0-9]*\).*/\1/p' "$1/metrics.jsonl" 2> /dev/null | sort -n | tail -n 1
}

# The inode of a file, or "none": a start rewrites config.json (write, then rename over it),
# so a new inode says this start has loaded its data and begun.
inode() { stat -c %i "$1" 2> /dev/null || echo none; }

# The uninterrupted run, timing its data loading (until config.json) and its training.
t0=$(now_ms)
"$xgan" train "${run[@]}" --out "$work/whole" > "$work/whole.log" 2>&1 &
pid=$!
lead_ms=
while kill -0 "$pid" 2> /dev/null; do
  if [ -z "$lead_ms" ] && [ -e "$work/whole/config.json" ]; then lead_ms=$(( $(now_ms) - t0 )); fi
  sleep 0.01
done
wait "$pid" || fail "the uninterrupted run exited $?: $(cat "$work/whole.log")"
whole_ms=$(( $(now_ms) - t0 ))
echo "crash_safety: uninterrupted run: ${whole_ms} ms, ${lead_ms:-?} ms of it loading the data, the rest 60 steps"

# Deterministic delays in [50, 1500] ms (a 31-bit LCG).
next_delay_ms() {
  rng=$(( (rng * 1103515245 + 12345) % 2147483648 ))
  delay_ms=$(( 50 + (rng >> 8) % 1451 ))
}

kills=0 resumes=0 restarts=0 starts=0 rounds=0 finished_early=0
in_checkpoint=0 in_file_write=0 in_prune=0
round_done=1
while :; do
  if [ "$round_done" -eq 1 ]; then
    [ "$kills" -lt "$min_kills" ] || break
    rounds=$((rounds + 1))
    dir=$work/round$rounds
    log=$work/round$rounds.log
    : > "$log"
    round_done=0
  fi
  starts=$((starts + 1))
  [ "$starts" -le "$max_starts" ] || fail "no end after $max_starts starts"
  [ $((SECONDS - start)) -lt "$budget_s" ] || fail "no end after ${budget_s} s ($kills kills)"
  if compgen -G "$dir/checkpoints/step_*" > /dev/null; then
    cmd=(train --resume "$dir" --max-steps 60 --quiet)
    resumes=$((resumes + 1))
  else
    # Killed before the first checkpoint (or not started yet): the original command again,
    # onto whatever the killed run left in the folder.
    cmd=(train "${run[@]}" --out "$dir")
    [ -d "$dir" ] && restarts=$((restarts + 1))
  fi
  if [ "$kills" -lt "$min_kills" ]; then
    next_delay_ms
    # A round's first start dies 10-60 ms into training: before, in or just after its first
    # checkpoint, so that the next start finds a run folder with no checkpoint in it.
    [ -d "$dir" ] || delay_ms=$(( 10 + delay_ms % 51 ))
    before=$(inode "$dir/config.json")
    if [ $(( (kills + 1) % 5 )) -eq 0 ]; then when="${delay_ms} ms after the start"; else when="${delay_ms} ms into training"; fi
    echo "== xgan ${cmd[*]}  (SIGKILL $when)" >> "$log"
    touch "$work/.mark"
    "$xgan" "${cmd[@]}" >> "$log" 2>&1 &
    pid=$!
    if [ $(( (kills + 1) % 5 )) -ne 0 ]; then
      while kill -0 "$pid" 2> /dev/null; do
        now=$(inode "$dir/config.json")
        [ "$now" != none ] && [ "$now" != "$before" ] && break
        sleep 0.01
      done
    fi
    sleep "$((delay_ms / 1000)).$(printf %03d $((delay_ms % 1000)))"
    kill -KILL "$pid" 2> /dev/null
    { wait "$pid"; } 2> /dev/null  # no "Killed" job message
    rc=$?
  else
    echo "== xgan ${cmd[*]}  (to the end)" >> "$log"
    "$xgan" "${cmd[@]}" >> "$log" 2>&1
    rc=$?
  fi
  if [ "$rc" -eq 137 ]; then
    kills=$((kills + 1))
    # Where did it land? This process's hidden .partial checkpoint: inside save_checkpoint; its
    # *.tmp.PID file: inside an atomic file write; more step_ folders than --keep, or a hidden
    # .pruning one of this process: between a save and the end of pruning.
    where=""
    if [ -n "$(find "$dir/checkpoints" -maxdepth 1 -name '.step_*.partial' -newer "$work/.mark" 2> /dev/null)" ]; then
      in_checkpoint=$((in_checkpoint + 1)) where="$where in-checkpoint-write"
    fi
    if [ -n "$(find "$dir" -name "*.tmp.$pid" 2> /dev/null)" ]; then
      in_file_write=$((in_file_write + 1)) where="$where in-file-write"
    fi
    if [ "$(compgen -G "$dir/checkpoints/step_*" | wc -l)" -gt 2 ] ||
       [ -n "$(find "$dir/checkpoints" -maxdepth 1 -name '.step_*.pruning' -newer "$work/.mark" 2> /dev/null)" ]; then
      in_prune=$((in_prune + 1)) where="$where in-pruning"
    fi
    echo "crash_safety: kill $kills, $when (round $rounds):${where:- not in a write}; checkpoints/:" \
         "$(find "$dir/checkpoints" -mindepth 1 -maxdepth 1 -printf '%f\n' 2> /dev/null | sort | tr '\n' ' ')"
    continue
  elif [ "$rc" -ne 0 ]; then
    echo "crash_safety: start $starts of round $rounds exited $rc: xgan ${cmd[*]}" >&2
    tail -n 20 "$log" >&2
    echo "  the run folder holds: $(listing "$dir")" >&2
    fail "a run killed with SIGKILL did not resume (see above)"
  fi
  # The run got to its end: compare with the uninterrupted one.
  [ "$kills" -lt "$min_kills" ] && finished_early=$((finished_early + 1))
  for f in generator.safetensors discriminator.safetensors; do
    "${CMAKE:-cmake}" -E compare_files "$work/whole/$f" "$dir/$f" ||
      fail "round $rounds: $f differs from the uninterrupted run's; the last step in its metrics.jsonl is" \
           "$(last_step "$dir") (uninterrupted: $(last_step "$work/whole"); the run stops at 60); log: $log"
  done
  echo "crash_safety: round $rounds: the same weights as the uninterrupted run ($kills kills so far)"
  round_done=1
done

echo "crash_safety: $kills kills survived in $rounds round(s), $starts starts: $resumes resumes, $restarts restarts" \
     "before a first checkpoint, $finished_early runs that ended before their kill; kills inside a checkpoint" \
     "write: $in_checkpoint, inside a file write: $in_file_write, inside pruning: $in_prune; $((SECONDS - start)) s"
