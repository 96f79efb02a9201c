#!/usr/bin/env bash
# scripts/results-md.sh: write docs/RESULTS.md (to stdout) from the files scripts/reproduce.sh
# left in OUT: NAME.analysis.tsv (entroscape analyze --tsv), NAME.analysis.txt, NAME.info.txt
# (entroscape info), compare-GROUP.txt / .tsv (entroscape compare). Every number in the
# output comes from those files; nothing is typed in by hand except the paper's claims.
#
#   scripts/results-md.sh OUT DOCS TASK...
#   (TASK: name|config|training config|group|extra|1 when the task has replicas)
#
# Called by scripts/reproduce.sh, which sets REPRO_WALL, REPRO_REUSED, REPRO_STARTED, REPRO_FAILED,
# REPRO_BUDGET, REPRO_THREADS_USED, REPRO_REPLICAS_USED and ENTROSCAPE. Exit codes: 0 ok, 2 usage error.
set -euo pipefail

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
[ $# -ge 3 ] || { echo "usage: scripts/results-md.sh OUT DOCS TASK... (see --help)" >&2; exit 2; }
out=$1 docs=$2
shift 2
tasks=("$@")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
E=${ENTROSCAPE:-$root/entroscape}
budget=${REPRO_BUDGET:-?} wall=${REPRO_WALL:-?} threads=${REPRO_THREADS_USED:-?}
replicas=$((10#${REPRO_REPLICAS_USED:-0}))
figrel=figures   # figures relative to RESULTS.md

# info_field FILE LABEL: the value after "LABEL:" in `entroscape info` output.
info_field() { sed -n "s/^ *$2: *//p" "$1" 2>/dev/null | head -n1; }

# levels TSV TXT: the advantage at 25/50/75% of the x range where both curves exist, at the
# bins `entroscape analyze` chose for them (its summary in TXT names the bin: the one holding
# x, or the nearest with both curves at most 2 bins away), with the values of those bins from
# the TSV (full precision); then the mean over the bins with an error, from the TSV, with the
# error analyze printed for it (the Adam runs as clusters across bins; README, "The error
# model"). Prints "x_target x_bin adv err" three times
# ("x_target nan nan nan" where analyze found no bin), then "mean err bins lo hi";
# "none" when no bin has both curves.
levels() {
    awk -F'\t' '
    FNR == NR {                                   # the TSV
        if (FNR == 1) next
        n++; x[n] = $1; a[n] = $8; e[n] = $9
        next
    }
    /^  at x = / {                                # the summary of the text output
        t = $0; sub(/^  at x = */, "", t); split(t, w, " "); lev[++nl] = w[1]
        if ($0 ~ /no bin with both curves/) { bx[nl] = "nan"; next }
        u = $0; sub(/.*\(bin at x = /, "", u); sub(/:.*/, "", u); bx[nl] = u
    }
    /^  mean over the [0-9]+ bins with an error: / {
        t = $0; sub(/.*\+- */, "", t); split(t, w, " "); merr = w[1]
    }
    END {
        lo = ""; hi = ""
        for (i = 1; i <= n; i++) if (a[i] != "nan") { if (lo == "") lo = x[i]; hi = x[i] }
        if (lo == "" || nl != 3) { print "none"; exit }
        for (k = 1; k <= 3; k++) {
            if (bx[k] == "nan") { printf "%s nan nan nan\n", lev[k]; continue }
            j = 0
            for (i = 1; i <= n; i++)
                if (a[i] != "nan" && (j == 0 || (x[i] - bx[k])^2 < (x[j] - bx[k])^2)) j = i
            printf "%s %s %s %s\n", lev[k], x[j], a[j], e[j]
        }
        s = 0; s2 = 0; m = 0
        for (i = 1; i <= n; i++)
            if (a[i] != "nan" && e[i] != "nan") { s += a[i]; s2 += e[i] * e[i]; m++ }
        if (m > 0) printf "%.6g %.3g %d %s %s\n", s / m, merr != "" ? merr : sqrt(s2) / m, m, lo, hi
        else print "nan nan 0 " lo " " hi
    }' "$1" "$2"
}

fmt() { awk -v v="$1" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else printf "%+.4f\n", v }'; }
fmte() { awk -v v="$1" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else printf "%.4f", v }'; }
# significance of an advantage a with error e: +, - or 0 (|a| <= 2e)
sig() { awk -v a="$1" -v e="$2" 'BEGIN { if (a == "nan" || e == "nan") print "?"; else if (a > 2 * e) print "+"; else if (a < -2 * e) print "-"; else print "0" }'; }

# Which landscapes carry their own error: the tasks with replicas whose replica files exist.
rep_tasks=()
for t in "${tasks[@]}"; do
    IFS='|' read -r n c tc g x nrep <<< "$t"
    [ "${nrep:-0}" = 1 ] && [ "$replicas" -gt 0 ] && [ -f "$out/$n-seed1001.h5" ] && rep_tasks+=("$n")
done
if [ ${#rep_tasks[@]} -gt 0 ]; then
    rep_text=", combined in quadrature, for ${rep_tasks[*]}, with the sample sd of <y>(x) over
  $((replicas + 1)) independent landscapes (${replicas} more runs with other seeds,
  \`analyze --replica\`); with $((replicas + 1)) landscapes that sd has ${replicas} degrees
  of freedom, so +-2 errors is a loose criterion there. For the other landscapes their own
  error is not included"
else
    rep_text="; the landscapes' own error is not included (no replicas)"
fi

minutes=$(awk -v w="$wall" 'BEGIN { if (w == "?") print "?"; else printf "%.0f", w / 60 }')
if [ "${REPRO_REUSED:-0}" -eq 0 ]; then
    run_time="The whole run (training, sampling, analysis, figures) took $minutes minutes."
else
    run_time="This invocation took $minutes minutes: it reused ${REPRO_REUSED} landscape files that
earlier invocations had sampled with the same budget (how long each took is in the
landscape column below)."
fi

ver=$("$E" --version 2>/dev/null | head -n1 || echo "entroscape (version unknown)")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1)
ncpu=$(nproc 2>/dev/null || echo '?')

cat <<EOF
# Results: every task of the paper at CPU scale

Generated by \`scripts/reproduce.sh\` (\`make reproduce\`), started ${REPRO_STARTED:-?}, with
${ver} on ${cpu:-an unknown CPU} (${ncpu} cores). **Budget: ${budget} s of sampling per
landscape** (\`REPRO_SECONDS\`), ${threads} threads. ${run_time}
This file is generated: do not edit it, rerun \`make reproduce\` (\`REPRO_SECONDS=1800\` is the
default budget; see "Regenerating" below).

**Read the status column first.** A landscape that did not reach its config's \`ln_f_final\`
within the budget is marked *not converged*: its S(x, y) can be off by many nats, and its
advantage is not evidence for or against the paper. Most networks here need far longer than
this budget (hours to days for the CNNs and the language model at these move rates: see
README, "Sampling networks"); longer budgets, or \`scripts/slurm/run-until-converged.sbatch\`,
are how converged landscapes are obtained. Only the spiral landscapes on the accuracy grid
converge in minutes (3-5 minutes each on 2 cores shared with other work).

What the numbers are (\`entroscape analyze\`, README "Analysis and figures"):

- *advantage* = <y>(x) - SGD mean y(x) for test accuracy, SGD mean y(x) - <y>(x) for ln test
  loss: **positive means the high-entropy states generalise better than the Adam states with
  the same training loss (or accuracy)**. <y>(x) is the entropy-weighted mean of the paper's
  Eq. 1; the SGD mean is over every epoch of every Adam run in that x bin.
- The error (+-) is the standard error of the SGD mean with the Adam runs as independent
  clusters (the epochs of one run are correlated, so they are not counted as independent
  samples)${rep_text}.
  A difference within +-2 errors is called "no difference" below, and larger ones are
  significant only if the landscape converged.
- Levels: 25%, 50% and 75% of the x range where both curves exist (x is the ln training loss,
  or the training accuracy for the spiral), at the bin \`entroscape analyze\` picks (the one
  containing that x, or the nearest with both curves), and the mean over that range (its
  error with the Adam runs as clusters across bins: one run puts states into several bins);
  the values are those of \`entroscape analyze\` for each landscape. All of these errors are
  within one dataset (task.seed = 1): the spread between datasets is not included (see
  "Ensembles over data seeds" when reproduce.sh ran with --data-seeds).

EOF

# ---- summary table ----------------------------------------------------------------------
echo "## Summary"
echo
echo "| task | network (parameters) | x, y | landscape | advantage at 25% / 50% / 75% of x | mean advantage | reading |"
echo "|---|---|---|---|---|---|---|"
declare -A verdict status_of
for t in "${tasks[@]}"; do
    IFS='|' read -r n c tc g x nrep <<< "$t"
    tsv="$out/$n.analysis.tsv" info="$out/$n.info.txt"
    if [ ! -s "$tsv" ] || [ ! -s "$info" ]; then
        echo "| $n | | | **failed** (see out/reproduce/$n.log) | | | |"
        verdict[$n]="failed"
        status_of[$n]="failed"
        continue
    fi
    net=$(head -n1 "$out/$n.analysis.txt" | sed 's/^[^:]*: //')
    xv=$(info_field "$info" "x variable" | awk '{print $1}')
    yv=$(info_field "$info" "y variable" | awk '{print $1}')
    conv=$(info_field "$info" "converged")
    lnf=$(info_field "$info" "final ln f")
    sweeps=$(info_field "$info" "sweeps" | awk '{print $1}')
    bins=$(info_field "$info" "visited bins" | awk '{print $1 " of " $3}')
    if [ "$conv" = yes ]; then st="converged (ln f $lnf)"; else st="**not converged** (ln f $lnf)"; fi
    secs=$(info_field "$info" "convergence" | sed -n 's/.*last at \([0-9.]*\) s.*/\1/p')
    st="$st, $sweeps sweeps per walker, $bins bins, ${secs:-?} s"
    status_of[$n]=$conv
    mapfile -t L < <(levels "$tsv" "$out/$n.analysis.txt")
    if [ "${L[0]}" = none ]; then
        echo "| $n | $net | $xv, $yv | $st | no bin with both curves | | |"
        verdict[$n]="no overlap"
        continue
    fi
    cells=() signs=""
    for i in 0 1 2; do
        read -r lev xu a e <<< "${L[$i]}"
        cells+=("$(fmt "$a") +- $(fmte "$e")")
        signs+=$(sig "$a" "$e")
    done
    read -r m me mb lo hi <<< "${L[3]}"
    np=$(tr -cd '+' <<< "$signs" | wc -c) nn=$(tr -cd '-' <<< "$signs" | wc -c)
    n0=$(tr -cd '0' <<< "$signs" | wc -c)
    if [ "$conv" != yes ]; then
        r="not converged: not evidence"
    elif [ "$n0" -eq 3 ]; then
        r="no difference at the 3 levels"
    else   # every count that is not zero, in words
        parts=()
        [ "$np" -eq 0 ] || parts+=("high-entropy states better at $np")
        [ "$nn" -eq 0 ] || parts+=("Adam states better at $nn")
        [ "$n0" -eq 0 ] || parts+=("no difference at $n0")
        r="$(IFS=';'; echo "${parts[*]}" | sed 's/;/, /g') of 3 levels"
    fi
    verdict[$n]=$r
    echo "| $n | $net | $xv, $yv | $st | ${cells[0]} / ${cells[1]} / ${cells[2]} | $(fmt "$m") +- $(fmte "$me") | $r |"
done
echo

# ---- width comparisons ------------------------------------------------------------------
echo "## Width comparisons"
echo
echo "The paper: the advantage is \"more pronounced in narrower networks\" (spiral widths, the"
echo "regression widths 30 to 1000, the CNN with 2, 3, 4 channels). \`entroscape compare\` over"
echo "the landscapes of each series (levels: 25/50/75% of the x range common to all of them):"
echo
groups=()
for t in "${tasks[@]}"; do
    IFS='|' read -r n c tc g x nrep <<< "$t"
    [ -z "$g" ] || [[ " ${groups[*]-} " == *" $g "* ]] || groups+=("$g")
done
for g in "${groups[@]}"; do
    echo "### $g"
    echo
    if [ ! -s "$out/compare-$g.tsv" ]; then
        echo "Not compared (fewer than two finished landscapes)."
        echo
        continue
    fi
    members=()
    for t in "${tasks[@]}"; do
        IFS='|' read -r n c tc gg x nrep <<< "$t"
        [ "$gg" != "$g" ] || members+=("$n")
    done
    echo '```'
    grep -v '\.png$' "$out/compare-$g.txt"
    echo '```'
    echo
    echo "![advantage against x, $g]($figrel/repro-compare-$g-advantage.png)"
    echo
    # The mean advantage per member, narrow to wide (the order of the tasks), and the
    # difference narrowest - widest with its error (the members' errors in quadrature).
    means=$(awk -F'\t' 'NR > 1 { for (i = 1; i <= NF; i++) if (h[i] == "mean_advantage") m = $i; printf "%s ", m }
                        NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i }' "$out/compare-$g.tsv")
    diffs=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                        { m[NR] = $h["mean_advantage"]; e[NR] = $h["mean_err"] }
                        END { if (NR < 3 || m[2] == "nan" || m[NR] == "nan" || e[2] == "nan" || e[NR] == "nan") print "nan nan";
                              else printf "%.6g %.3g\n", m[2] - m[NR], sqrt(e[2]^2 + e[NR]^2) }' "$out/compare-$g.tsv")
    read -r dm de <<< "$diffs"
    allneg=$(awk -v s="$means" 'BEGIN { n = split(s, m, " "); r = n > 0; for (i = 1; i <= n; i++) if (!(m[i] < 0)) r = 0; print r }')
    allpos=$(awk -v s="$means" 'BEGIN { n = split(s, m, " "); r = n > 0; for (i = 1; i <= n; i++) if (!(m[i] > 0)) r = 0; print r }')
    nconv=0
    for mname in "${members[@]}"; do [ "${status_of[$mname]:-}" != yes ] || nconv=$((nconv + 1)); done
    trend=$(awk -v s="$means" 'BEGIN { n = split(s, m, " "); dec = 1; inc = 1
        for (i = 2; i <= n; i++) { if (m[i] > m[i-1]) dec = 0; if (m[i] < m[i-1]) inc = 0 }
        if (n < 2) print "n/a"; else if (dec && inc) print "is the same for all";
        else if (dec) print "falls from the narrowest to the widest";
        else if (inc) print "rises from the narrowest to the widest"; else print "is not monotonic in width" }')
    printf 'Mean advantage, narrowest first (%s): %s; it %s. ' "${members[*]}" \
        "$(for v in $means; do fmt "$v"; done | paste -sd, | sed 's/,/, /g')" "$trend"
    if [ "$nconv" -eq "${#members[@]}" ]; then
        dtext="narrowest minus widest: $(fmt "$dm") +- $(fmte "$de")"
        dsig=$(sig "$dm" "$de")
        case "$trend:$allneg:$allpos:$dsig" in
            falls*:1:*:+) echo "All ${#members[@]} landscapes converged. The Adam states generalise better than the high-entropy states in every network, by less in the narrower one ($dtext): the ordering by width the paper reports, but not its sign (there is no high-entropy advantage here to be more pronounced)." ;;
            falls*:*:1:+) echo "All ${#members[@]} landscapes converged. The high-entropy states generalise better in every network, more so in the narrower one ($dtext): the paper's \"more pronounced in narrower networks\"." ;;
            falls*:*:*:+) echo "All ${#members[@]} landscapes converged. The mean advantage falls with width ($dtext), changing sign within the series." ;;
            rises*:*:*:-) echo "All ${#members[@]} landscapes converged. The mean advantage rises with width ($dtext): against the paper's \"more pronounced in narrower networks\"." ;;
            *) echo "All ${#members[@]} landscapes converged, but the difference between the narrowest and the widest is within 2 errors ($dtext): no ordering by width." ;;
        esac
    else
        echo "Only $nconv of ${#members[@]} landscapes converged, so this trend is not evidence."
    fi
    echo
done

# ---- per task ----------------------------------------------------------------------------
echo "## Per task"
echo
for t in "${tasks[@]}"; do
    IFS='|' read -r n c tc g x nrep <<< "$t"
    echo "### $n"
    echo
    xs=""
    [ -z "$x" ] || xs=" --set $x"
    echo "Configs: [\`configs/$c\`](../configs/$c) (landscape), [\`configs/$tc\`](../configs/$tc) (Adam runs). Regenerate:"
    echo
    echo '```sh'
    echo "./entroscape train configs/$tc -o out/$n-train.h5"
    echo "./entroscape run configs/$c --threads $threads --set sampler.max_seconds=$budget$xs -o out/$n.h5"
    ra=""
    if [[ " ${rep_tasks[*]-} " == *" $n "* ]]; then
        for (( k = 1; k <= replicas; k++ )); do
            echo "./entroscape run configs/$c --threads $threads --set sampler.max_seconds=$budget$xs --set sampler.seed=$((1000 + k)) -o out/$n-seed$((1000 + k)).h5"
            ra+=" --replica out/$n-seed$((1000 + k)).h5"
        done
    fi
    echo "./entroscape analyze out/$n.h5 --sgd out/$n-train.h5$ra"
    echo "./entroscape plot out/$n.h5 --sgd out/$n-train.h5 -o out/figures"
    echo '```'
    echo
    echo "(or \`scripts/reproduce.sh --only $n\`; without the max_seconds override the run goes on to"
    echo "the config's ln_f_final.)"
    echo
    tsv="$out/$n.analysis.tsv" info="$out/$n.info.txt"
    if [ ! -s "$tsv" ]; then
        echo "**Failed**: see \`out/reproduce/$n.log\`."
        echo
        continue
    fi
    echo "$(head -n2 "$out/$n.analysis.txt" | sed 's/^[^:]*: //' | paste -sd';' | sed 's/;  */; /')."
    echo "Landscape: $(info_field "$info" "converged" | sed 's/yes/converged/; s/no/not converged/'),"
    echo "final ln f $(info_field "$info" "final ln f"), $(info_field "$info" "sweeps" | sed 's/ per / sweeps per /'),"
    echo "$(info_field "$info" "visited bins" | sed 's/ (.*//') bins visited, ln g spanning $(info_field "$info" "ln g span")."
    sg=$(grep -m1 'SGD/Adam:' -A1 "$out/$n.analysis.txt" | tail -n1 | sed 's/^ *//')
    [ -z "$sg" ] || echo "Adam states: $sg."
    echo
    mapfile -t L < <(levels "$tsv" "$out/$n.analysis.txt")
    if [ "${L[0]}" != none ]; then
        echo "| level | x | bin used | advantage | +- (error) |"
        echo "|---|---|---|---|---|"
        pct=(25% 50% 75%)
        for i in 0 1 2; do
            read -r lev xu a e <<< "${L[$i]}"
            echo "| ${pct[$i]} | $(awk -v v="$lev" 'BEGIN { printf "%.4g", v }') | $xu | $(fmt "$a") | $(fmte "$e") |"
        done
        read -r m me mb lo hi <<< "${L[3]}"
        echo "| mean over [$lo, $hi] | | $mb bins | $(fmt "$m") | $(fmte "$me") |"
        echo
        echo "Reading: ${verdict[$n]:-}."
        echo
    fi
    echo "![landscape of $n]($figrel/repro-$n-landscape.png)"
    echo
done

# ---- against the paper ---------------------------------------------------------------------
echo "## Where the advantage appears, and where it does not"
echo
echo "The paper (Yang, Zhang, Shang, Zhang, arXiv 2503.13145) reports that high-entropy states"
echo "generally outperform the states SGD reaches at the same training loss, across its tasks"
echo "(arithmetic, tabular data, image recognition, language modelling, with the spiral and the"
echo "regression width study), and that the advantage is more pronounced in narrower networks;"
echo "e.g. on MNIST 250/250 (their saved data), test accuracy"
echo "of the highest-entropy state vs SGD at ln L_train = -6 / -4 / -2: 2 channels 0.786/0.724,"
echo "0.772/0.731, 0.754/0.681; 3 channels 0.765/0.772, 0.707/0.763, 0.779/0.730; 4 channels"
echo "0.829/0.813, 0.769/0.796, 0.799/0.751 (../shared/PAPER-NOTES.md of the project)."
echo "Their landscapes took days of sampling per task (3.2e10 trials for the spiral; 2e7-1e8"
echo "Langevin steps on GPUs for the rest)."
echo
echo "Here, with ${budget} s per landscape:"
echo
conv_list=() unconv_list=() fail_list=()
for t in "${tasks[@]}"; do
    IFS='|' read -r n c tc g x nrep <<< "$t"
    case "${status_of[$n]:-}" in
        yes) conv_list+=("$n") ;;
        failed) fail_list+=("$n") ;;
        *) unconv_list+=("$n") ;;
    esac
