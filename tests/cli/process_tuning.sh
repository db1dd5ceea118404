#!/bin/bash
# xgan::backend::tune_process() as the xgan tool runs it: the environment of the running
# process (read from /proc/PID/environ, which shows the environment the program image started
# with: after the re-exec, the tuned one) keeps every malloc setting the user made, fills in
# the others, and XGAN_NO_TUNING turns it off.
#   process_tuning.sh XGAN WORK
# XGAN: the tool; WORK: a scratch folder (emptied). No data needed: the tool is stopped inside
# `xgan train --resume WORK/run`, whose config.json is a FIFO that the tool's open() waits on,
# and then handed "{}" (refused as a run configuration, exit status 1).
set -u
if [ $# -ne 2 ]; then
  echo "usage: process_tuning.sh XGAN WORK" >&2
  exit 2
fi
xgan=$1 work=$2
rm -rf "$work"
mkdir -p "$work/run" || exit 1
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

# environ_of [NAME=VALUE...]: the environment of `xgan train --resume` started with these
# variables (and none of the tuned ones, nor XGAN_NO_TUNING / XGAN_TUNED, from ctest's), one
# per line in $work/environ.
environ_of() {
  local fifo=$work/run/config.json
  rm -f "$fifo" "$work/environ"
  mkfifo "$fifo" || exit 1
  env -u XGAN_NO_TUNING -u XGAN_TUNED -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ -u MALLOC_TOP_PAD_ \
      -u GLIBC_TUNABLES "$@" "$xgan" train --resume "$work/run" >"$work/out" 2>&1 &
  local pid=$!
  # Opening the FIFO for writing waits until xgan opens it for reading: past tune_process.
  if ! timeout 60 bash -c 'exec 3>"$1" && tr "\0" "\n" </proc/$2/environ >"$3" && echo "{}" >&3' _ "$fifo" "$pid" \
         "$work/environ"; then
    kill "$pid" 2>/dev/null
    wait "$pid"
    fail "$*: xgan did not get to open $fifo: $(cat "$work/out")"
    return
  fi
  wait "$pid"
  local rc=$?
  if [ "$rc" -ne 1 ] || ! grep -q "config.json: not a valid run configuration" "$work/out"; then
    fail "$*: expected exit status 1 and 'not a valid run configuration', got $rc: $(cat "$work/out")"
  fi
}

# expect NAME=VALUE: the environment holds NAME once, with VALUE; expect_unset NAME: not at all.
expect() {
  local name=${1%%=*} got
  got=$(grep "^$name=" "$work/environ")
  [ "$got" = "$1" ] || fail "[$case] expected $1, the environment has: ${got:-nothing}"
}
expect_unset() {
  local got
  got=$(grep "^$1=" "$work/environ")
  [ -z "$got" ] || fail "[$case] expected no $1, the environment has: $got"
}

case="MALLOC_TRIM_THRESHOLD_=12345"
environ_of MALLOC_TRIM_THRESHOLD_=12345
expect MALLOC_TRIM_THRESHOLD_=12345
expect MALLOC_MMAP_THRESHOLD_=33554432
expect MALLOC_TOP_PAD_=268435456
expect XGAN_TUNED=1  # only the re-executed image has it in /proc/PID/environ

case="all three set"
environ_of MALLOC_MMAP_THRESHOLD_=1048576 MALLOC_TRIM_THRESHOLD_=2097152 MALLOC_TOP_PAD_=4096
expect MALLOC_MMAP_THRESHOLD_=1048576
expect MALLOC_TRIM_THRESHOLD_=2097152
expect MALLOC_TOP_PAD_=4096

case="GLIBC_TUNABLES"
environ_of GLIBC_TUNABLES=glibc.malloc.trim_threshold=12345
expect GLIBC_TUNABLES=glibc.malloc.trim_threshold=12345
expect_unset MALLOC_TRIM_THRESHOLD_
expect MALLOC_MMAP_THRESHOLD_=33554432
expect MALLOC_TOP_PAD_=268435456

case="nothing set"
environ_of
expect MALLOC_MMAP_THRESHOLD_=33554432
expect MALLOC_TRIM_THRESHOLD_=1073741824
expect MALLOC_TOP_PAD_=268435456
expect XGAN_TUNED=1

case="XGAN_NO_TUNING=1"
environ_of XGAN_NO_TUNING=1
expect_unset MALLOC_MMAP_THRESHOLD_
expect_unset MALLOC_TRIM_THRESHOLD_
expect_unset MALLOC_TOP_PAD_
expect_unset XGAN_TUNED

[ $status -eq 0 ] && echo "process tuning: all cases passed"
exit $status
