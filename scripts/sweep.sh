#!/usr/bin/env bash
# scripts/sweep.sh: one config key over several values: train (the SGD/Adam baseline), run
# (the landscape), analyze and plot each value, then `entroscape compare` over all of them.
#
#   scripts/sweep.sh [OPTIONS] KEY VALUE [VALUE...] -- CONFIG [CONFIG_TRAIN]
#   scripts/sweep.sh model.hidden 6,6,6 15,15,15 -- \
#       configs/wl-spiral-3x6-loss-acc.ini configs/spiral-3x6.ini
#   scripts/sweep.sh --data-seeds 1-10 CONFIG [CONFIG_TRAIN]     (an ensemble over datasets)
#
# Run `scripts/sweep.sh --help` for the options. Exit codes: 0 success, 1 a step failed,
# 2 usage error.
set -euo pipefail

prog=sweep.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    cat <<'EOF'
usage: scripts/sweep.sh [OPTIONS] KEY VALUE [VALUE...] -- CONFIG [CONFIG_TRAIN]
       scripts/sweep.sh --data-seeds SEEDS [OPTIONS] [--] CONFIG [CONFIG_TRAIN]
       scripts/sweep.sh --data-seeds SEEDS [OPTIONS] KEY VALUE [VALUE...] -- CONFIG [CONFIG_TRAIN]

