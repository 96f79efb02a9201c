/* config.h: the run configuration. One option table (src/core/options.c) drives INI parsing,
 * validation, --set overrides, the effective-config text and the help text. */
#ifndef ENTROSCAPE_CONFIG_H
#define ENTROSCAPE_CONFIG_H

#include "entroscape/common.h"
#include <stdio.h>

typedef enum es_opt_type {
    ES_OPT_INT,     /* long, checked against [min, max] */
    ES_OPT_DOUBLE,  /* finite double, checked against [min, max] */
    ES_OPT_ENUM,    /* one of the '|'-separated choices, stored as a string */
    ES_OPT_STRING   /* free text (paths) */
} es_opt_type;

#define ES_CFG_STR 256   /* capacity of every string field, including the NUL */

/* One option: where it lives in es_config and what it accepts. */
typedef struct es_option {
    const char *section;  /* "sampler" */
    const char *key;      /* "x_bins" */
    es_opt_type type;
    const char *def;      /* default value, as text */
    double min, max;      /* allowed range (INT, DOUBLE); ignored otherwise */
    const char *choices;  /* ENUM: "wl|1/t" */
    size_t offset;        /* offsetof(es_config, field) */
    const char *help;     /* one line */
} es_option;

extern const es_option es_options[];
extern const size_t es_n_options;

/* A relation between two numeric options that es_config_validate checks: a < b, only while
 * option `when` has the value `is` (when = NULL: always). Options are named "section.key". */
typedef struct es_option_less {
    const char *a, *b;       /* "sampler.x_min", "sampler.x_max" */
    const char *when, *is;   /* "task.name", "particles"; or NULL, NULL */
    const char *note;        /* appended to the message, or NULL */
} es_option_less;

extern const es_option_less es_option_relations[];  /* table in options.c */
extern const size_t es_n_option_relations;

/* Where a value came from: a file line, an override, or the default. */
typedef struct es_origin {
    int line;             /* > 0: line in cfg->path; 0: default; -1: --set override */
} es_origin;

#define ES_CFG_MAX_OPTIONS 128

