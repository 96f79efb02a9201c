/* test_h5io.c: entroscape's HDF5 files: exact round trips of 1-D and 2-D densities of
 * states, named dimensions (checked with the HDF5 dimension-scale API), root attributes,
 * atomic replacement, abort, error messages and `info` output. Values written are read
 * back bit for bit, so every numeric comparison here uses tolerance 0 unless stated. */
#include "testutil.h"

#include "entroscape/h5io.h"

#include <dirent.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------ */

/* A path inside the test's temporary directory (static slots, like tu_write_file). */
static const char *tmp_path(const char *name)
{
    static char paths[8][512];
    static int slot;
    char *p = paths[slot++ % 8];
    snprintf(p, 512, "%s/%s", tu_tmpdir(), name);
    return p;
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Number of entries of tu_tmpdir() whose name starts with prefix. */
static int count_entries(const char *prefix)
{
    DIR *dir = opendir(tu_tmpdir());
    assert_non_null(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(dir);
    return n;
}

/* 1-D: 5 energy bins on [-2.5, 2.5], bin 3 never visited, 3 history rows. */
static es_dos *make_dos_1d(void)
{
    es_err err = {0};
    es_dos *d = es_dos_alloc(5, 1, &err);
    assert_non_null(d);
    for (size_t i = 0; i <= 5; i++)
        d->x_edges[i] = -2.5 + (double)i;
    d->y_edges[0] = 0.0;
    d->y_edges[1] = 1.0;
    const double lg[5] = {-3.25, -1.0 / 3.0, -0.125, -INFINITY, -7.5e-300};
    const uint64_t hist[5] = {10, 20, UINT64_MAX, 0, (uint64_t)1 << 60};
    memcpy(d->log_g, lg, sizeof lg);
    memcpy(d->histogram, hist, sizeof hist);
    strcpy(d->x_variable, "energy");
    strcpy(d->y_variable, "none");
    strcpy(d->method, "wl");
    d->ln_f = 1.0 / 1024.0 / 1024.0 / 1024.0;
    d->flatness = 0.8125;
    d->sweeps = 123456789012ULL;
    d->moves = 98765432109876ULL;
    d->walkers = 4;
    d->converged = 1;
    d->ln_volume = 5.0 * log(2.0);
    for (int i = 0; i < 3; i++) {
        es_dos_stage s = {(uint64_t)1000 * (uint64_t)(i + 1), ldexp(1.0, -i), 0.8 + 0.01 * i,
                          0.1 * (i + 1), 0};
        assert_int_equal(es_dos_add_stage(d, s, &err), ES_OK);
    }
    return d;
}

/* 2-D: 4 x 3 bins, two bins never visited, empty history, not converged, 1/t. */
static es_dos *make_dos_2d(void)
{
    es_err err = {0};
    es_dos *d = es_dos_alloc(4, 3, &err);
    assert_non_null(d);
    for (size_t i = 0; i <= 4; i++)
        d->x_edges[i] = -1.0 + 0.5 * (double)i;
    for (size_t j = 0; j <= 3; j++)
        d->y_edges[j] = 0.25 * (double)j;
    for (size_t k = 0; k < 12; k++) {
        d->log_g[k] = -0.1 * (double)k - 1.0;
        d->histogram[k] = 3 * k + 1;
    }
    d->log_g[1 * 3 + 2] = -INFINITY;   /* (1,2) */
    d->log_g[3 * 3 + 0] = -INFINITY;   /* (3,0) */
    d->histogram[5] = d->histogram[9] = 0;
    strcpy(d->x_variable, "energy");
    strcpy(d->y_variable, "mean_abs");
    strcpy(d->method, "1/t");
    d->ln_f = 0.03125;
    d->flatness = 0.25;
    d->sweeps = 7;
    d->moves = 84;
    d->walkers = 1;
    d->converged = 0;
    d->ln_volume = -1.5;
    return d;
}

/* Exact equality, treating -inf == -inf. */
static void assert_same_double(double a, double b, const char *label)
{
    if (isinf(b))
        assert_true(isinf(a) && (a < 0) == (b < 0));
    else
        assert_close(a, b, 0.0, label);
}

/* Every field of got equals want, bit for bit (tolerance 0). */
static void assert_same_dos(const es_dos *got, const es_dos *want)
{
    assert_int_equal(got->x_bins, want->x_bins);
    assert_int_equal(got->y_bins, want->y_bins);
    for (size_t i = 0; i <= want->x_bins; i++)
        assert_same_double(got->x_edges[i], want->x_edges[i], "x_edges");
    for (size_t j = 0; j <= want->y_bins; j++)
        assert_same_double(got->y_edges[j], want->y_edges[j], "y_edges");
    for (size_t k = 0; k < want->x_bins * want->y_bins; k++) {
        assert_same_double(got->log_g[k], want->log_g[k], "log_g");
        assert_true(got->histogram[k] == want->histogram[k]);
    }
    assert_string_equal(got->x_variable, want->x_variable);
    assert_string_equal(got->y_variable, want->y_variable);
    assert_string_equal(got->method, want->method);
    assert_same_double(got->ln_f, want->ln_f, "ln_f");
    assert_same_double(got->flatness, want->flatness, "flatness");
    assert_same_double(got->ln_volume, want->ln_volume, "ln_volume");
    assert_true(got->sweeps == want->sweeps);
    assert_true(got->moves == want->moves);
    assert_int_equal(got->walkers, want->walkers);
    assert_int_equal(got->converged, want->converged);
    assert_int_equal(got->n_stages, want->n_stages);
    for (size_t i = 0; i < want->n_stages; i++) {
        assert_true(got->stages[i].sweeps == want->stages[i].sweeps);
        assert_same_double(got->stages[i].ln_f, want->stages[i].ln_f, "stage ln_f");
        assert_same_double(got->stages[i].flatness, want->stages[i].flatness, "stage flatness");
        assert_same_double(got->stages[i].seconds, want->stages[i].seconds, "stage seconds");
    }
}

/* Write d (may be NULL: no /dos) to path with the given config and seed, and commit. */
static void write_file(const char *path, const es_dos *d, const char *config, long seed)
{
    es_err err = {0};
    es_h5 *h = es_h5_create(path, config, seed, &err);
    if (!h)
        fail_msg("es_h5_create: %s", err.msg);
    if (d && es_h5_write_dos(h, d, &err) != ES_OK)
        fail_msg("es_h5_write_dos: %s", err.msg);
    if (es_h5_commit(h, &err) != ES_OK)
        fail_msg("es_h5_commit: %s", err.msg);
}

/* ---- round trips -------------------------------------------------------------------- */

static void test_round_trip_1d(void **state)
{
    (void)state;
    const char *path = tmp_path("rt1.h5");
    es_dos *d = make_dos_1d();
    write_file(path, d, "[task]\nname = particles\n", 42);
    es_err err = {0};
    es_dos *r = es_h5_read_dos(path, &err);
    if (!r)
        fail_msg("es_h5_read_dos: %s", err.msg);
    assert_same_dos(r, d);
    assert_true(isinf(r->log_g[3]) && r->log_g[3] < 0);   /* -inf survives */
    assert_true(r->histogram[2] == UINT64_MAX);           /* full uint64 range */
    es_dos_free(r);
    es_dos_free(d);
}

static void test_round_trip_2d_empty_history(void **state)
{
    (void)state;
    const char *path = tmp_path("rt2.h5");
    es_dos *d = make_dos_2d();
    write_file(path, d, NULL, -5);
    es_err err = {0};
    es_dos *r = es_h5_read_dos(path, &err);
    if (!r)
        fail_msg("es_h5_read_dos: %s", err.msg);
    assert_same_dos(r, d);
    assert_int_equal(r->n_stages, 0);
    es_dos_free(r);

    /* the empty history is stored as 0-length datasets */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    const char *cols[] = {"stage", "sweeps", "ln_f", "flatness", "seconds"};
    for (size_t c = 0; c < ES_ARRAY_LEN(cols); c++) {
        char name[64];
        snprintf(name, sizeof name, "/dos/convergence/%s", cols[c]);
        hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
        assert_true(ds >= 0);
        hid_t sp = H5Dget_space(ds);
        hsize_t n = 99;
        assert_int_equal(H5Sget_simple_extent_ndims(sp), 1);
        H5Sget_simple_extent_dims(sp, &n, NULL);
        assert_int_equal(n, 0);
        H5Sclose(sp);
        H5Dclose(ds);
    }
    H5Fclose(f);
    es_dos_free(d);
}

/* ---- named dimensions --------------------------------------------------------------- */

/* dataset `name` in f has, on dimension idx, exactly one scale, named scale_name, and the
 * dimension label scale_name. */
static void assert_dim(hid_t f, const char *name, unsigned idx, const char *scale_path,
                       const char *scale_name)
{
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t sc = H5Dopen2(f, scale_path, H5P_DEFAULT);
    assert_true(ds >= 0 && sc >= 0);
    assert_true(H5DSis_scale(sc) > 0);
    assert_int_equal(H5DSis_attached(ds, sc, idx), 1);
    assert_int_equal(H5DSget_num_scales(ds, idx), 1);
    char buf[64] = "";
    assert_true(H5DSget_scale_name(sc, buf, sizeof buf) > 0);
    assert_string_equal(buf, scale_name);
    char label[64] = "";
    assert_true(H5DSget_label(ds, idx, label, sizeof label) > 0);
    assert_string_equal(label, scale_name);
    H5Dclose(sc);
    H5Dclose(ds);
}

/* dataset path is a dimension scale called name (its own dimension). */
static void assert_scale(hid_t f, const char *path, const char *name)
{
    hid_t sc = H5Dopen2(f, path, H5P_DEFAULT);
    assert_true(sc >= 0);
    assert_true(H5DSis_scale(sc) > 0);
    char buf[64] = "";
    assert_true(H5DSget_scale_name(sc, buf, sizeof buf) > 0);
    assert_string_equal(buf, name);
    H5Dclose(sc);
}

/* Read the string attribute `name` of object obj_path in f into buf. */
static void read_attr_str(hid_t f, const char *obj_path, const char *name, char *buf,
                          size_t size)
{
    hid_t a = H5Aopen_by_name(f, obj_path, name, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    hid_t t = H5Aget_type(a);
    assert_true(H5Tis_variable_str(t) > 0);                /* variable-length ... */
    assert_int_equal(H5Tget_cset(t), H5T_CSET_UTF8);       /* ... UTF-8 */
    char *s = NULL;
    assert_true(H5Aread(a, t, &s) >= 0);
    snprintf(buf, size, "%s", s);
    H5free_memory(s);
    H5Tclose(t);
    H5Aclose(a);
}

static void test_dimension_scales(void **state)
{
    (void)state;
    const char *path = tmp_path("dims.h5");
    es_dos *d = make_dos_1d();
    write_file(path, d, NULL, 1);
    es_dos_free(d);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_dim(f, "/dos/log_g", 0, "/dos/x", "x");
    assert_dim(f, "/dos/log_g", 1, "/dos/y", "y");
    assert_dim(f, "/dos/histogram", 0, "/dos/x", "x");
    assert_dim(f, "/dos/histogram", 1, "/dos/y", "y");
    assert_scale(f, "/dos/x_edges", "x_edges");
    assert_scale(f, "/dos/y_edges", "y_edges");
    const char *cols[] = {"sweeps", "ln_f", "flatness", "seconds"};
    for (size_t c = 0; c < ES_ARRAY_LEN(cols); c++) {
        char name[64];
        snprintf(name, sizeof name, "/dos/convergence/%s", cols[c]);
        assert_dim(f, name, 0, "/dos/convergence/stage", "stage");
    }
    /* bin centres: midpoints of the edges [-2.5, -1.5, ..., 2.5] -> -2, -1, 0, 1, 2 */
    double x[5];
    hid_t ds = H5Dopen2(f, "/dos/x", H5P_DEFAULT);
    assert_true(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) >= 0);
    H5Dclose(ds);
    for (int i = 0; i < 5; i++)
        assert_close(x[i], -2.0 + i, 0.0, "x bin centre (exact in binary)");
    char buf[128];
    read_attr_str(f, "/dos/log_g", "long_name", buf, sizeof buf);
    assert_string_equal(buf, "ln fraction of box volume per bin");
    read_attr_str(f, "/dos", "x_variable", buf, sizeof buf);
    assert_string_equal(buf, "energy");
    H5Fclose(f);
}

/* ---- root attributes ---------------------------------------------------------------- */

static void test_root_attributes(void **state)
{
    (void)state;
    const char *path = tmp_path("root.h5");
    size_t big = 100000;   /* a config well beyond the 64 KiB compact-attribute limit */
    char *config = malloc(big + 1);
    assert_non_null(config);
    for (size_t i = 0; i < big; i++)
        config[i] = i % 50 == 49 ? '\n' : (char)('a' + i % 26);
    config[big] = '\0';
    es_dos *d = make_dos_1d();
    write_file(path, d, config, -1234567890123L);
    es_dos_free(d);

    es_err err = {0};
    char *s = es_h5_read_root_attr(path, "program", &err);
    assert_non_null(s);
    assert_string_equal(s, "entroscape");
    free(s);
    s = es_h5_read_root_attr(path, "version", &err);
    assert_non_null(s);
    assert_string_equal(s, es_version());
    free(s);
    s = es_h5_read_root_attr(path, "config", &err);
    assert_non_null(s);
    assert_string_equal(s, config);
    free(s);
    s = es_h5_read_root_attr(path, "created", &err);   /* e.g. 2024-05-01T12:34:56Z */
    assert_non_null(s);
    assert_int_equal(strlen(s), 20);
    assert_true(s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' &&
                s[19] == 'Z');
    free(s);
    assert_int_equal(err.status, ES_OK);

    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    char buf[64];
    read_attr_str(f, "/", "program", buf, sizeof buf);   /* vlen UTF-8 */
    hid_t a = H5Aopen(f, "seed", H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    assert_int_equal(H5Tget_class(t), H5T_INTEGER);
    assert_int_equal(H5Tget_size(t), 8);
    assert_int_equal(H5Tget_sign(t), H5T_SGN_2);
    int64_t seed = 0;
    assert_true(H5Aread(a, H5T_NATIVE_INT64, &seed) >= 0);
    assert_true(seed == -1234567890123LL);
    H5Tclose(t);
    H5Aclose(a);
    H5Fclose(f);

    s = es_h5_read_root_attr(path, "no_such_attr", &err);
    assert_null(s);
    assert_int_equal(err.status, ES_EDATA);
    assert_non_null(strstr(err.msg, "no_such_attr"));
    assert_non_null(strstr(err.msg, path));
    free(config);
}

static void test_no_config_attribute_when_null(void **state)
{
    (void)state;
    const char *path = tmp_path("noconfig.h5");
    write_file(path, NULL, NULL, 0);
    es_err err = {0};
    assert_null(es_h5_read_root_attr(path, "config", &err));
    assert_int_equal(err.status, ES_EDATA);
}

/* ---- atomic replacement, abort ------------------------------------------------------ */

static void test_abort_leaves_nothing(void **state)
{
    (void)state;
    const char *path = tmp_path("aborted.h5");
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    es_err err = {0};
    es_h5 *h = es_h5_create(path, "x", 1, &err);
    assert_non_null(h);
    assert_true(file_exists(tmp));     /* writing goes to the temporary ... */
    assert_false(file_exists(path));   /* ... and the target does not exist yet */
    es_dos *d = make_dos_2d();
    assert_int_equal(es_h5_write_dos(h, d, &err), ES_OK);
    es_dos_free(d);
    es_h5_abort(h);
    assert_false(file_exists(path));
    assert_false(file_exists(tmp));
    assert_int_equal(count_entries("aborted.h5"), 0);
    es_h5_abort(NULL);   /* NULL-safe */
}

static void test_commit_replaces_atomically(void **state)
{
    (void)state;
    const char *path = tmp_path("replace.h5");
    es_dos *d = make_dos_1d();
    write_file(path, d, "old", 1);

    /* while a new version is being written, and after it is aborted, the old one stands */
    es_err err = {0};
    es_h5 *h = es_h5_create(path, "new", 2, &err);
    assert_non_null(h);
    assert_int_equal(es_h5_write_dos(h, d, &err), ES_OK);
    char *s = es_h5_read_root_attr(path, "config", &err);
    assert_non_null(s);
    assert_string_equal(s, "old");
    free(s);
    es_h5_abort(h);
    s = es_h5_read_root_attr(path, "config", &err);
    assert_non_null(s);
    assert_string_equal(s, "old");
    free(s);

    /* a failed write makes commit refuse: old file intact, temporary removed */
    h = es_h5_create(path, "broken", 3, &err);
    assert_non_null(h);
    assert_int_equal(es_h5_write_dos(h, d, &err), ES_OK);
    assert_int_equal(es_h5_write_dos(h, d, &err), ES_EIO);   /* /dos exists already */
    assert_non_null(strstr(err.msg, "/dos"));
    assert_non_null(strstr(err.msg, path));
    es_err err2 = {0};
    assert_int_equal(es_h5_commit(h, &err2), ES_EIO);
    assert_non_null(strstr(err2.msg, path));
    s = es_h5_read_root_attr(path, "config", &err2);
    assert_non_null(s);
    assert_string_equal(s, "old");
    free(s);

    /* a successful commit replaces it, and no temporary is left behind */
    es_err err3 = {0};
    h = es_h5_create(path, "new", 4, &err3);
    assert_non_null(h);
    assert_int_equal(es_h5_write_dos(h, d, &err3), ES_OK);
    assert_int_equal(es_h5_commit(h, &err3), ES_OK);
    s = es_h5_read_root_attr(path, "config", &err3);
    assert_non_null(s);
    assert_string_equal(s, "new");
    free(s);
    assert_int_equal(count_entries("replace.h5"), 1);
    es_dos_free(d);
}

static void test_commit_failure_removes_temporary(void **state)
{
    (void)state;
    /* the target is a non-empty directory, so the final rename fails */
    const char *path = tmp_path("target_dir.h5");
    assert_int_equal(mkdir(path, 0700), 0);
    char inner[600];
    snprintf(inner, sizeof inner, "%s/keep", path);
    FILE *fp = fopen(inner, "w");
    assert_non_null(fp);
    fclose(fp);
    es_err err = {0};
    es_h5 *h = es_h5_create(path, NULL, 1, &err);
    assert_non_null(h);
    assert_int_equal(es_h5_commit(h, &err), ES_EIO);
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(count_entries("target_dir.h5"), 1);   /* just the directory */
    assert_true(file_exists(inner));
}

static void test_create_in_missing_directory(void **state)
{
    (void)state;
    const char *path = tmp_path("no/such/dir/out.h5");
    es_err err = {0};
    assert_null(es_h5_create(path, NULL, 1, &err));
    assert_int_equal(err.status, ES_EIO);
    assert_non_null(strstr(err.msg, path));
}

/* ---- reading bad files -------------------------------------------------------------- */

static void test_read_missing_file(void **state)
{
    (void)state;
    const char *path = tmp_path("missing.h5");
    es_err err = {0};
    assert_null(es_h5_read_dos(path, &err));
    assert_int_equal(err.status, ES_EIO);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "No such file"));
}

static void test_read_not_hdf5(void **state)
{
    (void)state;
    const char *path = tu_write_file("text.h5", "this is not an HDF5 file\n");
    /* nothing may be printed on stderr: HDF5's error printer is off inside es_h5_ calls */
    char errpath[600];
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", tu_tmpdir());
    H5E_auto2_t before_func = NULL;
    void *before_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &before_func, &before_data);
    assert_non_null(before_func);   /* HDF5 prints errors by default */
    fflush(stderr);
    int saved = dup(2);
    FILE *capture = fopen(errpath, "w");
    assert_non_null(capture);
    dup2(fileno(capture), 2);
    es_err err = {0};
    es_dos *d = es_h5_read_dos(path, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(capture);
    assert_null(d);
    assert_int_equal(err.status, ES_EDATA);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "is not an entroscape file"));
    struct stat sb;
    assert_int_equal(stat(errpath, &sb), 0);
    assert_int_equal(sb.st_size, 0);

    /* and the caller's own HDF5 error printer is restored afterwards */
    H5E_auto2_t func = NULL;
    void *data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    assert_true(func == before_func && data == before_data);
}

