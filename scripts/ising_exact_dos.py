#!/usr/bin/env python3
"""ising_exact_dos.py L [L...]: exact density of states g(E) of the periodic L x L Ising model.

Writes tests/fixtures/ising_beale_L{L}.tsv (or --out DIR) for each even L.

Method (P. D. Beale, Phys. Rev. Lett. 76, 78 (1996)): Kaufman's exact partition function of the
finite periodic lattice (B. Kaufman, Phys. Rev. 76, 1232 (1949)),

    Z = (1/2) (2 sinh 2K)^(N/2) (Z1 + Z2 + Z3 + Z4),   N = L^2,
    Z1 = prod_{r=0}^{L-1} 2 cosh(L g_{2r+1} / 2),   Z2 = same with sinh,
    Z3 = prod_{r=0}^{L-1} 2 cosh(L g_{2r} / 2),     Z4 = same with sinh,
    cosh g_k = cosh 2K coth 2K - cos(pi k / L)   (g_k > 0 for k >= 1),
    g_0 = 2K + ln tanh K   (signed: negative above T_c, which flips the sign of Z4),

is, with E = -sum_<ij> s_i s_j over the 2N bonds and E_j = -2N + 4j, equal to
Z = sum_j g_j e^{-K E_j}, so Z e^{-2NK} = sum_{j=0}^{N} g_j v^j with v = e^{-4K}.

For even L everything is a rational function of u = e^{2K} with no branch choices:
  * g_k = g_{2L-k}, so paired factors become (2 cosh(L g/2))^2 = 2 + 2 T_L(cosh g) and
    (2 sinh(L g/2))^2 = 2 T_L(cosh g) - 2 (T_L the Chebyshev polynomial), with
    cosh g_k = c - cos(pi k/L), c = cosh 2K coth 2K = (u^2 + 1)^2 / (2u (u^2 - 1));
  * the unpaired g_0 and g_L have closed forms e^{g_0} = e^{2K} tanh K = u(u-1)/(u+1) and
    e^{g_L} = e^{2K} coth K = u(u+1)/(u-1) (both checked: (a + 1/a)/2 = c -+ 1), so
    2 cosh(L g/2) = a^{L/2} + a^{-L/2} and 2 sinh(L g/2) = a^{L/2} - a^{-L/2}.
The polynomial P(v) = Z u^{-N} is even in u, so either square root u = v^{-1/2} gives the same
value.  We evaluate P at M = N + 1 points v_k = exp(2 pi i (k + 1/2) / M) on the unit circle
(offset by half a step to avoid the singular point v = 1) in mpmath at high precision, recover
the coefficients with an inverse DFT and round them to integers.

Checks (asserted): every coefficient is within 1e-20 of a non-negative integer with imaginary
part below 1e-20; sum g_j = 2^N; g_0 = g_N = 2; g_1 = 0; g_2 = 2N; g_j = g_{N-j}; Z(K) from the
coefficients equals Kaufman's formula evaluated directly with real arccosh at several K; and for
L <= 4 the counts equal a brute-force enumeration of all 2^N states.

Needs mpmath (Debian package python3-mpmath).  If the python3 first on PATH lacks it, run
    /usr/bin/python3 scripts/ising_exact_dos.py 4 8 16 32
"""
import argparse
import os
import sys

try:
    import mpmath as mp
except ImportError:  # pragma: no cover
    sys.exit("ising_exact_dos.py: needs mpmath (apt-get install python3-mpmath; "
             "or run with /usr/bin/python3)")

REFERENCE = ("P. D. Beale, Phys. Rev. Lett. 76, 78 (1996); "
             "B. Kaufman, Phys. Rev. 76, 1232 (1949)")


def chebyshev_t(L, x):
    """T_L(x) by the three-term recurrence (x may be complex)."""
    t0, t1 = mp.mpf(1), x
    if L == 0:
        return t0
    for _ in range(L - 1):
        t0, t1 = t1, 2 * x * t1 - t0
    return t1


