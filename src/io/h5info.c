/* h5info.c: `entroscape info FILE.h5`: a readable summary of an entroscape file. Groups it
 * does not know are listed with their datasets' shapes rather than rejected. */
#include "entroscape/h5io.h"
#include "entroscape/train.h"
#include "h5util.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define INFO_MAX_UNREACHED 10   /* unreached bins listed by name */
#define INFO_MAX_ENTRIES   30   /* datasets listed per unknown group */

/* Print a root string attribute as "label value", or "label (absent)". */
static void print_root_str(FILE *f, hid_t file, const char *label, const char *name,
                           const char *path)
{
    es_err sub = {0};
    char *s = es_h5_read_str_attr(file, name, path, "/", &sub);
    fprintf(f, "%-14s%s\n", label, s ? s : "(absent)");
    free(s);
}

/* Number of lines of text (a final line without '\n' counts). */
static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '\n';
    return n + (s[0] && s[strlen(s) - 1] != '\n');
}

/* The root attributes: file, program/version, created, seed, config size. */
static void print_root(FILE *f, hid_t file, const char *path)
{
    es_err sub = {0};
    fprintf(f, "%-14s%s\n", "file:", path);
    char *version = es_h5_read_str_attr(file, "version", path, "/", &sub);
    fprintf(f, "%-14sentroscape %s\n", "program:", version ? version : "(version absent)");
    free(version);
    print_root_str(f, file, "created:", "created", path);
    int64_t seed = 0;
    sub = (es_err){0};
    if (es_h5_read_num_attr(file, "seed", H5T_NATIVE_INT64, &seed, path, "/", &sub) == ES_OK)
        fprintf(f, "%-14s%" PRId64 "\n", "seed:", seed);
    else
        fprintf(f, "%-14s(absent)\n", "seed:");
    sub = (es_err){0};
    char *config = es_h5_read_str_attr(file, "config", path, "/", &sub);
    if (config)
        fprintf(f, "%-14s%zu lines (root attribute 'config')\n", "config:", count_lines(config));
    else
        fprintf(f, "%-14s(absent)\n", "config:");
    free(config);
}

