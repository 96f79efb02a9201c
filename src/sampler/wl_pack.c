/* wl_pack.c: a Wang-Landau run as named records (for checkpoints) and back. Packing happens
 * between segments, so a resumed run continues exactly where the packed one stood. */
#include "wl_impl.h"
#include "entroscape/comm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Layout numbers a checkpoint must match. */
enum { META_NWIN, META_WALKERS, META_NBINS, META_NDOF, META_STATE, META_RNG, META_SWEEPS,
       META_MOVES, META_NEX, META_TRIPS, META_STAGES, META_GROUPS, META_N };
/* Per window and per walker record lengths. */
enum { WIN_F64 = 6, WIN_U64 = 7, WALKER_I64 = 9 };

static size_t state_size(const es_wl *wl)
{
    return wl->proto->ops->state_size(wl->proto->ctx);
}

/* This rank's part: the common records and its own windows. */
static es_status pack_local(const es_wl *wl, es_records *rs, es_err *err)
{
    es_status st = ES_OK;
    char name[64];
    uint64_t meta[META_N] = {
        [META_NWIN] = (uint64_t)wl->nwin, [META_WALKERS] = (uint64_t)wl->p.walkers,
        [META_NBINS] = (uint64_t)wl->nbins, [META_NDOF] = (uint64_t)wl->n_dof,
        [META_STATE] = state_size(wl), [META_RNG] = gsl_rng_size(wl->ex_rng),
        [META_SWEEPS] = wl->sweeps, [META_MOVES] = wl->moves, [META_NEX] = wl->n_exchanges,
        [META_TRIPS] = wl->round_trips, [META_STAGES] = (uint64_t)wl->stages,
        [META_GROUPS] = (uint64_t)wl->ngroups,
    };
    double seconds = wl->seconds_before + (es_seconds() - wl->t0);
    double fmeta[2] = {seconds, wl->max_drift};
#define ADD(n, t, c, d)                                             \
    do {                                                            \
        if (st == ES_OK)                                            \
            st = es_records_add(rs, n, t, (size_t)(c), d, err);     \
    } while (0)
    ADD("meta", ES_REC_U64, META_N, meta);
    ADD("meta_f64", ES_REC_F64, 2, fmeta);
    ADD("exchange/tried", ES_REC_U64, wl->nwin, wl->ex_tried);
    ADD("exchange/accepted", ES_REC_U64, wl->nwin, wl->ex_accepted);
    ADD("exchange/rng", ES_REC_U8, gsl_rng_size(wl->ex_rng), gsl_rng_state(wl->ex_rng));
    unsigned char *buf = malloc(state_size(wl) ? state_size(wl) : 1);
    if (!buf)
        return es_err_set(err, ES_ENOMEM, "out of memory packing walker states");
    for (int k = wl->win_lo; k < wl->win_hi && st == ES_OK; k++) {
        const es_window *w = &wl->win[k];
        snprintf(name, sizeof name, "w%d/ln_g", k);
        ADD(name, ES_REC_F64, wl->nbins, w->ln_g);
        snprintf(name, sizeof name, "w%d/hist", k);
        ADD(name, ES_REC_U64, wl->nbins, w->hist);
        snprintf(name, sizeof name, "w%d/reached", k);
        ADD(name, ES_REC_U8, wl->nbins, w->reached);
        double f[WIN_F64] = {w->ln_f, w->ln_f_last, w->flatness, w->stage_t0,
                             w->last_stage_seconds, w->ln_f_switch};
        uint64_t u[WIN_U64] = {(uint64_t)w->phase, (uint64_t)w->converged, w->stage_start,
                               w->last_found, (uint64_t)w->n_reached, w->n_stages, w->reopened};
        snprintf(name, sizeof name, "w%d/f64", k);
        ADD(name, ES_REC_F64, WIN_F64, f);
        snprintf(name, sizeof name, "w%d/u64", k);
        ADD(name, ES_REC_U64, WIN_U64, u);
        for (size_t i = 0; i < w->n_stages && st == ES_OK; i++) {
            double sf[3] = {w->stages[i].ln_f, w->stages[i].flatness, w->stages[i].seconds};
            uint64_t su[2] = {w->stages[i].sweeps, (uint64_t)w->stages[i].window};
            snprintf(name, sizeof name, "w%d/stage%zu/f64", k, i);
            ADD(name, ES_REC_F64, 3, sf);
            snprintf(name, sizeof name, "w%d/stage%zu/u64", k, i);
            ADD(name, ES_REC_U64, 2, su);
        }
        for (int j = 0; j < w->n_walkers && st == ES_OK; j++) {
            const es_walker *wk = w->walkers[j];
            wk->model->ops->save_state(wk->model->ctx, buf);
            snprintf(name, sizeof name, "w%d/walker%d/state", k, j);
            ADD(name, ES_REC_U8, state_size(wl), buf);
            snprintf(name, sizeof name, "w%d/walker%d/rng", k, j);
            ADD(name, ES_REC_U8, gsl_rng_size(wk->rng), gsl_rng_state(wk->rng));
            double wf[4] = {wk->x, wk->y, wk->max_drift, wk->md ? wk->md->dt : 0.0};
            int64_t wi[WALKER_I64] = {wk->bin, (int64_t)wk->accepted, (int64_t)wk->tried,
                                      wk->replica, wk->last_end, wk->end[0], wk->end[1],
                                      (int64_t)wk->trips[0], (int64_t)wk->trips[1]};
            snprintf(name, sizeof name, "w%d/walker%d/f64", k, j);
            ADD(name, ES_REC_F64, 4, wf);
            snprintf(name, sizeof name, "w%d/walker%d/i64", k, j);
            ADD(name, ES_REC_I64, WALKER_I64, wi);
        }
    }
#undef ADD
    free(buf);
    return st;
}

