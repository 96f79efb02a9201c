#!/usr/bin/python3
"""use_cases_table.py: tables and figures of docs/USE-CASES.md from entroscape training files.

usage: use_cases_table.py [--reach T] [--ref LABEL] [--figure PNG] [--entropy PNG] [--gap]
                          LABEL=FILE.h5 ...

Prints a Markdown table, one row per file: final training and test accuracy (mean +- standard
error over the file's runs), the generalisation gap when --gap, nonzero weights (mean over runs,
of the weight tensors' total; biases not counted), sparsity, each hidden layer's final
activation entropy, and with --reach T the first epoch at which the mean test accuracy reaches T
(and how many runs ever reach it). --ref LABEL adds the difference of each row's final test
accuracy from that row's, with the standard error of the difference (runs independent), and a
verdict: better / worse when the difference exceeds twice its error, else "no difference".
--pairwise: rows come in pairs (baseline, method); each method row gets the same difference
and verdict against the row before it.
--recover E (a shift at epoch E): per run, the epochs after the shift until the test accuracy
is back within 0.01 of its value before the shift (epoch E - 1), mean +- s.e. over the runs
that recover, and how many do; also the test accuracy right after the shift (epoch E).
--figure draws the mean test accuracy against epoch of every
file (gnuplot), --entropy the mean activation entropy of the first hidden layer.
Reads with h5py (Debian python3-h5py): run with /usr/bin/python3."""
import math
import subprocess
import sys

import h5py
import numpy as np

TRAIN_ACC, TEST_ACC = 1, 3


def mean_se(v):
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan
    se = v.std(ddof=1) / math.sqrt(v.size) if v.size > 1 else math.nan
    return float(v.mean()), se


def fmt(m, se, digits=3):
    if not math.isfinite(m):
        return "n/a"
    if math.isfinite(se):
        return f"{m:.{digits}f} ± {se:.{digits}f}"
    return f"{m:.{digits}f}"




def load(path):
    f = h5py.File(path, "r")
    g = f["sgd"]
    d = {"history": g["history"][()], "final": g["final_params"][()]}
    d["sparsity"] = g["sparsity"][()] if "sparsity" in g else None
    d["entropy"] = g["activation_entropy"][()] if "activation_entropy" in g else None
    d["method"] = g.attrs.get("method", b"")
    if isinstance(d["method"], bytes):
        d["method"] = d["method"].decode()
    d["arch"] = g.attrs["arch"]
    if isinstance(d["arch"], bytes):
        d["arch"] = d["arch"].decode()
    d["best"] = g["best_epoch"][()] if "best_epoch" in g else None
    f.close()
    return d


def verdict(x, y):
    """mean(x) - mean(y) with its standard error, and better / worse beyond twice it."""
    a, b = mean_se(x), mean_se(y)
    diff, err = a[0] - b[0], math.hypot(a[1], b[1])
    v = ("better" if diff > 2 * err else "worse" if diff < -2 * err
         else "no difference") if math.isfinite(err) else "?"
    return f"{diff:+.3f} ± {err:.3f} ({v})"


