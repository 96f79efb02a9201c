#!/usr/bin/env python3
"""compare-ising.py RUN.h5 FIXTURE.tsv: mean relative error of ln g of an entroscape Ising run
against an exact density of states (tests/fixtures/ising_beale_L*.tsv). Needs python3-h5py."""
import math
import sys

import h5py
import numpy as np

run, fixture = sys.argv[1], sys.argv[2]
with h5py.File(run, "r") as f:
    lg = f["dos/log_g"][:, 0] + f["dos"].attrs["ln_volume"]
    conv = int(f["dos"].attrs["converged"])
exact = np.array([float(l.split()[3]) for l in open(fixture) if l.strip() and not l.startswith("#")])
ok = np.isfinite(exact)
if not np.array_equal(np.isfinite(lg), ok):
    print("reached bins differ from the exact support")
rel = np.abs(lg[ok] - exact[ok]) / exact[ok]
print(f"levels {ok.sum()}  mean relative error {rel.mean():.3g}  max relative error {rel.max():.3g}"
      f"  max |delta ln g| {np.abs(lg[ok] - exact[ok]).max():.3g}  converged {conv}")