es_status es_wl_pack(const es_wl *wl, es_records *rs, es_err *err)
{
    if (wl->size == 1)
        return pack_local(wl, rs, err);
    es_records mine = {0};
    void *block = NULL, *all = NULL;
    size_t bytes = 0;
    size_t *sizes = calloc((size_t)wl->size, sizeof *sizes);
    es_status st = sizes ? pack_local(wl, &mine, err) : ES_ENOMEM;
    if (st == ES_OK)
        st = es_records_serialize(&mine, &block, &bytes, err);
    es_records_clear(&mine);
    /* every rank takes part in the gather, whatever happened locally */
    es_status g = es_comm_gather_bytes(block, st == ES_OK ? bytes : 0, 0, &all, sizes, err);
    if (st == ES_OK)
        st = g;
    if (st == ES_OK && wl->rank == 0) {
        size_t off = 0;
        for (int r = 0; r < wl->size && st == ES_OK; r++) {
            es_records part = {0};
            st = es_records_deserialize(&part, (char *)all + off, sizes[r], err);
            for (size_t i = 0; st == ES_OK && i < part.n; i++) /* common records once */
                if (!es_records_get(rs, part.r[i].name))
                    st = es_records_add(rs, part.r[i].name, part.r[i].type, part.r[i].count,
                                        part.r[i].data, err);
            es_records_clear(&part);
            off += sizes[r];
        }
    }
    free(block);
    free(all);
    free(sizes);
    return st;
}

/* Check that record `name` exists with type t and count elements. */
static es_status need(const es_records *rs, const char *name, es_rec_type t, size_t count,
                      es_err *err)
{
    const es_record *r = es_records_get(rs, name);
    if (!r)
        return es_err_set(err, ES_EDATA, "checkpoint lacks %s", name);
    if (r->type != t || r->count != count)
        return es_err_set(err, ES_EDATA, "checkpoint record %s has %zu elements, expected %zu "
                          "(another layout or model?)", name, r->count, count);
    return ES_OK;
}

