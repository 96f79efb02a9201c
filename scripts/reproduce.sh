#!/usr/bin/env bash
# scripts/reproduce.sh: every task of the paper at CPU scale (`make reproduce`): for each task
# train the SGD/Adam baseline, sample the entropy landscape with a time budget, analyze, plot;
# compare the width series; write docs/RESULTS.md from the numbers the program printed.
#
# Run `scripts/reproduce.sh --help` for the options. Exit codes: 0 every task done, 1 a task
# failed (the others are still done and reported), 2 usage error.
set -euo pipefail

prog=reproduce.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    cat <<'EOF'
usage: scripts/reproduce.sh [OPTIONS]

Every task of the paper at CPU scale, one after the other:
  spiral-3x6, spiral-3x15           S(train acc, test acc), the authors' Monte Carlo grid
  regression-w30, -w100, -w300      spiral regression, S(ln train loss, ln test loss)
  fmnist-cnn-c2, -c3, -c4           Fashion-MNIST 250/250, the 5-conv CNN, S(ln train loss, test acc)
  boston                            Boston house prices, 13-10-1, S(ln train loss, ln test loss)
  arithmetic                        (a + b) mod 23, 46-128-23, S(ln train loss, test acc)
  text                              character LM on the KJV Bible, S(ln train loss, test acc)
  (regression-w1000 with REPRO_W1000=1: 1,005,001 parameters)
For each: entroscape train (configs/<training config>), entroscape run (configs/wl-*.ini,
sampler.max_seconds = the budget), analyze --sgd, plot; then compare for the width series
(spiral 3x6 vs 3x15, regression widths, CNN channels); then docs/RESULTS.md. The spiral
landscapes, which converge within minutes, are also run with other seeds (replicas, each
with the same budget) so that analyze --replica adds the landscape's own error.

Options:
  --seconds S     time budget of each landscape (default: $REPRO_SECONDS, else 1800 s). The
                  whole run takes about (number of tasks) x S plus ~5 minutes of training.
  --threads N     threads for train and run (default: $REPRO_THREADS, else 2)
  --replicas N    independent replicas (sampler.seed 1001, 1002, ...) of each spiral
                  landscape (default: $REPRO_REPLICAS, else 2; 0: none)
  --data-seeds S  ensembles over datasets for the spiral tasks: for every task.seed in S
                  (e.g. 1-10; default: $REPRO_DATA_SEEDS, else none) a landscape
                  (NAME-dSEED.h5) and Adam runs of both protocols: entroscape's
                  (configs/spiral-3xW.ini, every epoch) and the paper's
                  (configs/spiral-3xW-paper-adam.ini where it exists: glorot, batch 32,
                  unboxed, final states); then analyze --ensemble-file for each protocol
                  (NAME-ensemble.*, NAME-paper-ensemble.*) and a section in RESULTS.md
  --out DIR       working directory for the .h5 files, logs and figures (default: out/reproduce)
  --docs DIR      where RESULTS.md and its figures go (default: docs; figures in DIR/figures)
  --only T,T,...  only these tasks (names as above; RESULTS.md then covers only them)
  --force         redo every step (default: reuse outputs that exist, e.g. after an interruption)
  --list          print the tasks and their configs, run nothing
  -h, --help      this help

Environment: REPRO_SECONDS, REPRO_THREADS, REPRO_REPLICAS, REPRO_DATA_SEEDS, REPRO_W1000=1, ENTROSCAPE
(default ./entroscape).
Run time with the default budget (1800 s): about 5 hours on 2 cores (the 9 landscapes
other than the spiral ones use the whole budget; the 6 spiral landscapes, 2 tasks x (1 + 2
replicas), stop when they converge, 3-6 minutes each).
Exit codes: 0 ok, 1 a task failed (see its log; the rest is still reported), 2 usage error.
EOF
}
die_usage() { echo "$prog: $*" >&2; echo "(scripts/reproduce.sh --help for usage)" >&2; exit 2; }
die() { echo "$prog: $*" >&2; exit 1; }

seconds=${REPRO_SECONDS:-1800}
threads=${REPRO_THREADS:-2}
replicas=${REPRO_REPLICAS:-2}
data_seeds=${REPRO_DATA_SEEDS:-}
out=out/reproduce docs=docs only="" force=0 list=0
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --seconds) [ $# -ge 2 ] || die_usage "--seconds needs a number"; seconds=$2; shift 2 ;;
        --threads) [ $# -ge 2 ] || die_usage "--threads needs a number"; threads=$2; shift 2 ;;
        --replicas) [ $# -ge 2 ] || die_usage "--replicas needs a number"; replicas=$2; shift 2 ;;
        --data-seeds) [ $# -ge 2 ] || die_usage "--data-seeds needs seeds, e.g. 1-10"; data_seeds=$2; shift 2 ;;
        --out) [ $# -ge 2 ] || die_usage "--out needs a directory"; out=$2; shift 2 ;;
        --docs) [ $# -ge 2 ] || die_usage "--docs needs a directory"; docs=$2; shift 2 ;;
        --only) [ $# -ge 2 ] || die_usage "--only needs task names"; only=$2; shift 2 ;;
        --force) force=1; shift ;;
        --list) list=1; shift ;;
        *) die_usage "unknown argument '$1'" ;;
    esac
