#!/usr/bin/env bash
# bench/wl.sh: speed of the network sampler's moves, printed as `name value` lines (called by
# scripts/bench.sh, also runs on its own). For each case `entroscape bench` times single-
# parameter moves evaluated incrementally and by a full forward pass on one thread, and
# replays the full run's moves in lockstep to measure the drift; its lines are printed with
# the case's name in front (wl_<case>_<name>):
#   spiral15_loss, spiral100_loss  spiral 2-w-w-w-2 ReLU (w = 15, 100), 40 + 40 points,
#                                  x = ln train loss, y = test accuracy
#   spiral15_acc, spiral100_acc    the same, x = train accuracy (the authors' Monte Carlo axes)
#   regression1000                 spiral regression 2-1000-1000-1 (1,005,001 parameters),
#                                  250 + 250 points, ln train loss x ln test loss
# Acceptance (issue 4): speedup >= 10 at w = 15 and >= 50 at w = 100 with max_drift <= 1e-9;
# regression1000 >= 2e5 moves per second with bytes_per_walker <= 1 GiB.
# Environment: BENCH_WL_SECONDS (seconds per mode, default 2), ENTROSCAPE (./entroscape).
# Timings depend on the load, printed first and last; the *_cpu_* lines count moves per
# second of CPU time the run got, which other work on the machine changes less.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${ENTROSCAPE:-./entroscape}
secs=${BENCH_WL_SECONDS:-2}
[ -x "$bin" ] || { echo "bench/wl.sh: $bin not found: run make first" >&2; exit 1; }

echo "wl_load_average $(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
run_case() {  # name config [--set ...]
  local name=$1 cfg=$2
  shift 2
  local out
  out=$("$bin" bench "$cfg" --threads 1 --seconds "$secs" "$@") || {
    echo "bench/wl.sh: entroscape bench $cfg $* failed" >&2; exit 1; }
  printf '%s\n' "$out" | grep -E '^(network|moves_per_[a-z_]+|speedup[a-z_]*|max_drift|bytes_per_walker) ' |
    sed "s/^/wl_${name}_/"
}
spiral=configs/wl-spiral-3x6-loss-acc.ini
run_case spiral15_loss "$spiral" --set model.hidden=15,15,15
run_case spiral15_acc "$spiral" --set model.hidden=15,15,15 --set sampler.x=train_acc
run_case spiral100_loss "$spiral" --set model.hidden=100,100,100
run_case spiral100_acc "$spiral" --set model.hidden=100,100,100 --set sampler.x=train_acc
run_case regression1000 configs/wl-spiral-regression-w1000.ini
echo "wl_load_average_after $(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
