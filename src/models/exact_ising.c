/* exact_ising.c: exact density of states of the periodic 2-D Ising model: brute-force
 * enumeration for L <= 5 and the loader for Beale's exact fixtures (scripts/ising_exact_dos.py). */
#include "entroscape/exact.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Index of the lowest set bit of i > 0. */
static int ising_ctz(uint64_t i)
{
#if defined(__GNUC__)
    return __builtin_ctzll(i);
#else
    int k = 0;
    while (!(i & 1u)) {
        i >>= 1;
        k++;
    }
    return k;
#endif
}

es_status es_exact_ising_enumerate(int L, double *g, es_err *err)
{
    if (L < 1 || L > ES_EXACT_ISING_ENUM_MAX_L)
        return es_err_set(err, ES_ECONFIG, "ising enumeration: L = %d, need 1 <= L <= %d", L,
                          ES_EXACT_ISING_ENUM_MAX_L);
    enum { NMAX = ES_EXACT_ISING_ENUM_MAX_L * ES_EXACT_ISING_ENUM_MAX_L };
    int N = L * L;
    int nb[NMAX][4];                 /* (N, 4): right, left, down, up neighbour of each site */
    signed char spin[NMAX];          /* (N) +1 / -1 */
    uint64_t count[NMAX + 1] = {0};  /* (N + 1) states per j = unsatisfied bonds / 2 */
    for (int i = 0; i < N; i++) {
        int r = i / L, c = i % L;
        nb[i][0] = r * L + (c + 1) % L;
        nb[i][1] = r * L + (c + L - 1) % L;
        nb[i][2] = ((r + 1) % L) * L + c;
        nb[i][3] = ((r + L - 1) % L) * L + c;
        spin[i] = 1;
    }
    /* Gray code: state number i differs from i - 1 in spin ctz(i). Flipping spin k turns each of
     * its 4 bonds (a bond to itself, L = 1, never changes) from satisfied to unsatisfied or back;
     * with L = 2 the two bonds to the same neighbour both count, as in E's definition. */
    long unsat = 0;
    count[0] = 1;
    uint64_t states = (uint64_t)1 << N;
    for (uint64_t i = 1; i < states; i++) {
        int k = ising_ctz(i);
        for (int d = 0; d < 4; d++) {
            int q = nb[k][d];
            if (q != k)
                unsat += spin[q] == spin[k] ? 1 : -1;
        }
        spin[k] = (signed char)-spin[k];
        count[unsat / 2]++;
    }
    for (int j = 0; j <= N; j++)
        g[j] = (double)count[j];
    return ES_OK;
}

/* ln of a non-negative decimal integer given as text (any length): to ~1e-15 relative. */
static double ising_log_decimal(const char *digits, size_t len)
{
    while (len > 1 && *digits == '0') {
        digits++;
        len--;
    }
    if (len == 1 && *digits == '0')
        return -INFINITY;
    char lead[18];
    size_t k = len < 17 ? len : 17;
    memcpy(lead, digits, k);
    lead[k] = '\0';
    return log(strtod(lead, NULL)) + (double)(len - k) * log(10.0);
}

es_status es_exact_ising_load(const char *path, int *L, double **ln_g, es_err *err)
{
    *ln_g = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return es_err_set(err, ES_EIO, "%s: cannot open: %s", path, strerror(errno));
    es_status st = ES_OK;
    char *line = NULL;
    size_t cap = 0, n = 0, alloc = 0;
    double *lg = NULL;               /* (alloc) ln g_j read so far (n of them) */
    long *energy = NULL;             /* (alloc) E_j read so far */
    long lineno = 0;
    while (getline(&line, &cap, f) != -1) {
        lineno++;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
            continue;
        if (n == alloc) {
            size_t na = alloc ? 2 * alloc : 64;
            double *a = realloc(lg, na * sizeof *a);
            if (a)
                lg = a;
            long *b = a ? realloc(energy, na * sizeof *b) : NULL;
            if (b)
                energy = b;
            if (!a || !b) {
                st = es_err_set(err, ES_ENOMEM, "%s: out of memory at line %ld", path, lineno);
                break;
            }
            alloc = na;
        }
        char *end;
        errno = 0;
        long j = strtol(p, &end, 10);
        if (end == p || errno || j != (long)n) {
            st = es_err_set(err, ES_EDATA, "%s:%ld: expected j = %zu first", path, lineno, n);
            break;
        }
        p = end;
        long E = strtol(p, &end, 10);
        if (end == p || errno) {
            st = es_err_set(err, ES_EDATA, "%s:%ld: cannot read E", path, lineno);
            break;
        }
        p = end;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t glen = strspn(p, "0123456789");
        if (glen == 0 || (p[glen] != ' ' && p[glen] != '\t')) {
            st = es_err_set(err, ES_EDATA, "%s:%ld: g must be a non-negative decimal integer",
                            path, lineno);
            break;
        }
        double from_g = ising_log_decimal(p, glen);
        p += glen;
        double v = strtod(p, &end);
        if (end == p || (!isfinite(v) && v != -INFINITY)) {
            st = es_err_set(err, ES_EDATA, "%s:%ld: cannot read ln_g", path, lineno);
            break;
        }
        for (p = end; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++) {
        }
        if (*p != '\0') {
            st = es_err_set(err, ES_EDATA, "%s:%ld: unexpected text after ln_g: '%.20s'", path,
                            lineno, p);
            break;
        }
        int ok = v == -INFINITY ? from_g == -INFINITY
                                : from_g != -INFINITY &&
                                      fabs(v - from_g) <= 1e-12 * (fabs(v) > 1.0 ? fabs(v) : 1.0);
        if (!ok) {
            st = es_err_set(err, ES_EDATA, "%s:%ld: ln_g = %.17g does not match g (ln g = %.17g)",
                            path, lineno, v, from_g);
            break;
        }
        lg[n] = v;
        energy[n] = E;
        n++;
    }
    if (st == ES_OK && ferror(f))
        st = es_err_set(err, ES_EIO, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    free(line);
    long N = (long)n - 1, side = 0;
    if (st == ES_OK) {
        while ((side + 1) * (side + 1) <= N)
            side++;
        if (n < 2 || side * side != N)
            st = es_err_set(err, ES_EDATA, "%s: %zu data lines; need N + 1 with N = L^2 >= 1",
                            path, n);
    }
    for (long j = 0; st == ES_OK && j <= N; j++)
        if (energy[j] != -2 * N + 4 * j)
            st = es_err_set(err, ES_EDATA, "%s: j = %ld has E = %ld, expected %ld (N = %ld)",
                            path, j, energy[j], -2 * N + 4 * j, N);
    free(energy);
    if (st != ES_OK) {
        free(lg);
        return st;
    }
    *L = (int)side;
    *ln_g = lg;
    return ES_OK;
}