/* Visited-bin summary: count, unreached list, span of ln g. */
static void print_bins(FILE *f, const es_dos *d)
{
    size_t total = d->x_bins * d->y_bins, visited = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < total; k++) {
        double v = d->log_g[k];
        if (isfinite(v)) {
            visited++;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    size_t unreached = total - visited;
    fprintf(f, "  %-14s%zu of %zu", "visited bins:", visited, total);
    if (unreached == 0) {
        fprintf(f, " (all reached)\n");
    } else {
        fprintf(f, " (%zu unreached: ", unreached);
        size_t shown = 0;
        for (size_t k = 0; k < total && shown < INFO_MAX_UNREACHED; k++) {
            if (isfinite(d->log_g[k]))
                continue;
            size_t i = k / d->y_bins, j = k % d->y_bins;
            if (d->y_bins == 1)
                fprintf(f, "%s%.6g", shown ? ", " : "x = ",
                        0.5 * (d->x_edges[i] + d->x_edges[i + 1]));
            else
                fprintf(f, "%s(%zu,%zu)", shown ? ", " : "", i, j);
            shown++;
        }
        fprintf(f, "%s)\n", unreached > shown ? ", ..." : "");
    }
    if (visited > 0)
        fprintf(f, "  %-14s%.6g nats (max - min of ln g over visited bins)\n", "ln g span:",
                hi - lo);
    else
        fprintf(f, "  %-14snone (no bin visited)\n", "ln g span:");
}

/* The /dos summary. */
static void print_dos(FILE *f, const es_dos *d)
{
    fprintf(f, "/dos: density of states\n");
    fprintf(f, "  %-14s%s in [%.6g, %.6g], %zu bins\n", "x variable:", d->x_variable,
            d->x_edges[0], d->x_edges[d->x_bins], d->x_bins);
    if (d->y_bins == 1 && (strcmp(d->y_variable, "none") == 0 || d->y_variable[0] == '\0'))
        fprintf(f, "  %-14snone (1-D)\n", "y variable:");
    else
        fprintf(f, "  %-14s%s in [%.6g, %.6g], %zu bins\n", "y variable:", d->y_variable,
                d->y_edges[0], d->y_edges[d->y_bins], d->y_bins);
    fprintf(f, "  %-14s%s\n", "method:", d->method);
    fprintf(f, "  %-14s%.6g\n", "final ln f:", d->ln_f);
    fprintf(f, "  %-14s%.4g (min/mean of the final histogram)\n", "flatness:", d->flatness);
    fprintf(f, "  %-14s%s\n", "converged:", d->converged ? "yes" : "no");
    es_dos_fprint_criteria(f, d, "    ");
    if (d->log_g_err) {
        double mx = 0, sum = 0;
        size_t n = 0;
        for (size_t b = 0; b < d->x_bins * d->y_bins; b++)
            if (d->log_g_err[b] >= 0) {
                mx = d->log_g_err[b] > mx ? d->log_g_err[b] : mx;
                sum += d->log_g_err[b];
                n++;
            }
        fprintf(f, "  %-14smean %.3g, largest %.3g nats over %zu bins (/dos/log_g_err, from %zu "
                "independent groups)\n", "ln g error:", n ? sum / (double)n : NAN, mx, n,
                d->n_groups);
    }
    fprintf(f, "  %-14s%" PRIu64 " per walker\n", "sweeps:", d->sweeps);
    fprintf(f, "  %-14s%" PRIu64 "\n", "moves:", d->moves);
    fprintf(f, "  %-14s%d\n", "walkers:", d->walkers);
    print_bins(f, d);
    fprintf(f, "  %-14s%.10g\n", "ln volume:", d->ln_volume);
    fprintf(f, "  %-14s%zu stage%s", "convergence:", d->n_stages, d->n_stages == 1 ? "" : "s");
    if (d->n_stages > 0)
        fprintf(f, " (last at %.3g s)", d->stages[d->n_stages - 1].seconds);
    fprintf(f, "\n");
    if (d->n_windows > 1) {
        fprintf(f, "  %-14s%zu along %s, %" PRIu64 " replica round trips\n", "windows:",
                d->n_windows, d->window_axis ? "y" : "x", d->round_trips);
        for (size_t k = 0; k < d->n_windows; k++) {
            const es_dos_window *w = &d->windows[k];
            fprintf(f, "    window %-3zu bins [%" PRId64 ", %" PRId64 ")  ln f %-10.4g flat %.2f  %s",
                    k, w->lo, w->hi, w->ln_f, w->flatness, w->converged ? "converged" : "running");
            if (k + 1 < d->n_windows && d->exchange_tried[k] > 0)
                fprintf(f, "  exchange with %zu: %.3f of %" PRIu64, k + 1,
                        (double)d->exchange_accepted[k] / (double)d->exchange_tried[k],
                        d->exchange_tried[k]);
            fprintf(f, "\n");
        }
    }
}

/* Short type name of a dataset type: "float64", "uint64", "string", ... */
static const char *type_name(hid_t type, char *buf, size_t size)
{
    size_t bytes = H5Tget_size(type);
    switch (H5Tget_class(type)) {
    case H5T_FLOAT: snprintf(buf, size, "float%zu", 8 * bytes); break;
    case H5T_INTEGER:
        snprintf(buf, size, "%sint%zu", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", 8 * bytes);
        break;
    case H5T_STRING: snprintf(buf, size, "string"); break;
    case H5T_COMPOUND: snprintf(buf, size, "compound"); break;
    default: snprintf(buf, size, "other"); break;
    }
    return buf;
}

typedef struct list_ctx {
    FILE *f;
    char prefix[512];   /* path of the group being listed, e.g. "/sgd" */
    size_t shown, total;
    int depth;
} list_ctx;

/* H5Literate callback: print one dataset (type and shape) or recurse into a group. */
static herr_t list_member(hid_t loc, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    list_ctx *c = data;
    hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
    if (obj < 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    H5I_type_t kind = H5Iget_type(obj);
    c->total++;
    if (kind == H5I_DATASET) {
        if (c->shown < INFO_MAX_ENTRIES) {
            hid_t space = H5Dget_space(obj), type = H5Dget_type(obj);
            hsize_t dims[H5S_MAX_RANK];
            int rank = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
            char shape[128], tname[32];
            fprintf(c->f, "  %s/%s  %s %s\n", c->prefix, name,
                    type >= 0 ? type_name(type, tname, sizeof tname) : "?",
                    rank >= 0 ? es_h5_shape_str(rank, dims, shape, sizeof shape) : "(?)");
            es_h5_close(type);
            es_h5_close(space);
            c->shown++;
        }
    } else if (kind == H5I_GROUP && c->depth < 4) {
        size_t len = strlen(c->prefix);
        if (c->shown < INFO_MAX_ENTRIES) {
            fprintf(c->f, "  %s/%s/\n", c->prefix, name);
            c->shown++;
        }
        if (len + strlen(name) + 2 < sizeof c->prefix) {
            snprintf(c->prefix + len, sizeof c->prefix - len, "/%s", name);
            c->depth++;
            H5Literate(obj, H5_INDEX_NAME, H5_ITER_INC, NULL, list_member, c);
            c->depth--;
            c->prefix[len] = '\0';
        }
    }
    es_h5_close(obj);
    return 0;
}

/* H5Literate callback on the root: list every top-level object not summarised (/dos, /sgd). */
static herr_t list_other(hid_t root, const char *name, const H5L_info_t *info, void *data)
{
    list_ctx *c = data;
    if (strcmp(name, "dos") == 0 || strcmp(name, "sgd") == 0)
        return 0;
    if (c->depth == 0) {
        fprintf(c->f, "other contents (not summarised):\n");
        c->depth = 1;   /* header printed */
    }
    list_ctx sub = {.f = c->f, .depth = 1};
    hid_t obj = H5Oopen(root, name, H5P_DEFAULT);
    if (obj >= 0 && H5Iget_type(obj) == H5I_GROUP) {
        fprintf(c->f, "  /%s/\n", name);
        snprintf(sub.prefix, sizeof sub.prefix, "/%s", name);
        H5Literate(obj, H5_INDEX_NAME, H5_ITER_INC, NULL, list_member, &sub);
        if (sub.total > sub.shown)
            fprintf(c->f, "  ... and %zu more in /%s\n", sub.total - sub.shown, name);
    } else {
        list_member(root, name, info, &sub);
    }
    H5Eclear2(H5E_DEFAULT);
    es_h5_close(obj);
    return 0;
}

/* Print the summary of path to f: root attributes, /dos (or "none"), /sgd (if present), then
 * any other top-level groups with their datasets' types and shapes. ES_OK; on error err is set as
 * for es_h5_read_dos (a malformed /dos or /sgd is an error after the root lines are printed). */
es_status es_h5_print_info(const char *path, FILE *f, es_err *err)
{
    es_h5_quiet q = es_h5_quiet_begin();
    es_err sub = {0};
    hid_t file = es_h5_open_entroscape(path, &sub);
    if (file < 0) {
        es_h5_quiet_end(q);
        return es_err_set(err, sub.status, "%s", sub.msg);
    }
    es_status st = ES_OK;
    print_root(f, file, path);
    htri_t has_dos = H5Lexists(file, "dos", H5P_DEFAULT);
    htri_t has_sgd = H5Lexists(file, "sgd", H5P_DEFAULT);
    if (has_dos > 0) {
        es_dos *d = es_h5_read_dos_file(file, path, &sub);
        if (d)
            print_dos(f, d);
        else
            st = es_err_set(err, sub.status, "%s", sub.msg);
        es_dos_free(d);
    } else if (has_sgd <= 0) {
        H5Eclear2(H5E_DEFAULT);
        fprintf(f, "/dos: none (no density of states in this file)\n");
    }
    sub = (es_err){0};
    if (es_h5_print_sgd(file, path, f, &sub) != ES_OK && st == ES_OK)
        st = es_err_set(err, sub.status, "%s", sub.msg);
    list_ctx c = {.f = f};
    H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, NULL, list_other, &c);
    H5Fclose(file);
    es_h5_quiet_end(q);
    return st;
}
