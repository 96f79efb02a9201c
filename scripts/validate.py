#!/usr/bin/python3
"""validate.py: the sampler against exact answers, many seeds per case (`make validate`).

Each case is a config whose density of states is known exactly: particles (Irwin-Hall for
|w|, the n-ball for w^2; 1-D and 2-D; grids covering the whole range, tails included; with
and without replica-exchange windows), the 2-D Ising model against Beale's exact g
(tests/fixtures/ising_beale_L*.tsv), and tiny binary networks against `entroscape exact`.
Every run uses the default method and the case's own ln_f_final; nothing is tuned per seed.

Per case it prints: runs converged (of seeds), median and worst max |delta ln g| over the
converged runs, the share of bins within 2 reported errors (all runs), the number of runs
that say converged but are wrong (max |delta ln g| > 0.2 nats or a bin > 5 errors off), and
the median run time. It writes docs/VALIDATION.md and docs/figures/validation-z.png (the
z-scores delta / err of every bin against the standard normal).

usage: scripts/validate.py [--quick] [--seeds N] [--case SUBSTRING] [--out DIR]
                           [--md docs/VALIDATION.md] [--max-seconds S]
Needs python3-h5py and python3-numpy (Debian), gnuplot for the figure.
"""
import argparse
import math
import os
import subprocess
import sys
import time

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "entroscape")


def particles(n, pot, bound, bins, lo, hi, split=0, ybins=0, ylo=0, yhi=0, ln_f="1e-6",
              extra=""):
    s = f"[task]\nname = particles\nn = {n}\npotential = {pot}\n"
    if split:
        s += f"split = {split}\n"
    s += f"[model]\nbound = {bound}\n[sampler]\nx_min = {lo}\nx_max = {hi}\nx_bins = {bins}\n"
    if split:
        s += f"y_min = {ylo}\ny_max = {yhi}\ny_bins = {ybins}\n"
    s += f"ln_f_final = {ln_f}\nwalkers = 2\n{extra}"
    return s


def ising(L, ln_f="1e-6"):
    N = L * L
    return (f"[task]\nname = ising\nL = {L}\n[sampler]\nx_bins = {N + 1}\nx_min = {-2 * N - 2}\n"
            f"x_max = {2 * N + 2}\nln_f_final = {ln_f}\nwalkers = 2\n")


BINARY_TINY = open(os.path.join(ROOT, "configs", "binary-tiny.ini")).read()

# name, config text, exact source ("exact" = `entroscape exact`, or a Beale fixture), fast?
CASES = [
    ("particles abs 1-D n=18, 12 bins [0,1] (the issue's case)",
     particles(18, "abs", 1, 12, 0, 1), "exact", True),
    ("particles abs 1-D n=40, 20 bins [0,1]", particles(40, "abs", 1, 20, 0, 1), "exact", True),
    ("particles square 1-D n=12, 16 bins [0,1/12]",
     particles(12, "square", 1, 16, 0, 1 / 12), "exact", True),
    ("particles abs 1-D n=30, bound 2, 15 bins [0,2], 3 windows",
     particles(30, "abs", 2, 15, 0, 2, extra="windows = 3\noverlap = 0.6\n"), "exact", True),
    ("particles abs 2-D n=30 split 12, 12x12 bins [0,1]^2",
     particles(30, "abs", 1, 12, 0, 1, split=12, ybins=12, ylo=0, yhi=1), "exact", False),
    ("particles abs 2-D n=16 split 8, 8x8 bins [0,1]^2, 2 windows",
     particles(16, "abs", 1, 8, 0, 1, split=8, ybins=8, ylo=0, yhi=1,
               extra="windows = 2\noverlap = 0.5\n"), "exact", False),
    ("ising L=8 (Beale)", ising(8), "ising_beale_L8.tsv", True),
    ("ising L=16 (Beale)", ising(16), "ising_beale_L16.tsv", False),
    ("ising L=32 (Beale), ln f 1e-5", ising(32, "1e-5"), "ising_beale_L32.tsv", False),
    ("binary network 6-2-2-3 on (a+b) mod 3 (exact count)", BINARY_TINY, "exact", True),
]


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def beale(name):
    lg = []
    for line in open(os.path.join(ROOT, "tests", "fixtures", name)):
        if line.strip() and not line.startswith("#"):
            lg.append(float(line.split()[3]))
    return np.array(lg)[:, None]