def poly_value(L, v):
    """P(v) = Z e^{-2NK} = sum_j g_j v^j at complex v (even L), from Kaufman's formula."""
    N = L * L
    u = 1 / mp.sqrt(v)                      # either branch: P is even in u
    c = (u * u + 1) ** 2 / (2 * u * (u * u - 1))
    z1 = z2 = z3p = z4p = mp.mpf(1)
    for k in range(1, L, 2):                # odd k < L, paired with 2L - k
        t = chebyshev_t(L, c - mp.cospi(mp.mpf(k) / L))
        z1 *= 2 + 2 * t
        z2 *= 2 * t - 2
    for k in range(2, L, 2):                # even 0 < k < L, paired with 2L - k
        t = chebyshev_t(L, c - mp.cospi(mp.mpf(k) / L))
        z3p *= 2 + 2 * t
        z4p *= 2 * t - 2
    h = L // 2
    a = (u * (u - 1) / (u + 1)) ** h        # e^{L g_0 / 2}
    b = (u * (u + 1) / (u - 1)) ** h        # e^{L g_L / 2}
    z3 = (a + 1 / a) * (b + 1 / b) * z3p
    z4 = (a - 1 / a) * (b - 1 / b) * z4p
    z = (u - 1 / u) ** (N // 2) / 2 * (z1 + z2 + z3 + z4)
    return z * u ** (-N)


def kaufman_z_direct(L, K):
    """Z(K) at real K > 0 straight from Kaufman's products (no pairing, real arccosh): an
    independent check of poly_value's algebra.  Works for any L."""
    K = mp.mpf(K)
    N = L * L
    c = mp.cosh(2 * K) * mp.coth(2 * K)

    def gamma(k):
        if k == 0:
            return 2 * K + mp.log(mp.tanh(K))
        return mp.acosh(c - mp.cospi(mp.mpf(k) / L))

    z1 = z2 = z3 = z4 = mp.mpf(1)
    for r in range(L):
        go, ge = gamma(2 * r + 1), gamma(2 * r)
        z1 *= 2 * mp.cosh(L * go / 2)
        z2 *= 2 * mp.sinh(L * go / 2)
        z3 *= 2 * mp.cosh(L * ge / 2)
        z4 *= 2 * mp.sinh(L * ge / 2)
    return (2 * mp.sinh(2 * K)) ** (mp.mpf(N) / 2) / 2 * (z1 + z2 + z3 + z4)


def brute_force(L):
    """g_j by enumerating all 2^N states (bit i = site (i // L, i % L)); j = unsatisfied bonds / 2."""
    N = L * L
    mask = (1 << N) - 1
    col0 = sum(1 << (r * L) for r in range(L))          # first column
    g = [0] * (N + 1)
    for s in range(1 << N):
        right = ((s >> 1) & ~(col0 << (L - 1)) & mask) | ((s & col0) << (L - 1))
        down = ((s >> L) | (s << (N - L))) & mask
        unsat = bin(s ^ right).count("1") + bin(s ^ down).count("1")
        g[unsat // 2] += 1
    return g


def exact_dos(L, dps=None):
    """The exact integers g_0..g_N for even L, with the largest rounding residual seen."""
    if L < 2 or L % 2:
        raise ValueError("L must be even and >= 2 (the Chebyshev pairing needs even L)")
    N = L * L
    M = N + 1
    # Coefficients reach 2^N ~ 10^(0.30 N); twice that many digits plus a margin leaves the
    # round-off (including cancellation among Z1..Z4 near v = 1) far below 0.5.
    mp.mp.dps = dps if dps else int(2 * N * 0.30103) + 50
    values = [None] * M
    for k in range(M):
        if 2 * k + 1 > M:                   # v_k = conj(v_{M-1-k}) and P has real coefficients
            values[k] = mp.conj(values[M - 1 - k])
        else:
            values[k] = poly_value(L, mp.expjpi(mp.mpf(2 * k + 1) / M))
    roots = [mp.expjpi(-mp.mpf(2 * m) / M) for m in range(M)]
    g, worst = [], mp.mpf(0)
    for j in range(N + 1):
        acc = mp.mpc(0)
        for k in range(M):
            acc += values[k] * roots[(k * j) % M]
        acc *= mp.expjpi(-mp.mpf(j) / M) / M
        n = int(mp.nint(acc.real))
        worst = max(worst, abs(acc.real - n), abs(acc.imag))
        g.append(n)
    return g, worst


def verify(L, g, worst):
    N = L * L
    assert worst < mp.mpf("1e-20"), f"L={L}: rounding residual {mp.nstr(worst, 5)} too large"
    assert all(x >= 0 for x in g), f"L={L}: negative count"
    assert sum(g) == 2 ** N, f"L={L}: sum g = {sum(g)} != 2^N"
    assert g[0] == 2 and g[N] == 2, f"L={L}: g_0, g_N = {g[0]}, {g[N]} (expected 2, 2)"
    assert g[1] == 0, f"L={L}: g_1 = {g[1]}"
    assert L == 2 or g[2] == 2 * N, f"L={L}: g_2 = {g[2]} != 2N"
    assert all(g[j] == g[N - j] for j in range(N + 1)), f"L={L}: not symmetric"
    old = mp.mp.dps
    mp.mp.dps = 60
    for K in ("0.1", "0.3", "0.44068679350977151262", "0.6", "1.0"):
        K = mp.mpf(K)
        z_poly = sum(mp.mpf(gj) * mp.exp(K * (2 * N - 4 * j)) for j, gj in enumerate(g))
        z_dir = kaufman_z_direct(L, K)
        rel = abs(z_poly / z_dir - 1)
        assert rel < mp.mpf("1e-40"), f"L={L}, K={K}: Z mismatch, relative {mp.nstr(rel, 5)}"
    mp.mp.dps = old
    if L <= 4:
        assert g == brute_force(L), f"L={L}: differs from brute force"


def write_fixture(path, L, g, command):
    N = L * L
    mp.mp.dps = 40
    with open(path, "w") as f:
        f.write(f"# Exact density of states of the periodic {L} x {L} Ising model "
                f"(N = {N}, E = -sum over the 2N nearest-neighbour bonds of s_i s_j).\n")
        f.write(f"# Source: Kaufman's exact finite-lattice partition function, Beale's method: "
                f"{REFERENCE}.\n")
        f.write(f"# Generated by: {command}\n")
        f.write("# Checked: sum g = 2^N, g_0 = g_N = 2, g_1 = 0, g_2 = 2N, g_j = g_{N-j}, "
                "Z(K) against Kaufman's products" + (", brute force" if L <= 4 else "") + ".\n")
        f.write("# Columns: j = (E + 2N)/4, E, g (exact integer), ln g (17 significant digits; "
                "-inf where g = 0).\n")
        f.write("# j\tE\tg\tln_g\n")
        for j, gj in enumerate(g):
            E = -2 * N + 4 * j
            lng = "-inf" if gj == 0 else mp.nstr(mp.log(mp.mpf(gj)), 17, strip_zeros=False)
            f.write(f"{j}\t{E}\t{gj}\t{lng}\n")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("L", type=int, nargs="+", help="even lattice sizes")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "tests", "fixtures"),
                    help="output directory (default: tests/fixtures)")
    args = ap.parse_args(argv)
    command = "python3 scripts/ising_exact_dos.py " + " ".join(str(L) for L in args.L)
    for L in args.L:
        g, worst = exact_dos(L)
        verify(L, g, worst)
        path = os.path.join(args.out, f"ising_beale_L{L}.tsv")
        write_fixture(os.path.normpath(path), L, g, command)
        print(f"L={L}: N={L * L}, sum g = 2^{L * L}, max residual {mp.nstr(worst, 3)}, "
              f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main(sys.argv[1:])