/* First pass: everything present, sized for this run, walker states loadable. */
static es_status unpack_check(es_wl *wl, const es_records *rs, es_err *err)
{
    char name[64];
    uint64_t meta[META_N];
    es_status st = es_records_copy(rs, "meta", ES_REC_U64, META_N, meta, err);
    if (st != ES_OK)
        return st;
    if (meta[META_NWIN] != (uint64_t)wl->nwin || meta[META_WALKERS] != (uint64_t)wl->p.walkers ||
        meta[META_NBINS] != (uint64_t)wl->nbins || meta[META_NDOF] != (uint64_t)wl->n_dof ||
        meta[META_STATE] != state_size(wl) || meta[META_RNG] != gsl_rng_size(wl->ex_rng) ||
        meta[META_GROUPS] != (uint64_t)wl->ngroups)
        return es_err_set(err, ES_EDATA, "checkpoint layout differs from this run: %llu windows "
                          "(all groups) x %llu walkers, %llu bins, %llu degrees of freedom (this "
                          "run: %d x %d, %ld, %ld)", (unsigned long long)meta[META_NWIN],
                          (unsigned long long)meta[META_WALKERS], (unsigned long long)meta[META_NBINS],
                          (unsigned long long)meta[META_NDOF], wl->nwin, wl->p.walkers, wl->nbins,
                          wl->n_dof);
    size_t rng = gsl_rng_size(wl->ex_rng);
    if ((st = need(rs, "meta_f64", ES_REC_F64, 2, err)) ||
        (st = need(rs, "exchange/tried", ES_REC_U64, (size_t)wl->nwin, err)) ||
        (st = need(rs, "exchange/accepted", ES_REC_U64, (size_t)wl->nwin, err)) ||
        (st = need(rs, "exchange/rng", ES_REC_U8, rng, err)))
        return st;
    es_model *scratch = es_model_clone(wl->proto, err);
    if (!scratch)
        return err->status;
    for (int k = 0; k < wl->nwin && st == ES_OK; k++) {
        uint64_t u[WIN_U64];
        snprintf(name, sizeof name, "w%d/u64", k);
        if ((st = es_records_copy(rs, name, ES_REC_U64, WIN_U64, u, err)) != ES_OK)
            break;
        const char *arr[3] = {"ln_g", "hist", "reached"};
        es_rec_type ty[3] = {ES_REC_F64, ES_REC_U64, ES_REC_U8};
        for (int a = 0; a < 3 && st == ES_OK; a++) {
            snprintf(name, sizeof name, "w%d/%s", k, arr[a]);
            st = need(rs, name, ty[a], (size_t)wl->nbins, err);
        }
        snprintf(name, sizeof name, "w%d/f64", k);
        if (st == ES_OK)
            st = need(rs, name, ES_REC_F64, WIN_F64, err);
        for (uint64_t i = 0; i < u[5] && st == ES_OK; i++) {
            snprintf(name, sizeof name, "w%d/stage%llu/f64", k, (unsigned long long)i);
            if ((st = need(rs, name, ES_REC_F64, 3, err)) == ES_OK) {
                snprintf(name, sizeof name, "w%d/stage%llu/u64", k, (unsigned long long)i);
                st = need(rs, name, ES_REC_U64, 2, err);
            }
        }
        for (int j = 0; es_wl_local(wl, k) && j < wl->p.walkers && st == ES_OK; j++) {
            snprintf(name, sizeof name, "w%d/walker%d/state", k, j);
            if ((st = need(rs, name, ES_REC_U8, state_size(wl), err)) != ES_OK)
                break;
            st = scratch->ops->load_state(scratch->ctx, es_records_get(rs, name)->data, err);
            snprintf(name, sizeof name, "w%d/walker%d/rng", k, j);
            if (st == ES_OK)
                st = need(rs, name, ES_REC_U8, gsl_rng_size(wl->all[0]->rng), err);
            snprintf(name, sizeof name, "w%d/walker%d/f64", k, j);
            if (st == ES_OK)
                st = need(rs, name, ES_REC_F64, 4, err);
            snprintf(name, sizeof name, "w%d/walker%d/i64", k, j);
            if (st == ES_OK)
                st = need(rs, name, ES_REC_I64, WALKER_I64, err);
        }
    }
    es_model_free(scratch);
    return st;
}

