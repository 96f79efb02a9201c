/* train_summary.c: what analyze shows for a training file (`entroscape train` output: /sgd
 * and no landscape): every metric's mean and standard error over the independent runs,
 * epoch by epoch, and the spread of the final states. */
#include "cli.h"
#include "entroscape/h5io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int es_cli_is_history(const char *path)
{
    es_err sub = {0};
    return es_h5_has_group(path, "dos", &sub) == 0 && es_h5_has_group(path, "sgd", &sub) > 0;
}

es_status es_cli_history_load(const char *path, es_sgd **s, char *title, size_t tsize,
                              char *subtitle, size_t ssize, es_err *err)
{
    if (!(*s = es_h5_read_sgd(path, err)))
        return err->status;
    const es_sgd *h = *s;
    es_err sub = {0};
    char *text = es_h5_read_root_attr(path, "config", &sub);
    es_ana_config kv;
    es_status st = es_ana_config_parse(text, &kv, err);
    free(text);
    if (st != ES_OK)
        return st;
    es_ana_describe(&kv, h->arch, (int64_t)h->n_params, title, tsize);
    es_ana_config_free(&kv);
    snprintf(subtitle, ssize, "%s, lr %g, batch %ld%s: %ld run%s x %ld epochs (training "
             "history, no landscape)", strcmp(h->optimizer, "adam") == 0 ? "Adam" : "SGD",
             h->lr, h->batch, h->bound > 0 ? ", in the box" : "", h->runs,
             h->runs == 1 ? "" : "s", h->epochs);
    return ES_OK;
}

/* The metrics a history defines: accuracies only for classification. */
static int metric_used(const es_sgd *s, int m)
{
    return s->classify || (m != ES_TRAIN_ACC && m != ES_TEST_ACC);
}

static void num(FILE *f, int tsv, int w, double v)
{
    if (tsv)
        isfinite(v) ? fprintf(f, "\t%.8g", v) : fputs("\tnan", f);
    else
        isfinite(v) ? fprintf(f, "  %*.*g", w, w - 6, v) : fprintf(f, "  %*s", w, "-");
}

/* Mean and standard error over the runs of v[r * rs] (finite values only). */
static void run_mean_sem(const double *v, long runs, size_t rs, double *mean, double *sem)
{
    double s1 = 0, s2 = 0;
    long n = 0;
    for (long r = 0; r < runs; r++) {
        double x = v[(size_t)r * rs];
        if (isfinite(x)) {
            s1 += x;
            s2 += x * x;
            n++;
        }
    }
    *mean = n ? s1 / (double)n : NAN;
    *sem = n > 1 ? sqrt(fmax(0, (s2 - s1 * s1 / (double)n) / (double)(n - 1)) / (double)n) : NAN;
}

/* The entropy dynamics at the table's epochs: sparsity and each hidden layer's activation
 * entropy, mean +- standard error over the runs (files written before them: nothing). */
static void dynamics_table(FILE *f, const es_sgd *s, const long *rows, size_t nr)
{
    if (!s->sparsity || !isfinite(s->sparsity[0]) || !s->act_entropy || !s->n_hidden)
        return;
    size_t E = (size_t)s->epochs + 1, H = s->n_hidden;
    fprintf(f, "\nentropy dynamics: fraction of weights at zero, and per hidden layer the mean "
            "binary entropy (nats)\nof the fraction of training samples on which a unit is "
            "active%s%s\n%7s  %9s  %9s", s->method[0] ? "; method: " : "", s->method, "epoch",
            "sparsity", "+-");
    for (size_t l = 0; l < H && l < 8; l++)
        fprintf(f, "  %7s%-2zu  %9s", "layer ", l + 1, "+-");
    fputc('\n', f);
    for (size_t k = 0; k < nr; k++) {
        double m, se;
        fprintf(f, "%7ld", rows[k]);
        run_mean_sem(s->sparsity + rows[k], s->runs, E, &m, &se);
        num(f, 0, 9, m);
        num(f, 0, 9, se);
        for (size_t l = 0; l < H && l < 8; l++) {
            run_mean_sem(s->act_entropy + (size_t)rows[k] * H + l, s->runs, E * H, &m, &se);
            num(f, 0, 9, m);
            num(f, 0, 9, se);
        }
        fputc('\n', f);
    }
}

void es_cli_history_table(FILE *f, const char *path, const es_sgd *s, const char *title,
                          const char *subtitle, int tsv)
{
    if (tsv) {   /* every epoch, every metric: mean, s.e. and the runs counted */
        fputs("epoch", f);
        for (int m = 0; m < ES_N_METRICS; m++)
            fprintf(f, "\t%s_mean\t%s_sem", es_train_metric_names[m], es_train_metric_names[m]);
        fputs("\truns\n", f);
        for (long e = 0; e <= s->epochs; e++) {
            fprintf(f, "%ld", e);
            long n = 0;
            for (int m = 0; m < ES_N_METRICS; m++) {
                es_ana_epoch_stat st = es_ana_epoch_stat_of(s, e, m);
                num(f, 1, 0, st.mean);
                num(f, 1, 0, st.sem);
                n = st.n > n ? st.n : n;
            }
            fprintf(f, "\t%ld\n", n);
        }
        return;
    }
    fprintf(f, "%s: %s\n  %s\n", path, title, subtitle);
    fprintf(f, "  per epoch: mean +- standard error over the %ld independent runs (epoch 0 = "
            "initialisation)\n\n%7s", s->runs, "epoch");
    for (int m = 0; m < ES_N_METRICS; m++)
        if (metric_used(s, m))
            fprintf(f, "  %12s  %9s", es_train_metric_names[m], "+-");
    fputc('\n', f);
    long rows[32];
    size_t nr = es_ana_table_epochs(s->epochs, rows, 32);
    for (size_t k = 0; k < nr; k++) {
        fprintf(f, "%7ld", rows[k]);
        for (int m = 0; m < ES_N_METRICS; m++) {
            if (!metric_used(s, m))
                continue;
            es_ana_epoch_stat st = es_ana_epoch_stat_of(s, rows[k], m);
            num(f, 0, 12, st.mean);
            num(f, 0, 9, st.sem);
        }
        fputc('\n', f);
    }
    dynamics_table(f, s, rows, nr);
    fprintf(f, "\nfinal epoch (%ld), over the runs:\n%12s  %12s  %12s  %12s  %12s  %5s\n",
            s->epochs, "metric", "mean", "sd", "min", "max", "runs");
    for (int m = 0; m < ES_N_METRICS; m++) {
        if (!metric_used(s, m))
            continue;
        es_ana_epoch_stat st = es_ana_epoch_stat_of(s, s->epochs, m);
        fprintf(f, "%12s", es_train_metric_names[m]);
        num(f, 0, 12, st.mean);
        num(f, 0, 12, st.sd);
        num(f, 0, 12, st.min);
        num(f, 0, 12, st.max);
        fprintf(f, "  %5ld\n", st.n);
    }
    if (isfinite(s->unigram_test_loss))
        fprintf(f, "  (test cross-entropy of the training unigram: %.4g nats)\n",
                s->unigram_test_loss);
    fprintf(f, "\nA training file has no landscape: sample one with entroscape run and compare "
            "with\n  entroscape analyze RUN.h5 --sgd %s\n", path);
}
