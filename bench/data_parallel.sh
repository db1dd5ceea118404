#!/bin/sh
# Data-parallel scaling on this machine: 1 process x 1 thread, 2 processes x 1 thread and
# 1 process x 2 threads, for each model. Usage: bench/data_parallel.sh BUILD_DIR [STEPS]
set -eu
bin=$1/bench/bench_data_parallel
steps=${2:-40}
# Open MPI binds each of up to 2 processes to a core; one process with 2 threads needs both.
for model in mlp dcgan wgan-gp dcgan64; do
  mpirun --allow-run-as-root -np 1 "$bin" "$model" "$(if [ "$model" = dcgan64 ]; then echo $((steps / 4)); else echo "$steps"; fi)" 1
  mpirun --allow-run-as-root -np 2 "$bin" "$model" "$(if [ "$model" = dcgan64 ]; then echo $((steps / 4)); else echo "$steps"; fi)" 1
  mpirun --allow-run-as-root --bind-to none -np 1 "$bin" "$model" "$(if [ "$model" = dcgan64 ]; then echo $((steps / 4)); else echo "$steps"; fi)" 2
done