static es_status unpack_apply(es_wl *wl, const es_records *rs, es_err *err);

es_status es_wl_unpack(es_wl *wl, const es_records *rs_root, es_err *err)
{
    /* Rank 0 holds the records (read from the file); every rank gets a copy. */
    es_records copy = {0};
    const es_records *rs = rs_root;
    es_status st = ES_OK;
    if (wl->size > 1) {
        void *block = NULL;
        size_t bytes = 0;
        if (wl->rank == 0)
            st = es_records_serialize(rs_root, &block, &bytes, err);
        uint64_t n = st == ES_OK ? bytes : 0;
        es_comm_bcast(&n, sizeof n, 0);
        if (wl->rank != 0 && !(block = malloc(n ? n : 1)))
            st = es_err_set(err, ES_ENOMEM, "out of memory receiving a checkpoint");
        if (!es_comm_max_long(st != ES_OK)) {
            es_comm_bcast(block, n, 0);
            if (wl->rank != 0)
                st = es_records_deserialize(&copy, block, n, err);
            rs = &copy;
        } else if (st == ES_OK) {
            st = es_err_set(err, ES_ERUNTIME, "another MPI rank failed to receive the checkpoint");
        }
        free(block);
        if (wl->rank == 0)
            rs = rs_root;
    }
    if (st == ES_OK)
        st = unpack_check(wl, rs, err);
    if (es_comm_max_long(st != ES_OK) && st == ES_OK)
        st = es_err_set(err, ES_EDATA, "the checkpoint does not fit this run (see rank 0)");
    if (st == ES_OK)
        st = unpack_apply(wl, rs, err);
    if (es_comm_max_long(st == ES_OK && es_wl_check_state(wl, rs, err) != ES_OK) && st == ES_OK)
        st = err->status != ES_OK ? err->status
                                  : es_err_set(err, ES_EDATA, "the checkpoint holds values out "
                                               "of range (see rank 0)");
    es_records_clear(&copy);
    return st;
}