static void test_read_hdf5_without_program(void **state)
{
    (void)state;
    const char *path = tmp_path("foreign.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    H5Fclose(f);
    es_err err = {0};
    assert_null(es_h5_read_dos(path, &err));
    assert_int_equal(err.status, ES_EDATA);
    assert_non_null(strstr(err.msg, "is not an entroscape file"));
    assert_non_null(strstr(err.msg, "program"));
    es_err err2 = {0};
    assert_int_equal(es_h5_print_info(path, stdout, &err2), ES_EDATA);
    assert_non_null(strstr(err2.msg, "is not an entroscape file"));

    /* a program attribute naming someone else is not enough either */
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 6);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, "program", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(H5Awrite(a, t, "other!") >= 0);   /* fixed-length string, also readable */
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    H5Fclose(f);
    es_err err3 = {0};
    assert_null(es_h5_read_dos(path, &err3));
    assert_int_equal(err3.status, ES_EDATA);
    assert_non_null(strstr(err3.msg, "is not an entroscape file"));
    assert_non_null(strstr(err3.msg, "other!"));
}

static void test_read_without_dos(void **state)
{
    (void)state;
    const char *path = tmp_path("nodos.h5");
    write_file(path, NULL, NULL, 0);
    es_err err = {0};
    assert_null(es_h5_read_dos(path, &err));
    assert_int_equal(err.status, ES_EDATA);
    assert_non_null(strstr(err.msg, "/dos"));
    assert_non_null(strstr(err.msg, path));
}