For each VALUE of the config key KEY (section.key, e.g. model.hidden):
  1. train    entroscape train CONFIG_TRAIN --set KEY=VALUE   -> DIR/TAG-train.h5
              (CONFIG_TRAIN: the second config; without it, CONFIG itself when it has a
              [train] section; otherwise no training and no SGD/Adam comparison).
              A KEY of [sampler] or [output] does not change the training: one training
              run (DIR/NAME-train.h5) is then shared by all values.
  2. run      entroscape run CONFIG --set KEY=VALUE           -> DIR/TAG.h5
     (with --replicas R, also R more runs with sampler.seed = 1001, ..., 1000 + R
              -> DIR/TAG-seedS.h5: independent estimates of the same landscape)
  3. analyze  entroscape analyze DIR/TAG.h5 --sgd TRAIN       -> DIR/TAG.analysis.txt
              (--replica DIR/TAG-seedS.h5 for each replica: the advantage's error then
              includes the landscape's own)
  4. plot     entroscape plot DIR/TAG.h5 --sgd TRAIN -o DIR/figures
and finally
  5. compare  entroscape compare DIR/*.h5 -o DIR/compare      -> DIR/compare.txt, .tsv
              and DIR/compare/NAME-advantage.png, NAME-levels.png
TAG is NAME-KEY-VALUE with dots in KEY as '_' and commas in VALUE as 'x'
(e.g. wl-spiral-3x6-loss-acc-model_hidden-15x15x15); NAME is CONFIG's name.

Data-seed ensembles: --data-seeds SEEDS (e.g. 1-10, or 1,3,5, or 1-5,8) repeats steps 1-4
for every task.seed in SEEDS (training and landscape get the same seed: a new dataset each)
and then, instead of compare,
  5. ensemble entroscape analyze --ensemble-file DIR/ENS.list -o DIR/ENS.h5
              -> DIR/ENS.txt, DIR/ENS.tsv: the advantage over datasets per x bin and
              over the x range, with its between-dataset and within-dataset errors
Without KEY, TAG is NAME-dSEED and ENS is NAME-ensemble (DIR: out/sweep-NAME-data-seeds).
With KEY VALUE..., every value gets its ensemble: TAG NAME-KEY-VALUE-dSEED, ENS
NAME-KEY-VALUE-ensemble, and a summary line per value (mean +- total error).

Options:
  -o, --out DIR        output directory (default: out/sweep-NAME-KEY)
  --set K=V            extra override for `run` (repeatable), e.g. --set sampler.max_seconds=60
  --train-set K=V      extra override for `train` (repeatable), e.g. --train-set train.runs=20
  --seconds S          shorthand for --set sampler.max_seconds=S (a time budget per value)
  --replicas R         R independent replicas of each landscape (other seeds; default 0)
  --data-seeds SEEDS   an ensemble over data seeds (task.seed), see above
  --states S           which SGD/Adam states analyze bins: all-epochs (default) or final
                       (the paper's protocol, e.g. with configs/spiral-3x6-paper-adam.ini)
  --init-from-train    start the walkers from the trained networks
                       (--set sampler.init=sgd:DIR/TAG-train.h5 for each value)
  --threads N          threads for train and run (default: all cores)
  --at X,X,...         x levels for compare (default: 25/50/75% of the common x range)
  --force              redo every step, even where its output exists (default: reuse it)
  --resume             continue runs that stopped unconverged at their time budget from
                       their checkpoints DIR/TAG.ckpt.h5 (a run interrupted before it wrote
                       DIR/TAG.h5 resumes from its checkpoint without this option)
  --slurm              submit to SLURM instead of running here: one array task per value
                       (scripts/slurm/sweep-array.sbatch, which trains and runs, resuming
                       from checkpoints across resubmissions) and a compare job
                       (scripts/slurm/sweep-compare.sbatch) that waits for them; extra
                       sbatch options go in SBATCH_ARGS (e.g. SBATCH_ARGS="--time=8:00:00")
  -n, --dry-run        print the commands, run nothing
  -h, --help           this help

Environment: ENTROSCAPE (default: ./entroscape of this repository).
Exit codes: 0 success, 1 a step failed, 2 usage error.
EOF
}

die_usage() { echo "$prog: $*" >&2; echo "(scripts/sweep.sh --help for usage)" >&2; exit 2; }
die() { echo "$prog: $*" >&2; exit 1; }

out_dir="" threads="" at="" force=0 resume_runs=0 slurm=0 dry=0 init_from_train=0 replicas=0
data_seeds="" states=""
run_sets=() train_sets=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        -o|--out) [ $# -ge 2 ] || die_usage "$1 needs a directory"; out_dir=$2; shift 2 ;;
        --set) [ $# -ge 2 ] || die_usage "--set needs section.key=value"; run_sets+=("$2"); shift 2 ;;
        --set=*) run_sets+=("${1#--set=}"); shift ;;
        --train-set) [ $# -ge 2 ] || die_usage "--train-set needs section.key=value"; train_sets+=("$2"); shift 2 ;;
        --train-set=*) train_sets+=("${1#--train-set=}"); shift ;;
        --seconds) [ $# -ge 2 ] || die_usage "--seconds needs a number"; run_sets+=("sampler.max_seconds=$2"); shift 2 ;;
        --init-from-train) init_from_train=1; shift ;;
        --replicas) [ $# -ge 2 ] || die_usage "--replicas needs a number"; replicas=$2; shift 2 ;;
        --data-seeds) [ $# -ge 2 ] || die_usage "--data-seeds needs seeds, e.g. 1-10"; data_seeds=$2; shift 2 ;;
        --data-seeds=*) data_seeds=${1#--data-seeds=}; shift ;;
        --states) [ $# -ge 2 ] || die_usage "--states needs final or all-epochs"; states=$2; shift 2 ;;
        --threads) [ $# -ge 2 ] || die_usage "--threads needs a number"; threads=$2; shift 2 ;;
        --at) [ $# -ge 2 ] || die_usage "--at needs X,X,..."; at=$2; shift 2 ;;
        --force) force=1; shift ;;
        --resume) resume_runs=1; shift ;;
        --slurm) slurm=1; shift ;;
        -n|--dry-run) dry=1; shift ;;
        --) [ -n "$data_seeds" ] && break; die_usage "KEY and VALUEs come before '--'" ;;
        -*) die_usage "unknown option '$1'" ;;
        *) break ;;
    esac
done

# expand_seeds SPEC: "1-3,7" -> 1 2 3 7 (one a line); exits 2 when malformed.
expand_seeds() {
    local part a b
    local IFS=,
    for part in $1; do
        if [[ "$part" =~ ^([0-9]+)-([0-9]+)$ ]]; then
            a=$((10#${BASH_REMATCH[1]})) b=$((10#${BASH_REMATCH[2]}))
            [ "$a" -le "$b" ] || die_usage "--data-seeds: $part is an empty range"
            seq "$a" "$b"
        elif [[ "$part" =~ ^[0-9]+$ ]]; then
            echo $((10#$part))
        else
            die_usage "--data-seeds: '$part' is not a seed or a range like 1-10"
        fi
    done
}
seeds=()
if [ -n "$data_seeds" ]; then
    [[ "$data_seeds" =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] \
        || die_usage "--data-seeds '$data_seeds': expected seeds and ranges like 1-10 or 1,3,5-8"
    mapfile -t seeds < <(expand_seeds "$data_seeds")
    [ ${#seeds[@]} -ge 1 ] || die_usage "--data-seeds '$data_seeds' names no seed"
    dupseed=$(printf '%s\n' "${seeds[@]}" | sort | uniq -d | head -n1)
    [ -z "$dupseed" ] || die_usage "--data-seeds: seed $dupseed given twice"
    for s in "${run_sets[@]}" "${train_sets[@]}"; do
        [[ "$s" != task.seed=* ]] || die_usage "--data-seeds sets task.seed itself: drop --set $s"
    done
fi
values=()
if [ -n "$data_seeds" ] && { [ "${1:-}" = "--" ] || ! printf '%s\n' "$@" | grep -qx -- '--'; }; then
    [ "${1:-}" != "--" ] || shift
    key=""   # a plain ensemble over data seeds
    values=("")
else
    [ $# -ge 1 ] || die_usage "missing KEY VALUE... -- CONFIG [CONFIG_TRAIN]"
    key=$1
    shift
    [[ "$key" =~ ^[a-z]+\.[a-z_]+$ ]] || die_usage "KEY '$key' is not of the form section.key (e.g. model.hidden)"
    [ -z "$data_seeds" ] || [ "$key" != task.seed ] || die_usage "--data-seeds varies task.seed itself: it cannot be the swept KEY"
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        values+=("$1")
        shift
    done
    [ $# -gt 0 ] || die_usage "missing '--' before CONFIG"
    shift
    [ ${#values[@]} -ge 1 ] || die_usage "no VALUEs given for $key"
fi
[ -z "$states" ] || [ "$states" = final ] || [ "$states" = all-epochs ] \
    || die_usage "--states '$states': expected final or all-epochs"
[ $# -ge 1 ] || die_usage "missing CONFIG after '--'"
[ $# -le 2 ] || die_usage "too many arguments after '--': $* (expected CONFIG [CONFIG_TRAIN])"
config=$1
train_config=${2:-}
[ -f "$config" ] || die_usage "config '$config' not found"
[ -z "$train_config" ] || [ -f "$train_config" ] || die_usage "training config '$train_config' not found"
for v in "${values[@]}"; do
    [ -z "$v" ] && [ -z "$key" ] && continue
    [[ "$v" =~ ^[A-Za-z0-9_.,:+-]+$ ]] || die_usage "value '$v' has characters other than letters, digits and _ . , : + -"
done
dup=$(printf '%s\n' "${values[@]}" | sort | uniq -d | head -n1)
[ -z "$dup" ] || die_usage "value '$dup' given twice"
for s in "${run_sets[@]}" "${train_sets[@]}"; do
    [[ "$s" =~ ^[a-z]+\.[a-z_]+=.*$ ]] || die_usage "override '$s' is not of the form section.key=value"
done
[ -z "$threads" ] || [[ "$threads" =~ ^[1-9][0-9]*$ ]] || die_usage "--threads '$threads' is not a positive integer"
[[ "$replicas" =~ ^[0-9]+$ ]] || die_usage "--replicas '$replicas' is not a whole number"
replicas=$((10#$replicas))   # "08" is not octal here
[ "$replicas" -eq 0 ] || [ "$slurm" -eq 0 ] || die_usage "--replicas is not supported with --slurm yet (submit a sweep of sampler.seed for the replicas)"
if [ "$replicas" -gt 0 ]; then
    [ "$key" != sampler.seed ] || die_usage "--replicas sets sampler.seed itself: it cannot be the swept KEY"
    for s in "${run_sets[@]}"; do
        [[ "$s" != sampler.seed=* ]] || die_usage "--replicas sets sampler.seed itself: drop --set $s"
    done
fi

# Training: the second config, else CONFIG itself when it has a [train] section.
if [ -z "$train_config" ] && grep -q '^[[:space:]]*\[train\]' "$config"; then
    train_config=$config
fi

name=$(basename "$config" .ini)
keytag=${key//./_}
[ -n "$out_dir" ] || out_dir="out/sweep-$name-${keytag:-data-seeds}"
E=${ENTROSCAPE:-$root/entroscape}

# tag_of VALUE [SEED]: NAME-KEY-VALUE, NAME-KEY-VALUE-dSEED, or NAME-dSEED without a KEY.
tag_of() {
    local v=$1 seed=${2:-} t=$name
    [ -z "$key" ] || t="$t-$keytag-${v//,/x}"
    [ -z "$seed" ] || t="$t-d$seed"
    echo "$t"
}
# ens_of VALUE: the name of a value's ensemble.
ens_of() { local v=$1; if [ -z "$key" ]; then echo "$name-ensemble"; else echo "$(tag_of "$v")-ensemble"; fi; }

# Print a command, then run it (unless --dry-run). Output of the command goes where the
# caller sends it.
run_cmd() {
    printf '+' >&2
    printf ' %q' "$@" >&2
    printf '\n' >&2
    [ "$dry" -eq 1 ] || "$@"
}

# --- SLURM: one array task per value, then a compare job ------------------------------
if [ "$slurm" -eq 1 ] && [ -n "$data_seeds" ]; then
    [ -z "$key" ] || die_usage "--data-seeds with KEY VALUE... is not supported with --slurm yet (submit one data-seed sweep per value with --set KEY=VALUE)"
    key=task.seed keytag=task_seed   # one array task per seed; the last job builds the ensemble
    values=("${seeds[@]}")
fi
if [ "$slurm" -eq 1 ]; then
    command -v sbatch >/dev/null 2>&1 || die "--slurm: sbatch not found (is this a SLURM login node?)"
    [ "$dry" -eq 1 ] || mkdir -p "$out_dir"
    last=$(( ${#values[@]} - 1 ))
    # sweep-array.sbatch reads these (exported to the array tasks and their resubmissions).
    export SWEEP_OUT_DIR=$out_dir SWEEP_TRAIN_CONFIG=$train_config SWEEP_INIT_FROM_TRAIN=$init_from_train
    SWEEP_RUN_SETS=$(printf '%s\n' "${run_sets[@]}")
    SWEEP_TRAIN_SETS=$(printf '%s\n' "${train_sets[@]}")
    export SWEEP_RUN_SETS SWEEP_TRAIN_SETS ENTROSCAPE=$E
    sb_args=()
    # shellcheck disable=SC2206  # SBATCH_ARGS is split on whitespace on purpose
    [ -z "${SBATCH_ARGS:-}" ] || sb_args=(${SBATCH_ARGS})
    jobname="entroscape-sweep-$name-$keytag"
    if [ "$dry" -eq 1 ]; then
        run_cmd sbatch --parsable --job-name="$jobname" --array="0-$last" "${sb_args[@]}" \
            "$root/scripts/slurm/sweep-array.sbatch" "$config" "$key" "${values[@]}"
        run_cmd sbatch --dependency=afterany:JOBID --job-name="$jobname-compare" "${sb_args[@]}" \
            "$root/scripts/slurm/sweep-compare.sbatch" "$out_dir" "$jobname" "$name" "$key" "${values[@]}"
        exit 0
    fi
    jid=$(run_cmd sbatch --parsable --job-name="$jobname" --array="0-$last" "${sb_args[@]}" \
        --output="$out_dir/slurm-%A_%a.log" \
        "$root/scripts/slurm/sweep-array.sbatch" "$config" "$key" "${values[@]}") \
        || die "sbatch of the array failed"
    jid=${jid%%;*}
    cid=$(run_cmd sbatch --parsable --dependency="afterany:$jid" --job-name="$jobname-compare" \
        "${sb_args[@]}" --output="$out_dir/slurm-compare-%j.log" \
        "$root/scripts/slurm/sweep-compare.sbatch" "$out_dir" "$jobname" "$name" "$key" "${values[@]}") \
        || die "sbatch of the compare job failed (the array $jid is queued)"
    echo "$prog: submitted array job $jid (${#values[@]} tasks) and compare job ${cid%%;*}"
    echo "$prog: results will be in $out_dir/ (compare: $out_dir/compare.txt, $out_dir/compare/)"
    exit 0
fi

# --- locally -------------------------------------------------------------------------
[ -x "$E" ] || die "$E not found or not executable: run make (or set ENTROSCAPE)"
[ "$dry" -eq 1 ] || mkdir -p "$out_dir/figures"
[ "$dry" -eq 1 ] || [ -n "$data_seeds" ] || mkdir -p "$out_dir/compare"
thr=()
[ -z "$threads" ] || thr=(--threads "$threads")
sets_of() { local s; for s in "$@"; do printf -- '--set\n%s\n' "$s"; done; }

shared_train=0
case "$key" in sampler.*|output.*) shared_train=1 ;; esac

# run_landscape BASE WHAT RUN_ARGS...: entroscape run CONFIG RUN_ARGS -> BASE.h5, log BASE.log,
# checkpoint BASE.ckpt.h5; reused when BASE.h5 exists (unless --force; --resume continues
# an unconverged one from its checkpoint).
run_landscape() {
    local base=$1 what=$2
    shift 2
    local out="$base.h5" ckpt="$base.ckpt.h5" log="$base.log"
    if [ "$force" -eq 1 ] || [ ! -f "$out" ] || { [ "$resume_runs" -eq 1 ] && [ -f "$ckpt" ]; }; then
        local resume=()
        if [ "$force" -eq 0 ] && [ -f "$ckpt" ]; then
            resume=(--resume "$ckpt")
            echo "   resuming from $ckpt" >&2
        elif [ -f "$ckpt" ]; then
            [ "$dry" -eq 1 ] || rm -f "$ckpt"
        fi
        # starting over (--force, or no checkpoint): entroscape run refuses an existing OUT.h5
        [ ${#resume[@]} -gt 0 ] || resume=(--overwrite)
        # A run that ends at its time budget (sampler.max_seconds) writes its result marked
        # converged = 0 and leaves the checkpoint: --resume continues it later.
        if [ "$dry" -eq 1 ]; then
            run_cmd "$E" run "$config" "$@" "${thr[@]}" --set "output.checkpoint=$ckpt" \
                "${resume[@]}" -o "$out"
        else
            run_cmd "$E" run "$config" "$@" "${thr[@]}" --set "output.checkpoint=$ckpt" \
                "${resume[@]}" -o "$out" 2> >(tee "$log" >&2) \
                || die "run failed for $what (log: $log)"
        fi
    else
        echo "   $out exists: reused (--force to run again)" >&2
        [ ! -f "$ckpt" ] || echo "   (not converged: --resume continues it from $ckpt)" >&2
    fi
}

t_start=$SECONDS
results=()
summary=()
stopt=()
[ -z "$states" ] || stopt=(--states "$states")
point_seeds=("")
[ -z "$data_seeds" ] || point_seeds=("${seeds[@]}")
for v in "${values[@]}"; do
  ens_lines=()
  for seed in "${point_seeds[@]}"; do
    tag=$(tag_of "$v" "$seed")
    out="$out_dir/$tag.h5"
    what="${key:+$key = $v}${key:+${seed:+, }}${seed:+task.seed = $seed}"
    psets=()   # this point's overrides, for train and run alike
    [ -z "$key" ] || psets+=(--set "$key=$v")
    [ -z "$seed" ] || psets+=(--set "task.seed=$seed")
    echo "== $what -> $out" >&2
    train_out=""
    if [ -n "$train_config" ]; then
        if [ "$shared_train" -eq 1 ]; then
            train_out="$out_dir/$name${seed:+-d$seed}-train.h5"
            tset=()
            [ -z "$seed" ] || tset=(--set "task.seed=$seed")
        else
            train_out="$out_dir/$tag-train.h5"
            tset=("${psets[@]}")
        fi
        if [ "$force" -eq 1 ] || [ ! -f "$train_out" ]; then
            mapfile -t extra < <(sets_of "${train_sets[@]}")
            run_cmd "$E" train "$train_config" "${tset[@]}" "${extra[@]}" "${thr[@]}" \
                -o "$train_out" --quiet || die "train failed for $what"
        else
            echo "   $train_out exists: reused (--force to train again)" >&2
        fi
    fi
    rset=("${run_sets[@]}")
    [ "$init_from_train" -eq 0 ] || [ -z "$train_out" ] || rset+=("sampler.init=sgd:$train_out")
    if [ "$init_from_train" -eq 1 ] && [ -z "$train_out" ]; then
        die "--init-from-train: no training config (give CONFIG_TRAIN or a [train] section)"
    fi
    mapfile -t extra < <(sets_of "${rset[@]}")
    run_landscape "$out_dir/$tag" "$what" "${psets[@]}" "${extra[@]}"
    reps=()
    for (( k = 1; k <= replicas; k++ )); do
        rseed=$((1000 + k))
        echo "   replica with sampler.seed = $rseed" >&2
        run_landscape "$out_dir/$tag-seed$rseed" "$what, sampler.seed $rseed" "${psets[@]}" \
            "${extra[@]}" --set "sampler.seed=$rseed"
        reps+=(--replica "$out_dir/$tag-seed$rseed.h5")
    done
    sgd=()
    [ -z "$train_out" ] || sgd=(--sgd "$train_out")
    ana=("${sgd[@]}" "${reps[@]}" "${stopt[@]}")   # plot takes the replicas' spread from /analysis
    if [ "$dry" -eq 1 ]; then
        run_cmd "$E" analyze "$out" "${ana[@]}"
    else
        run_cmd "$E" analyze "$out" "${ana[@]}" > "$out_dir/$tag.analysis.txt" \
            || die "analyze failed for $out"
        "$E" analyze "$out" "${ana[@]}" --tsv --no-write > "$out_dir/$tag.analysis.tsv" \
            || die "analyze --tsv failed for $out"
    fi
    run_cmd "$E" plot "$out" "${sgd[@]}" -o "$out_dir/figures" >&2 \
        || echo "$prog: plot failed for $out (going on)" >&2
    results+=("$out")
    ens_lines+=("$tag.h5${train_out:+ $(basename "$train_out")}")
  done
  [ -n "$data_seeds" ] || continue
  # the ensemble of this value over the data seeds
  ens=$(ens_of "$v")
  list="$out_dir/$ens.list"
  if [ "$dry" -eq 1 ]; then
      run_cmd "$E" analyze --ensemble-file "$list" "${stopt[@]}" -o "$out_dir/$ens.h5"
      continue
  fi
  { echo "# written by scripts/sweep.sh: LANDSCAPE.h5 TRAIN.h5 per data seed"
    printf '%s\n' "${ens_lines[@]}"; } > "$list"
  run_cmd "$E" analyze --ensemble-file "$list" "${stopt[@]}" -o "$out_dir/$ens.h5" \
      > "$out_dir/$ens.txt" || die "the ensemble analysis failed for $list"
  "$E" analyze --ensemble-file "$list" "${stopt[@]}" --tsv > "$out_dir/$ens.tsv" \
      || die "analyze --ensemble-file --tsv failed for $list"
  cat "$out_dir/$ens.txt"
  summary+=("${key:+$key = $v: }$(sed -n 's/^mean over datasets: //p' "$out_dir/$ens.txt")")
done

atopt=()
[ -z "$at" ] || atopt=(--at "$at")
if [ -n "$data_seeds" ]; then
    [ "$dry" -eq 1 ] || { echo; echo "ensembles over task.seed = $data_seeds:"; printf '  %s\n' "${summary[@]}"; }
elif [ ${#results[@]} -lt 2 ]; then
    echo "$prog: one value only: nothing to compare" >&2
else
    if [ "$dry" -eq 1 ]; then
        run_cmd "$E" compare "${results[@]}" "${atopt[@]}" -o "$out_dir/compare"
    else
        run_cmd "$E" compare "${results[@]}" "${atopt[@]}" -o "$out_dir/compare" \
            > "$out_dir/compare.txt" || die "compare failed"
        "$E" compare "${results[@]}" "${atopt[@]}" --tsv --no-plot > "$out_dir/compare.tsv" \
            || die "compare --tsv failed"
        cat "$out_dir/compare.txt"
    fi
fi
[ "$dry" -eq 1 ] && exit 0
echo
echo "sweep of ${key:-task.seed} over ${data_seeds:-${values[*]}} done in $(( SECONDS - t_start )) s:"
echo "  landscapes   $out_dir/*.h5 (analysis tables: $out_dir/*.analysis.txt, .tsv)"
echo "  figures      $out_dir/figures/"
if [ -n "$data_seeds" ]; then
    echo "  ensembles    $out_dir/*-ensemble.{txt,tsv,h5,list}"
elif [ ${#results[@]} -ge 2 ]; then
    echo "  comparison   $out_dir/compare.txt, $out_dir/compare.tsv, $out_dir/compare/"
fi