static es_status unpack_apply(es_wl *wl, const es_records *rs, es_err *err)
{
    /* Second pass: cannot fail any more (sizes checked), except for memory. */
    char name[64];
    uint64_t meta[META_N];
    double fmeta[2];
    es_records_copy(rs, "meta", ES_REC_U64, META_N, meta, err);
    es_records_copy(rs, "meta_f64", ES_REC_F64, 2, fmeta, err);
    wl->sweeps = meta[META_SWEEPS];
    wl->moves = meta[META_MOVES];
    wl->n_exchanges = meta[META_NEX];
    wl->round_trips = es_wl_local(wl, 0) ? meta[META_TRIPS] : 0; /* summed over ranks later */
    wl->stages = (int)meta[META_STAGES];
    wl->seconds_before = fmeta[0];
    wl->max_drift = fmeta[1];
    wl->t0 = es_seconds();
    es_records_copy(rs, "exchange/tried", ES_REC_U64, (size_t)wl->nwin, wl->ex_tried, err);
    es_records_copy(rs, "exchange/accepted", ES_REC_U64, (size_t)wl->nwin, wl->ex_accepted, err);
    es_records_copy(rs, "exchange/rng", ES_REC_U8, gsl_rng_size(wl->ex_rng),
                    gsl_rng_state(wl->ex_rng), err);
    for (int k = 0; k < wl->nwin; k++) {
        es_window *w = &wl->win[k];
        double f[WIN_F64];
        uint64_t u[WIN_U64];
        snprintf(name, sizeof name, "w%d/ln_g", k);
        es_records_copy(rs, name, ES_REC_F64, (size_t)wl->nbins, w->ln_g, err);
        snprintf(name, sizeof name, "w%d/hist", k);
        es_records_copy(rs, name, ES_REC_U64, (size_t)wl->nbins, w->hist, err);
        snprintf(name, sizeof name, "w%d/reached", k);
        es_records_copy(rs, name, ES_REC_U8, (size_t)wl->nbins, w->reached, err);
        snprintf(name, sizeof name, "w%d/f64", k);
        es_records_copy(rs, name, ES_REC_F64, WIN_F64, f, err);
        snprintf(name, sizeof name, "w%d/u64", k);
        es_records_copy(rs, name, ES_REC_U64, WIN_U64, u, err);
        w->ln_f = f[0];
        w->ln_f_last = f[1];
        w->flatness = f[2];
        w->stage_t0 = f[3];
        w->last_stage_seconds = f[4];
        w->ln_f_switch = f[5];
        w->reopened = u[6];
        w->phase = (int)u[0];
        w->converged = (int)u[1];
        w->stage_start = u[2];
        w->last_found = u[3];
        w->n_reached = (long)u[4];
        free(w->stages);
        w->stages = u[5] ? calloc(u[5], sizeof *w->stages) : NULL;
        if (u[5] && !w->stages)
            return es_err_set(err, ES_ENOMEM, "out of memory restoring the convergence history");
        w->n_stages = u[5];
        for (size_t i = 0; i < w->n_stages; i++) {
            double sf[3];
            uint64_t su[2];
            snprintf(name, sizeof name, "w%d/stage%zu/f64", k, i);
            es_records_copy(rs, name, ES_REC_F64, 3, sf, err);
            snprintf(name, sizeof name, "w%d/stage%zu/u64", k, i);
            es_records_copy(rs, name, ES_REC_U64, 2, su, err);
            w->stages[i] = (es_dos_stage){su[0], sf[0], sf[1], sf[2], (int32_t)su[1]};
        }
        for (int j = 0; es_wl_local(wl, k) && j < w->n_walkers; j++) {
            es_walker *wk = w->walkers[j];
            double wf[4];
            int64_t wi[WALKER_I64];
            snprintf(name, sizeof name, "w%d/walker%d/state", k, j);
            wk->model->ops->load_state(wk->model->ctx, es_records_get(rs, name)->data, err);
            snprintf(name, sizeof name, "w%d/walker%d/rng", k, j);
            es_records_copy(rs, name, ES_REC_U8, gsl_rng_size(wk->rng), gsl_rng_state(wk->rng), err);
            snprintf(name, sizeof name, "w%d/walker%d/f64", k, j);
            es_records_copy(rs, name, ES_REC_F64, 4, wf, err);
            snprintf(name, sizeof name, "w%d/walker%d/i64", k, j);
            es_records_copy(rs, name, ES_REC_I64, WALKER_I64, wi, err);
            wk->x = wf[0];
            wk->y = wf[1];
            wk->max_drift = wf[2];
            if (wk->md && wf[3] > 0)
                wk->md->dt = wf[3];
            wk->bin = (long)wi[0];
            wk->accepted = (uint64_t)wi[1];
            wk->tried = (uint64_t)wi[2];
            wk->replica = wi[3];
            wk->last_end = wi[4];
            wk->end[0] = (int8_t)wi[5];
            wk->end[1] = (int8_t)wi[6];
            wk->trips[0] = (uint64_t)wi[7];
            wk->trips[1] = (uint64_t)wi[8];
        }
    }
    for (int k = 0; k < wl->nwin; k++) /* every rank knows where each walker stands */
        for (int j = 0; j < wl->p.walkers; j++) {
            int64_t wi[WALKER_I64];
            snprintf(name, sizeof name, "w%d/walker%d/i64", k, j);
            if (es_records_copy(rs, name, ES_REC_I64, WALKER_I64, wi, err) == ES_OK)
                wl->win[k].bins[j] = (long)wi[0];
        }
    for (int k = 0; k < wl->nwin; k++) {
        es_window *w = &wl->win[k];
        es_window_edges(w, &wl->g);
        for (long b = 0; b < wl->nbins; b++)
            if (w->reached[b])
                w->ureached[w->ubin[b]] = 1;
    }
    wl->started = 1;
    return ES_OK;
}