static void test_read_wrong_shape(void **state)
{
    (void)state;
    const char *path = tmp_path("badshape.h5");
    es_dos *d = make_dos_2d();
    write_file(path, d, NULL, 0);
    es_dos_free(d);
    /* replace /dos/log_g (4, 3) by a (4, 2) dataset */
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_true(H5Ldelete(f, "/dos/log_g", H5P_DEFAULT) >= 0);
    hsize_t dims[2] = {4, 2};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t ds = H5Dcreate2(f, "/dos/log_g", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    assert_true(ds >= 0);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Fclose(f);
    es_err err = {0};
    assert_null(es_h5_read_dos(path, &err));
    assert_int_equal(err.status, ES_EDATA);
    assert_non_null(strstr(err.msg, "/dos/log_g"));
    assert_non_null(strstr(err.msg, "(4, 2)"));
    assert_non_null(strstr(err.msg, "(4, 3)"));
}

/* ---- info --------------------------------------------------------------------------- */

/* es_h5_print_info(path) into a malloc'd string; status in *st. */
static char *info_text(const char *path, es_status *st, es_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    *st = es_h5_print_info(path, f, err);
    fclose(f);
    return buf;
}

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, text);
}

static void test_info_1d(void **state)
{
    (void)state;
    const char *path = tmp_path("info1.h5");
    es_dos *d = make_dos_1d();
    write_file(path, d, "[task]\nname = particles\n", 42);
    es_dos_free(d);
    es_err err = {0};
    es_status st;
    char *out = info_text(path, &st, &err);
    assert_int_equal(st, ES_OK);
    assert_contains(out, path);
    char expect[128];
    snprintf(expect, sizeof expect, "entroscape %s", es_version());
    assert_contains(out, expect);
    assert_contains(out, "seed:         42");
    assert_contains(out, "2 lines");
    assert_contains(out, "energy in [-2.5, 2.5], 5 bins");
    assert_contains(out, "none (1-D)");
    assert_contains(out, "method:       wl");
    assert_contains(out, "converged:    yes");
    assert_contains(out, "123456789012 per walker");
    assert_contains(out, "98765432109876");
    assert_contains(out, "walkers:      4");
    assert_contains(out, "4 of 5 (1 unreached: x = 1)");
    /* span over visited bins: max -7.5e-300 (about 0) minus min -3.25 = 3.25 nats */
    assert_contains(out, "3.25 nats");
    assert_contains(out, "3 stages");
    free(out);
}