typedef struct es_config {
    /* [task] */
    char   task_name[ES_CFG_STR];       /* particles | ising | spiral | ... | text */
    char   task_dataset[ES_CFG_STR];    /* tabular / image: which dataset */
    long   task_seed;                   /* data split and generated data */
    long   task_train_size, task_test_size; /* 0 = task default */
    double task_noise;                  /* spiral noise */
    long   task_p;                      /* arithmetic modulus */
    double task_train_fraction;         /* arithmetic: fraction of pairs for training */
    long   task_context;                /* text: context length */
    char   task_data_dir[ES_CFG_STR];   /* dataset files */
    long   task_n;                      /* particles: number of parameters */
    char   task_potential[ES_CFG_STR];  /* particles: square | abs */
    long   task_split;                  /* particles: parameters in x (0 = all, 1-D) */
    long   task_L;                      /* ising: lattice side */
    /* [task] corruption of the training split (src/data/noise.c) */
    double task_label_noise;            /* fraction of training labels set to another class */
    double task_input_noise;            /* sd of Gaussian noise added to training inputs */
    long   task_shift_epoch;            /* > 0: classes shift_a, shift_b swap from this epoch */
    long   task_shift_a, task_shift_b;
    /* [model] */
    double model_bound;                 /* box half-width; NaN = auto (2/sqrt(first hidden width)) */
    char   model_arch[ES_CFG_STR];      /* mlp | cnn */
    char   model_hidden[ES_CFG_STR];    /* "6,6,6" */
    char   model_activation[ES_CFG_STR];/* relu | tanh | silu */
    long   model_channels;              /* cnn channels */
    long   model_embed_dim;             /* text embedding size */
    char   model_init[ES_CFG_STR];      /* uniform | kaiming | glorot */
    char   model_weights[ES_CFG_STR];   /* continuous | binary */
    /* [model] output and biases (issue 13) */
    char   model_output[ES_CFG_STR];    /* softmax | stablemax (classification loss) */
    char   model_bias[ES_CFG_STR];      /* true | false */
    /* [sampler] */
    char   sampler_method[ES_CFG_STR];  /* wl | 1/t | wlmd */
    long   sampler_x_bins;
    double sampler_x_min, sampler_x_max;
    long   sampler_y_bins;
    double sampler_y_min, sampler_y_max;
    double sampler_flatness;
    long   sampler_check_every;         /* sweeps between synchronisations / flatness checks */
    double sampler_ln_f_final;
    long   sampler_max_sweeps;          /* per walker; 0 = no limit */
    double sampler_max_seconds;         /* 0 = no limit */
    long   sampler_walkers;             /* per window, split over the groups */
    long   sampler_refine;              /* sub-bins per bin on continuous axes (0 = auto) */
    long   sampler_groups;              /* independent estimates */
    long   sampler_round_trips;         /* convergence: round trips of every walker */
    double sampler_tolerance;           /* convergence: largest log_g_err (nats) */
    double sampler_tolerance_mass;      /* ... over bins holding at least this share */
    long   sampler_seed;
    double sampler_step;                /* max displacement of a continuous move; 0 = auto */
    char   sampler_x[ES_CFG_STR], sampler_y[ES_CFG_STR]; /* network macro-variables */
    char   sampler_init[ES_CFG_STR];    /* uniform | sgd:FILE.h5[:run] */
    char   sampler_move[ES_CFG_STR];    /* single | full */
    long   sampler_refresh, sampler_flips, sampler_burn_in;
    double sampler_target_acceptance;
    long   sampler_windows;             /* replica-exchange windows */
    double sampler_overlap;
    char   sampler_window_edges[ES_CFG_STR]; /* "lo:hi, lo:hi, ..." or "" */
    char   sampler_window_axis[ES_CFG_STR];  /* x | y */
    long   sampler_exchange_every;      /* sweeps; 0 = every meeting */
    double sampler_dt;                  /* wlmd: Langevin time step (NaN = auto) */
    double sampler_kernel;              /* wlmd: Gaussian kernel sigma in bins (0 = one bin) */
    long   sampler_mala;                /* wlmd: 1 = Metropolis-adjusted, 0 = plain Langevin */
    double sampler_smooth_k;            /* wlmd: sharpness k of the smoothed accuracy */
    /* [train] */
    char   train_optimizer[ES_CFG_STR]; /* sgd | adam */
    char   train_box[ES_CFG_STR];       /* project | none: keep the parameters in the box */
    double train_lr, train_momentum, train_weight_decay;
    long   train_batch, train_epochs, train_runs, train_seed;
    /* [train] gradient surgery and regularisation (issue 13) */
    char   train_orthograd[ES_CFG_STR]; /* true | false: perpendicular gradients */
    double train_dropout;               /* hidden-unit drop probability while training */
    long   train_early_stop;            /* patience in epochs on the validation split; 0 = off */
    double train_validation;            /* fraction of the training split held out */
    /* [surge]: Surge-Collapse training (src/train/surge.c) */
    long   surge_collapse_every;        /* optimizer steps between collapses; 0 = off */
    double surge_sparsity;              /* fraction of each weight tensor pruned at a collapse */
    long   surge_surge_every;           /* steps between surges; 0 = none */
    double surge_regrow;                /* fraction of the pruned weights re-admitted at a surge */
    char   surge_regrow_by[ES_CFG_STR]; /* random | gradient */
    char   surge_regrow_init[ES_CFG_STR]; /* zero | noise */
    double surge_noise_scale;           /* sd of regrown weights (regrow_init = noise) */
    char   surge_final[ES_CFG_STR];     /* sparse | dense */
    char   surge_adapt[ES_CFG_STR];     /* none | entropy */
    double surge_entropy_low, surge_entropy_high; /* nats: the band adapt = entropy keeps */
    /* [output] */
    char   output_path[ES_CFG_STR];     /* "" = <config name>.h5 in the current directory */
    double output_checkpoint_every;     /* seconds; 0 = only on signals */
    char   output_checkpoint[ES_CFG_STR]; /* "" = output path with .ckpt.h5 */

    /* bookkeeping, not options */
    char   path[ES_CFG_STR];            /* the INI file read ("" if none) */
    es_origin origin[ES_CFG_MAX_OPTIONS]; /* per option, indexed like es_options */
} es_config;

/* Fill cfg with every option's default. */
void es_config_defaults(es_config *cfg);

/* Read an INI file over the current values. Unknown sections or keys, malformed values,
 * out-of-range values: ES_ECONFIG with "FILE:LINE: ..." naming key, value and what is allowed.
 * A missing or unreadable file: ES_EIO. */
es_status es_config_load(es_config *cfg, const char *path, es_err *err);

/* Apply one "section.key=value" override (from --set). Errors as above, naming the override. */
es_status es_config_set(es_config *cfg, const char *assignment, es_err *err);

/* Check relations between options (x_min < x_max, split < n, ...). ES_ECONFIG on failure,
 * naming the keys with their file lines. Call after load and overrides. */
es_status es_config_validate(const es_config *cfg, es_err *err);

/* The effective configuration as INI text (every option, all sections), malloc'd. */
char *es_config_to_ini(const es_config *cfg);

/* Print the option reference (section, key, type, default, range/choices, help) to f. */
void es_config_print_help(FILE *f);

/* Find an option by "section.key"; returns its index or -1. */
int es_config_find(const char *section, const char *key);

/* Where option section.key got its value, for messages: "FILE:LINE: [section] key = value",
 * "--set section.key=value" or "[section] key = value (default)", into buf[n]. */
void es_config_where(const es_config *cfg, const char *section, const char *key,
                     const char *value, char *buf, size_t n);

/* True when option "section.key" was set by the file or an override (not a default). */
int es_config_is_set(const es_config *cfg, const char *section, const char *key);

#endif