done
if [ ${#conv_list[@]} -gt 0 ]; then
    echo "- Converged landscapes:"
    for n in "${conv_list[@]}"; do echo "  - **$n**: ${verdict[$n]}."; done
else
    echo "- No landscape converged within the budget."
fi
if [ ${#unconv_list[@]} -gt 0 ]; then
    echo "- Not converged, so no statement either way: ${unconv_list[*]}. Their tables above show"
    echo "  what the unconverged estimate gives, for orientation only."
fi
echo "- Narrower vs wider: see \"Width comparisons\"; a trend counts only where every member"
echo "  converged."
if [ ${#fail_list[@]} -gt 0 ] || [ -n "${REPRO_FAILED:-}" ]; then
    echo "- Failed: ${fail_list[*]-} ${REPRO_FAILED:-} (logs in out/reproduce/)."
fi
echo
# The data-seed ensembles (reproduce.sh --data-seeds): one row per task and protocol, from
# the mean row of OUT/NAME[-paper]-ensemble.tsv and the range and verdict lines of the .txt.
ens_rows=()
for t in "${tasks[@]}"; do
    IFS='|' read -r n c tc g x nrep <<< "$t"
    for p in "" -paper; do
        f="$out/$n$p-ensemble"
        [ -s "$f.tsv" ] && [ -s "$f.txt" ] || continue
        row=$(awk -F'\t' '$1 == "mean" { printf "%s|%+.4f|%.4f|%.4f|%.4f|%.4f", $2, $3, $4, $5, $6, $7 }' "$f.tsv")
        range=$(sed -n 's/.*every dataset has (x in \(\[[^]]*\]\).*/\1/p' "$f.txt" | head -n1)
        v=$(sed -n 's/^verdict (at 2 total_err): //p' "$f.txt" | head -n1)
        proto="entroscape (kaiming, batch 40, projected, every epoch)"
        [ -z "$p" ] || proto="paper (glorot, batch 32, unboxed, final states)"
        ens_rows+=("| $n | $proto | ${row//|/ | } | ${range:--} | ${v:--} |")
    done
done
if [ ${#ens_rows[@]} -gt 0 ]; then
    echo "## Ensembles over data seeds"
    echo
    echo "Each dataset (task.seed = ${REPRO_DATA_SEEDS_USED:-?}) has its own landscape and Adam runs; per"
    echo "dataset the mean advantage over the x range every dataset shares (runs as clusters"
    echo "across bins), then over datasets (README, \"Ensembles over datasets\"): the mean,"
    echo "its standard error over datasets, the within-dataset error, the spread between"
    echo "datasets beyond it, and the total error the verdict uses (|mean| > 2 total)."
    echo
    echo "| task | Adam protocol | datasets | mean advantage | se_between | within_err | between_sd | total_err | x range | verdict |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${ens_rows[@]}"
    echo
fi
echo "## Regenerating"
echo
echo '```sh'
echo "make reproduce                                   # REPRO_SECONDS=1800 per landscape: ~5 h on 2 cores"
echo "REPRO_SECONDS=${budget} make reproduce                # the budget of this file"
echo "scripts/reproduce.sh --only spiral-3x6,spiral-3x15 --seconds 600"
echo "scripts/reproduce.sh --only spiral-3x6,spiral-3x15 --data-seeds 1-10   # the ensembles"
echo '```'
echo
echo "Outputs: \`out/reproduce/\` (landscapes \`NAME.h5\`, Adam runs \`NAME-train.h5\`, tables"
echo "\`NAME.analysis.txt\` / \`.tsv\`, logs, all figures); this file and the figures it shows in"
echo "\`docs/\`."