def main(argv):
    reach, figure, entropy_fig, gap, ref, recover = None, None, None, False, None, None
    pairwise = False
    items = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--reach":
            reach = float(argv[i + 1]); i += 2; continue
        if a == "--figure":
            figure = argv[i + 1]; i += 2; continue
        if a == "--entropy":
            entropy_fig = argv[i + 1]; i += 2; continue
        if a == "--pairwise":
            pairwise = True; i += 1; continue
        if a == "--recover":
            recover = int(argv[i + 1]); i += 2; continue
        if a == "--ref":
            ref = argv[i + 1]; i += 2; continue
        if a == "--gap":
            gap = True; i += 1; continue
        label, _, path = a.partition("=")
        items.append((label, path, load(path)))
        i += 1
    n_hidden = max((d["entropy"].shape[2] if d["entropy"] is not None else 0) for _, _, d in items)
    head = ["method", "runs", "train acc", "test acc"]
    if gap:
        head.append("gap (train - test)")
    head += ["nonzero params", "sparsity (weights)"]
    head += [f"act. entropy L{l + 1}" for l in range(n_hidden)]
    if ref is not None:
        head.append(f"test acc − {ref}")
    if pairwise:
        head.append("test acc − the row above")
    if recover is not None:
        head += [f"test acc at the shift (epoch {recover})", "epochs to recover (runs recovering)"]
    if reach is not None:
        head.append(f"first epoch test acc ≥ {reach:g} (runs reaching)")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for idx, (label, path, d) in enumerate(items):
        h = d["history"]
        runs = h.shape[0]
        tr = mean_se(h[:, -1, TRAIN_ACC])
        te = mean_se(h[:, -1, TEST_ACC])
        row = [label, str(runs), fmt(*tr), fmt(*te)]
        if gap:
            row.append(fmt(*mean_se(h[:, -1, TRAIN_ACC] - h[:, -1, TEST_ACC])))
        nz = [(d["final"][r] != 0).sum() for r in range(runs)]
        row.append(f"{np.mean(nz):.0f} of {d['final'].shape[1]}")
        row.append(fmt(*mean_se(d["sparsity"][:, -1])) if d["sparsity"] is not None else "n/a")
        for l in range(n_hidden):
            e = d["entropy"]
            row.append(fmt(*mean_se(e[:, -1, l])) if e is not None and l < e.shape[2] else "")
        if ref is not None:
            rd = [x for x in items if x[0] == ref][0][2]["history"][:, -1, TEST_ACC]
            row.append("reference" if label == ref else verdict(h[:, -1, TEST_ACC], rd))
        if pairwise:
            if idx % 2 == 0:
                row.append("baseline")
            else:
                row.append(verdict(h[:, -1, TEST_ACC], items[idx - 1][2]["history"][:, -1, TEST_ACC]))
        if recover is not None:
            row.append(fmt(*mean_se(h[:, recover, TEST_ACC])))
            ks = []
            for r in range(runs):
                pre = h[r, recover - 1, TEST_ACC]
                after = np.nonzero(h[r, recover:, TEST_ACC] >= pre - 0.01)[0]
                if after.size:
                    ks.append(after[0] + 1)
            m, se = mean_se(ks) if ks else (math.nan, math.nan)
            row.append(f"{fmt(m, se, 1)} ({len(ks)} of {runs})")
        if reach is not None:
            m = np.nanmean(h[:, :, TEST_ACC], axis=0)
            hit = np.nonzero(m >= reach)[0]
            k = sum(1 for r in range(runs) if np.any(h[r, :, TEST_ACC] >= reach))
            row.append(f"{hit[0] if hit.size else 'never'} ({k} of {runs})")
        print("| " + " | ".join(row) + " |")
    if figure:
        plot(items, figure, "test accuracy (mean over runs)",
             lambda d: np.nanmean(d["history"][:, :, TEST_ACC], axis=0))
    if entropy_fig:
        plot([it for it in items if it[2]["entropy"] is not None], entropy_fig,
             "activation entropy of hidden layer 1 (nats)",
             lambda d: np.nanmean(d["entropy"][:, :, 0], axis=0))


def plot(items, png, ylabel, series):
    lines = [f"set terminal pngcairo size 900,560 font ',11'", f"set output '{png}'",
             "set xlabel 'epoch'", f"set ylabel '{ylabel}'", "set key outside right top",
             "set grid lc rgb '#dddddd'"]
    plots = []
    for k, (label, _, d) in enumerate(items):
        y = series(d)
        lines.append(f"$D{k} << EOD")
        lines += [f"{e} {v:.8g}" for e, v in enumerate(y) if math.isfinite(v)]
        lines.append("EOD")
        plots.append(f"$D{k} using 1:2 with lines lw 2 title '{label}'")
    lines.append("plot " + ", ".join(plots))
    subprocess.run(["gnuplot"], input="\n".join(lines) + "\n", text=True, check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