static void test_info_2d_with_unknown_group(void **state)
{
    (void)state;
    const char *path = tmp_path("info2.h5");
    es_dos *d = make_dos_2d();
    write_file(path, d, NULL, 7);
    es_dos_free(d);
    /* a group this version does not know */
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t g = H5Gcreate2(f, "future", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[2] = {10, 3};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t ds = H5Dcreate2(g, "loss", H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(ds >= 0);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Gclose(g);
    H5Fclose(f);

    es_err err = {0};
    es_status st;
    char *out = info_text(path, &st, &err);
    assert_int_equal(st, ES_OK);
    assert_contains(out, "y variable:   mean_abs in [0, 0.75], 3 bins");
    assert_contains(out, "method:       1/t");
    assert_contains(out, "converged:    no");
    assert_contains(out, "10 of 12 (2 unreached: (1,2), (3,0))");
    assert_contains(out, "0 stages");
    assert_contains(out, "/future/loss  float32 (10, 3)");
    free(out);
}

static void test_info_without_dos(void **state)
{
    (void)state;
    const char *path = tmp_path("info3.h5");
    write_file(path, NULL, NULL, 0);
    es_err err = {0};
    es_status st;
    char *out = info_text(path, &st, &err);
    assert_int_equal(st, ES_OK);
    assert_contains(out, "/dos: none");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_1d),
        cmocka_unit_test(test_round_trip_2d_empty_history),
        cmocka_unit_test(test_dimension_scales),
        cmocka_unit_test(test_root_attributes),
        cmocka_unit_test(test_no_config_attribute_when_null),
        cmocka_unit_test(test_abort_leaves_nothing),
        cmocka_unit_test(test_commit_replaces_atomically),
        cmocka_unit_test(test_commit_failure_removes_temporary),
        cmocka_unit_test(test_create_in_missing_directory),
        cmocka_unit_test(test_read_missing_file),
        cmocka_unit_test(test_read_not_hdf5),
        cmocka_unit_test(test_read_hdf5_without_program),
        cmocka_unit_test(test_read_without_dos),
        cmocka_unit_test(test_read_wrong_shape),
        cmocka_unit_test(test_info_1d),
        cmocka_unit_test(test_info_2d_with_unknown_group),
        cmocka_unit_test(test_info_without_dos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
