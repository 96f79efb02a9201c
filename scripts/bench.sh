#!/usr/bin/env bash
# scripts/bench.sh: timings, printed as `name value` lines (what `make bench` runs).
#
# train: seconds per epoch of minibatch steps for an MLP 784-128-10 (ReLU) on the full
#   Fashion-MNIST (60000 training images) with Adam, lr 1e-3, batch 128, on BENCH_THREADS
#   threads: entroscape (configs/fmnist-mlp.ini, float64) and, when python3 can import torch,
#   bench/torch_fmnist.py (PyTorch, float32, torch.set_num_threads, same IDX files, same
#   architecture, optimizer and batch). Both also report seconds per evaluation of the two full
#   splits and the final test accuracy. PyTorch runs as installed and with
#   OMP_WAIT_POLICY=passive; the ratio entroscape / (faster PyTorch) closes the section.
#
# Environment: BENCH_EPOCHS (default 3; 10 for the acceptance run), BENCH_THREADS (2),
#   ENTROSCAPE (./entroscape), PYTHON (python3, then /usr/bin/python3 if that one has torch),
#   DATA_DIR (data/, filled by scripts/fetch-data.sh when files are missing).
# Timings depend on what else runs: the load average is printed first.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
epochs=${BENCH_EPOCHS:-3}
threads=${BENCH_THREADS:-2}
bin=${ENTROSCAPE:-./entroscape}
data=${DATA_DIR:-data}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/entroscape-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "load_average $(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
echo "cpus $(nproc)"
echo "threads $threads"
echo "epochs $epochs"

# ---- Wang-Landau moves: incremental vs full evaluation (bench/wl.sh) -----------------------
ENTROSCAPE="$bin" bench/wl.sh

# ---- train ---------------------------------------------------------------------------------
[ -x "$bin" ] || { echo "bench: $bin not found: run make first" >&2; exit 1; }
scripts/fetch-data.sh "$data" fashion-mnist

"$bin" train configs/fmnist-mlp.ini --set task.data_dir="$data" --set train.epochs="$epochs" \
  --threads "$threads" -o "$tmp/fmnist.h5" 2> "$tmp/train.log" || {
  cat "$tmp/train.log" >&2; echo "bench: entroscape train failed" >&2; exit 1; }
# "time: T s; per epoch: S s in minibatch steps; E s per evaluation of both splits"
steps=$(sed -n 's/.*per epoch: \([0-9.e+-]*\) s in minibatch steps.*/\1/p' "$tmp/train.log")
evals=$(sed -n 's/.* \([0-9.e+-]*\) s per evaluation.*/\1/p' "$tmp/train.log")
acc=$(sed -n 's/.*final.*test loss [0-9.e+-]* acc \([0-9.]*\).*/\1/p' "$tmp/train.log")
echo "entroscape_seconds_per_epoch $steps"
echo "entroscape_seconds_per_eval $evals"
echo "entroscape_test_accuracy $acc"

py=""
for p in "${PYTHON:-python3}" /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch, numpy' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "torch skipped (python3 cannot import torch; on Debian: apt-get install python3-torch)"
  exit 0
fi
# PyTorch twice: as installed, and with OMP_WAIT_POLICY=passive (its OpenMP threads sleep
# instead of spinning between operations, which matters a lot when the cores are shared).
# The ratio is taken against the faster of the two.
best=""
for variant in default passive; do
  envs=(); prefix=torch
  [ $variant = passive ] && { envs=(OMP_WAIT_POLICY=passive); prefix=torch_passive; }
  env "${envs[@]}" "$py" bench/torch_fmnist.py --data "$data" --epochs "$epochs" \
    --threads "$threads" > "$tmp/torch.out" 2> "$tmp/torch.log" || {
    cat "$tmp/torch.log" >&2; echo "bench: bench/torch_fmnist.py failed" >&2; exit 1; }
  if [ $variant = default ]; then cat "$tmp/torch.out"
  else grep -E '_(seconds|accuracy)' "$tmp/torch.out" | sed "s/^torch_/${prefix}_/"; fi
  t=$(sed -n 's/^torch_seconds_per_epoch //p' "$tmp/torch.out")
  if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
done
awk -v a="$steps" -v b="$best" \
  'BEGIN { printf "ratio_seconds_per_epoch_entroscape_over_best_torch %.3f\n", a / b }'
echo "load_average_after $(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