done
[[ "$seconds" =~ ^[0-9]+([.][0-9]+)?$ ]] && awk -v s="$seconds" 'BEGIN{exit !(s > 0)}' \
    || die_usage "budget '$seconds' is not a positive number of seconds (--seconds, REPRO_SECONDS)"
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || die_usage "threads '$threads' is not a positive integer"
[[ "$replicas" =~ ^[0-9]+$ ]] || die_usage "replicas '$replicas' is not a whole number (--replicas, REPRO_REPLICAS)"
replicas=$((10#$replicas))   # "08" is not octal here
seeds=()
if [ -n "$data_seeds" ]; then
    [[ "$data_seeds" =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] \
        || die_usage "--data-seeds '$data_seeds': expected seeds and ranges like 1-10 or 1,3,5-8"
    IFS=, read -r -a parts <<< "$data_seeds"
    for p in "${parts[@]}"; do
        if [[ "$p" == *-* ]]; then seeds+=($(seq $((10#${p%-*})) $((10#${p#*-})))); else seeds+=($((10#$p))); fi
    done
    [ ${#seeds[@]} -ge 2 ] || die_usage "--data-seeds '$data_seeds': an ensemble needs at least two seeds"
fi

# name | landscape config | training config | group for compare | extra run overrides | r
# (r = 1: independent replicas of the landscape, --replicas of them, with other seeds)
# The CNNs and the text model make a few hundred to a few thousand moves per second: their
# walkers meet every 10 sweeps (CNN: 4,000-10,000 moves, 10-60 s) or every sweep (text: 46,674
# moves, ~30 s) instead of every 1e5 moves, so that a budget of minutes still sees several
# meetings (max_seconds is checked when the walkers meet, after the burn-in).
tasks=(
    "spiral-3x6|wl-spiral-3x6-acc-acc.ini|spiral-3x6.ini|spiral-width||1"
    "spiral-3x15|wl-spiral-3x15-acc-acc.ini|spiral-3x15.ini|spiral-width||1"
    "regression-w30|wl-spiral-regression-w30.ini|spiral-regression-w30.ini|regression-width|"
    "regression-w100|wl-spiral-regression-w100.ini|spiral-regression-w100.ini|regression-width|"
    "regression-w300|wl-spiral-regression-w300.ini|spiral-regression-w300.ini|regression-width|"
    "fmnist-cnn-c2|wl-fmnist-cnn-c2.ini|fmnist-cnn-c2.ini|cnn-channels|sampler.check_every=10"
    "fmnist-cnn-c3|wl-fmnist-cnn-c3.ini|fmnist-cnn-c3.ini|cnn-channels|sampler.check_every=10"
    "fmnist-cnn-c4|wl-fmnist-cnn-c4.ini|fmnist-cnn-c4.ini|cnn-channels|sampler.check_every=10"
    "boston|wl-boston.ini|boston-h10.ini||"
    "arithmetic|wl-arithmetic.ini|arithmetic-box.ini||"
    "text|wl-text.ini|text-small.ini||sampler.check_every=1"
)
if [ "${REPRO_W1000:-0}" = 1 ]; then
    tasks=("${tasks[@]:0:5}"
           "regression-w1000|wl-spiral-regression-w1000.ini|spiral-regression-w1000.ini|regression-width|"
           "${tasks[@]:5}")
fi
if [ -n "$only" ]; then
    sel=()
    IFS=, read -r -a want <<< "$only"
    for w in "${want[@]}"; do
        found=0
        for t in "${tasks[@]}"; do [ "${t%%|*}" != "$w" ] || { sel+=("$t"); found=1; }; done
        [ "$found" -eq 1 ] || die_usage "--only: unknown task '$w' (--list shows them)"
    done
    tasks=("${sel[@]}")
fi
if [ "$list" -eq 1 ]; then
    printf '%-17s %-37s %-34s %s\n' task landscape training compare
    for t in "${tasks[@]}"; do
        IFS='|' read -r n c tc g x nrep <<< "$t"
        printf '%-17s %-37s %-34s %s\n' "$n" "configs/$c" "configs/$tc" "${g:--}"
    done
    exit 0
fi

E=${ENTROSCAPE:-$root/entroscape}
[ -x "$E" ] || die "$E not found or not executable: run make (or set ENTROSCAPE)"
for t in "${tasks[@]}"; do
    IFS='|' read -r n c tc g x nrep <<< "$t"
    [ -f "$root/configs/$c" ] || die "configs/$c missing"
    [ -f "$root/configs/$tc" ] || die "configs/$tc missing"
done
mkdir -p "$out/figures" "$docs/figures"
log="$out/reproduce.log"
t0=$SECONDS
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
note() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$log" >&2; }
note "reproduce: ${#tasks[@]} tasks, budget $seconds s per landscape, $threads threads, into $out"

failed=() reused=0
# step NAME LOGFILE COMMAND...: run a step with its output in LOGFILE; on failure, record it.
step() {
    local name=$1 lf=$2
    shift 2
    printf '+' >>"$lf"; printf ' %q' "$@" >>"$lf"; printf '\n' >>"$lf"
    if "$@" >>"$lf" 2>&1; then return 0; fi
    note "  FAILED: $name (see $lf)"
    return 1
}

# sample NAME OUT.h5 [--set K=V ...]: the landscape of configs/$c with the budget into OUT.h5
# (checkpoint beside it), unless OUT.h5 exists (then counted as reused; --force redoes it).
sample() {
    local name=$1 h5=$2
    shift 2
    if [ "$force" -eq 0 ] && [ -f "$h5" ]; then
        reused=$((reused + 1))
        return 0
    fi
    local ckpt="${h5%.h5}.ckpt.h5"
    rm -f "$ckpt"
    step "$name" "$lf" "$E" run "$root/configs/$c" --threads "$threads" \
        --set "sampler.max_seconds=$seconds" --set "output.checkpoint=$ckpt" "$@" -o "$h5" --overwrite
}

# data_seed_ensembles: for task $n (configs $c, $tc) and every seed in seeds: the landscape
# NAME-dS.h5 and Adam runs of both protocols (NAME-dS-train.h5 with configs/$tc, every
# epoch; NAME-dS-paper-train.h5 with configs/${tc%.ini}-paper-adam.ini, final states), then
# the ensembles NAME-ensemble.{list,txt,tsv,h5} and NAME-paper-ensemble.*. Outputs that exist
# are reused (counted) unless --force.
data_seed_ensembles() {
    local paper="${tc%.ini}-paper-adam.ini" s protos=(entroscape) p tr list states cfgt
    [ -f "$root/configs/$paper" ] && protos+=(paper)
    for list in "$out/$n-ensemble.list" "$out/$n-paper-ensemble.list"; do
        echo "# written by scripts/reproduce.sh: LANDSCAPE.h5 TRAIN.h5 per data seed" > "$list"
    done
    for s in "${seeds[@]}"; do
        note "$n: data seed $s: landscape and Adam runs (${protos[*]})"
        sample "$n data seed $s" "$out/$n-d$s.h5" "${extra[@]}" --set "task.seed=$s" || return 1
        for p in "${protos[@]}"; do
            if [ "$p" = paper ]; then tr="$out/$n-d$s-paper-train.h5"; cfgt=$paper
            else tr="$out/$n-d$s-train.h5"; cfgt=$tc; fi
            if [ "$force" -eq 1 ] || [ ! -f "$tr" ]; then
                step "$n train ($p, data seed $s)" "$lf" "$E" train "$root/configs/$cfgt" \
                    --set "task.seed=$s" --threads "$threads" -o "$tr" --quiet || return 1
            fi
            [ "$p" = paper ] && list="$out/$n-paper-ensemble.list" || list="$out/$n-ensemble.list"
            echo "$n-d$s.h5 $(basename "$tr")" >> "$list"
        done
    done
    for p in "${protos[@]}"; do
        [ "$p" = paper ] && { list="$out/$n-paper-ensemble"; states=final; } \
                         || { list="$out/$n-ensemble"; states=all-epochs; }
        step "$n ensemble ($p)" "$lf" "$E" analyze --ensemble-file "$list.list" \
            --states "$states" -o "$list.h5" || return 1
        "$E" analyze --ensemble-file "$list.list" --states "$states" > "$list.txt" 2>>"$lf" || return 1
        "$E" analyze --ensemble-file "$list.list" --states "$states" --tsv > "$list.tsv" 2>>"$lf" \
            || return 1
    done
}

for t in "${tasks[@]}"; do
    IFS='|' read -r n c tc g x nrep <<< "$t"
    lf="$out/$n.log"
    echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) reproduce.sh (budget $seconds s)" >>"$lf"   # earlier invocations' logs stay
    train="$out/$n-train.h5" run="$out/$n.h5"
    ts=$SECONDS
    note "$n: train configs/$tc"
    if [ "$force" -eq 1 ] || [ ! -f "$train" ]; then
        step "$n train" "$lf" "$E" train "$root/configs/$tc" --threads "$threads" -o "$train" --quiet \
            || { failed+=("$n"); continue; }
    fi
    note "$n: run configs/$c (budget $seconds s)"
    extra=()
    [ -z "$x" ] || extra=(--set "$x")
    sample "$n run" "$run" "${extra[@]}" || { failed+=("$n"); continue; }
    reps=()
    if [ "${nrep:-0}" = 1 ]; then
        for (( k = 1; k <= replicas; k++ )); do
            rep="$out/$n-seed$((1000 + k)).h5"
            note "$n: replica with sampler.seed = $((1000 + k)) (budget $seconds s)"
            sample "$n replica $k" "$rep" "${extra[@]}" --set "sampler.seed=$((1000 + k))" \
                || { failed+=("$n-replica$k"); continue; }
            reps+=(--replica "$rep")
        done
    fi
    step "$n analyze" "$lf" "$E" analyze "$run" --sgd "$train" "${reps[@]}" \
        || { failed+=("$n"); continue; }
    "$E" analyze "$run" --sgd "$train" "${reps[@]}" >"$out/$n.analysis.txt" 2>>"$lf" || true
    "$E" analyze "$run" --sgd "$train" "${reps[@]}" --tsv --no-write >"$out/$n.analysis.tsv" \
        2>>"$lf" || { failed+=("$n"); continue; }
    "$E" info "$run" >"$out/$n.info.txt" 2>>"$lf" || true
    step "$n plot" "$lf" "$E" plot "$run" --sgd "$train" -o "$out/figures" || { failed+=("$n"); continue; }
    cp "$out/figures/$n-landscape.png" "$docs/figures/repro-$n-landscape.png"
    note "$n: done in $(( SECONDS - ts )) s"
    [ "${nrep:-0}" = 1 ] && [ ${#seeds[@]} -gt 0 ] && { data_seed_ensembles || failed+=("$n-ensemble"); }
done

# Width series: compare the members that finished.
groups=()
for t in "${tasks[@]}"; do
    IFS='|' read -r n c tc g x nrep <<< "$t"
    [ -z "$g" ] || [[ " ${groups[*]-} " == *" $g "* ]] || groups+=("$g")
done
for g in "${groups[@]}"; do
    files=()
    for t in "${tasks[@]}"; do
        IFS='|' read -r n c tc gg x nrep <<< "$t"
        [ "$gg" = "$g" ] && [ -f "$out/$n.h5" ] && [ -s "$out/$n.analysis.tsv" ] && files+=("$out/$n.h5")
    done
    rm -f "$out/compare-$g.txt" "$out/compare-$g.tsv"
    [ ${#files[@]} -ge 2 ] || { note "compare $g: fewer than two results, skipped"; continue; }
    note "compare $g: ${files[*]}"
    mkdir -p "$out/compare-$g"
    if "$E" compare "${files[@]}" -o "$out/compare-$g" >"$out/compare-$g.txt" 2>>"$log" \
        && "$E" compare "${files[@]}" --tsv --no-plot >"$out/compare-$g.tsv" 2>>"$log"; then
        cp "$out/compare-$g/compare-advantage.png" "$docs/figures/repro-compare-$g-advantage.png"
    else
        note "  FAILED: compare $g (see $log)"
        failed+=("compare-$g")
    fi
done

wall=$(( SECONDS - t0 ))
note "all steps done in $wall s; writing $docs/RESULTS.md"
REPRO_WALL=$wall REPRO_REUSED=$reused REPRO_STARTED=$started REPRO_FAILED="${failed[*]-}" REPRO_BUDGET=$seconds \
    REPRO_THREADS_USED=$threads REPRO_REPLICAS_USED=$replicas REPRO_DATA_SEEDS_USED="$data_seeds" ENTROSCAPE=$E \
    "$root/scripts/results-md.sh" "$out" "$docs" "${tasks[@]}" >"$docs/RESULTS.md.tmp" \
    && mv "$docs/RESULTS.md.tmp" "$docs/RESULTS.md" || die "writing $docs/RESULTS.md failed"
note "wrote $docs/RESULTS.md (figures in $docs/figures/); total $(( SECONDS - t0 )) s"
if [ ${#failed[@]} -gt 0 ]; then
    note "failed: ${failed[*]}"
    exit 1
fi