def compare(run_h5, exact):
    with h5py.File(run_h5, "r") as f:
        d = f["dos"]
        lg = d["log_g"][:]
        err = d["log_g_err"][:] if "log_g_err" in d else np.full(lg.shape, np.nan)
        conv = int(d.attrs["converged"])
    both = np.isfinite(lg) & np.isfinite(exact)
    missed = int((np.isfinite(exact) & ~np.isfinite(lg)).sum())
    extra = int((np.isfinite(lg) & ~np.isfinite(exact)).sum())
    # both normalised over the bins they share
    a = lg - np.log(np.exp(lg[both] - lg[both].max()).sum()) - lg[both].max()
    b = exact - np.log(np.exp(exact[both] - exact[both].max()).sum()) - exact[both].max()
    delta = (a - b)[both]
    e = err[both]
    z = delta[np.isfinite(e) & (e > 0)] / e[np.isfinite(e) & (e > 0)]
    return dict(conv=conv, maxd=float(np.abs(delta).max()), z=z, missed=missed, extra=extra,
                nbins=int(both.sum()), unknown=int((~(np.isfinite(e) & (e > 0))).sum()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fast cases only, 10 seeds")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=101)
    ap.add_argument("--case", default="", help="only cases whose name contains this")
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "validate"))
    ap.add_argument("--md", default=os.path.join(ROOT, "docs", "VALIDATION.md"))
    ap.add_argument("--max-seconds", type=float, default=600,
                    help="budget per run (a run that needs more is reported unconverged)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows, allz = [], []
    t_start = time.time()
    for name, cfg, src, fast in CASES:
        if a.quick and not fast or a.case not in name:
            continue
        slug = "".join(c if c.isalnum() else "-" for c in name.split(" (")[0])[:48].strip("-")
        ini = os.path.join(a.out, slug + ".ini")
        with open(ini, "w") as f:
            f.write(cfg)
        if src == "exact":
            ex_h5 = os.path.join(a.out, slug + "-exact.h5")
            r = run([BIN, "exact", ini, "-o", ex_h5, "--quiet", "--overwrite"])
            if r.returncode:
                r = run([BIN, "exact", ini, "-o", ex_h5, "--quiet"])
            if r.returncode:
                print(f"{name}: exact failed: {r.stderr.strip()}", file=sys.stderr)
                continue
            with h5py.File(ex_h5, "r") as f:
                exact = f["dos/log_g"][:]
        else:
            exact = beale(src)
        res, times = [], []
        for s in range(a.first_seed, a.first_seed + a.seeds):
            out = os.path.join(a.out, f"{slug}-s{s}.h5")
            for p in (out, out[:-3] + ".ckpt.h5"):
                if os.path.exists(p):
                    os.remove(p)
            t0 = time.time()
            r = run([BIN, "run", ini, "--set", f"sampler.seed={s}", "--set",
                     f"sampler.max_seconds={a.max_seconds}", "-o", out, "--quiet"])
            times.append(time.time() - t0)
            if not os.path.exists(out):
                print(f"{name} seed {s}: run failed: {r.stderr.strip()[-300:]}", file=sys.stderr)
                continue
            c = compare(out, exact)
            res.append(c)
            allz.extend(c["z"].tolist())
            wrong = c["conv"] and (c["maxd"] > 0.2 or (np.abs(c["z"]) > 5).any())
            print(f"  {slug} seed {s}: converged {c['conv']}  max|d| {c['maxd']:.3f}  "
                  f"within 2 err {np.mean(np.abs(c['z']) <= 2) if len(c['z']) else float('nan'):.2f}  "
                  f"{times[-1]:.0f} s{'  CONVERGED BUT WRONG' if wrong else ''}", flush=True)
        conv = [c for c in res if c["conv"]]
        z = np.concatenate([c["z"] for c in res]) if res else np.array([])
        md = [c["maxd"] for c in conv]
        wrong = sum(1 for c in conv if c["maxd"] > 0.2 or (np.abs(c["z"]) > 5).any())
        row = dict(name=name, runs=len(res), conv=len(conv),
                   med=float(np.median(md)) if md else float("nan"),
                   worst=float(np.max(md)) if md else float("nan"),
                   within=float(np.mean(np.abs(z) <= 2)) if len(z) else float("nan"),
                   wrong=wrong, time=float(np.median(times)) if times else float("nan"),
                   tmax=float(np.max(times)) if times else float("nan"),
                   missed=sum(c["missed"] for c in res))
        rows.append(row)
        print(f"{name}: converged {row['conv']}/{row['runs']}, max|d| median {row['med']:.3f} "
              f"worst {row['worst']:.3f}, within 2 err {row['within']:.3f}, converged but wrong "
              f"{row['wrong']}, time median {row['time']:.0f} s (max {row['tmax']:.0f} s)",
              flush=True)
    write_md(a, rows, np.array(allz), time.time() - t_start)
    return 1 if any(r["wrong"] for r in rows) else 0


def write_md(a, rows, z, seconds):
    figdir = os.path.join(os.path.dirname(a.md), "figures")
    os.makedirs(figdir, exist_ok=True)
    fig = os.path.join(figdir, "validation-z.png")
    if len(z):
        zc = np.clip(z, -6, 6)
        hist, edges = np.histogram(zc, bins=48, range=(-6, 6), density=True)
        dat = os.path.join(a.out, "z.dat")
        with open(dat, "w") as f:
            for h, lo, hi in zip(hist, edges[:-1], edges[1:]):
                x = 0.5 * (lo + hi)
                f.write(f"{x} {h} {math.exp(-x * x / 2) / math.sqrt(2 * math.pi)}\n")
        gp = (f"set terminal pngcairo size 800,500 font ',11'\nset output '{fig}'\n"
              f"set title 'z = (sampled - exact ln g) / reported error, {len(z)} bins'\n"
              "set xlabel 'z'\nset ylabel 'density'\nset key top right\n"
              f"plot '{dat}' u 1:2 w boxes fs solid 0.5 title 'all validation bins', "
              f"'' u 1:3 w l lw 2 title 'standard normal'\n")
        subprocess.run(["gnuplot"], input=gp, text=True)
    out = ["# Validation against exact densities of states", "",
           "Generated by `make validate` (scripts/validate.py); regenerate with `make validate`",
           f"(about {seconds / 60:.0f} minutes on this machine). Every run uses the default method and",
           "the case's own ln_f_final, seeds 101 onward; errors are /dos/log_g_err.", "",
           "| case | converged | max abs delta ln g (median / worst, converged runs) | bins within 2 err "
           "| converged but wrong | time per run (median / max) |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['name']} | {r['conv']}/{r['runs']} | {r['med']:.3f} / {r['worst']:.3f} | "
                   f"{r['within']:.3f} | {r['wrong']} | {r['time']:.0f} s / {r['tmax']:.0f} s |")
    out += ["", "\"Converged but wrong\": converged = 1 with max |delta ln g| > 0.2 nats or a bin "
            "more than 5 reported errors off.", ""]
    if len(z):
        out += [f"All bins: {np.mean(np.abs(z) <= 1):.3f} within 1 err, {np.mean(np.abs(z) <= 2):.3f} "
                f"within 2 err, {np.mean(np.abs(z) <= 3):.3f} within 3 err "
                f"(standard normal: 0.683, 0.954, 0.997).", "",
                "![z-scores](figures/validation-z.png)", ""]
    with open(a.md, "w") as f:
        f.write("\n".join(out))
    print(f"wrote {a.md}")


if __name__ == "__main__":
    sys.exit(main())
