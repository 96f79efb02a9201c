/* options.c: the option table. One line per option drives INI parsing, validation, --set
 * overrides, the effective-config text and `entroscape run --help` (see config.h).
 *
 * To add an option: add its field to es_config (config.h), then one ES_OPT_* line below in
 * the section where it belongs. Sections print in the order they first appear here. The
 * macros check at compile time that the field has the C type the option type needs.
 * Relations between options (a < b) that es_config_validate checks are listed at the end. */
#include "entroscape/config.h"

#include <stddef.h>

/* offsetof(es_config, field), failing to compile unless the field is a long / double /
 * char[ES_CFG_STR]. (_Generic and sizeof do not evaluate their operand.) */
#define ES_CFG_OFF_LONG(f) \
    (offsetof(es_config, f) + 0 * sizeof(char[_Generic(((es_config *)0)->f, long: 1)]))
#define ES_CFG_OFF_DOUBLE(f) \
    (offsetof(es_config, f) + 0 * sizeof(char[_Generic(((es_config *)0)->f, double: 1)]))
#define ES_CFG_OFF_STR(f)                                                              \
    (offsetof(es_config, f) +                                                          \
     0 * sizeof(char[_Generic(((es_config *)0)->f, char *: 1)]) +                      \
     0 * sizeof(char[sizeof(((es_config *)0)->f) == ES_CFG_STR ? 1 : -1]))

/* ES_OPT_INT(section, key, default, min, max, field, help) and friends. */
#define ES_OPT_INT(s, k, def, lo, hi, f, h) \
    { s, k, ES_OPT_INT, def, lo, hi, NULL, ES_CFG_OFF_LONG(f), h }
#define ES_OPT_DOUBLE(s, k, def, lo, hi, f, h) \
    { s, k, ES_OPT_DOUBLE, def, lo, hi, NULL, ES_CFG_OFF_DOUBLE(f), h }
/* A number that also accepts one keyword (e.g. "auto"), stored as NaN. */
#define ES_OPT_DOUBLE_KW(s, k, def, lo, hi, kw, f, h) \
    { s, k, ES_OPT_DOUBLE, def, lo, hi, kw, ES_CFG_OFF_DOUBLE(f), h }
#define ES_OPT_ENUM(s, k, def, choices, f, h) \
    { s, k, ES_OPT_ENUM, def, 0, 0, choices, ES_CFG_OFF_STR(f), h }
#define ES_OPT_STRING(s, k, def, f, h) \
    { s, k, ES_OPT_STRING, def, 0, 0, NULL, ES_CFG_OFF_STR(f), h }

#define ES_CFG_HUGE 1e300  /* "any finite coordinate" for histogram ranges */

const es_option es_options[] = {
    /* [task]: what to sample */
    ES_OPT_ENUM("task", "name", "particles",
                "particles|ising|spiral|spiral-regression|arithmetic|tabular|image|text", task_name,
                "model or learning task to sample"),
    ES_OPT_ENUM("task", "dataset", "auto", "auto|boston|breast-cancer|fashion-mnist|digits|kjv",
                task_dataset,
                "tabular: boston | breast-cancer; image: fashion-mnist | digits; text: kjv "
                "(auto = first)"),
    ES_OPT_INT("task", "seed", "1", 0, 9.2e18, task_seed,
               "seed of the data split and of generated data"),
    ES_OPT_INT("task", "train_size", "0", 0, 1e8, task_train_size,
               "training samples (0 = the task's default)"),
    ES_OPT_INT("task", "test_size", "0", 0, 1e8, task_test_size,
               "test samples (0 = the task's default)"),
    ES_OPT_DOUBLE("task", "noise", "0.1", 0, 1e3, task_noise,
                  "spiral: standard deviation of the Gaussian noise on the points"),
    ES_OPT_INT("task", "p", "23", 2, 1000, task_p,
               "arithmetic: modulus of a + b mod p"),
    ES_OPT_DOUBLE("task", "train_fraction", "0.5", 1e-6, 1, task_train_fraction,
                  "arithmetic: fraction of the p^2 pairs used for training (the rest test)"),
    ES_OPT_INT("task", "context", "8", 1, 1024, task_context,
               "text: characters of context before the predicted one"),
    ES_OPT_STRING("task", "data_dir", "data", task_data_dir,
                  "directory of dataset files (scripts/fetch-data.sh fills it)"),
    ES_OPT_INT("task", "n", "100", 1, 1e7, task_n,
               "particles: number of parameters"),
    ES_OPT_ENUM("task", "potential", "abs", "abs|square", task_potential,
                "particles: phi(w) = |w| or w^2"),
    ES_OPT_INT("task", "split", "0", 0, 1e7, task_split,
               "particles: parameters averaged into x; the rest into y (0 = 1-D, x over all)"),
    ES_OPT_INT("task", "L", "16", 2, 1024, task_L,
               "ising: lattice side (L x L, periodic)"),
    /* [task]: corrupted training data (issue 13); the test split stays clean */
    ES_OPT_DOUBLE("task", "label_noise", "0", 0, 1, task_label_noise,
                  "classification: fraction of training labels replaced by a different random "
                  "class (exactly round(fraction x n), from task.seed)"),
    ES_OPT_DOUBLE("task", "input_noise", "0", 0, 1e3, task_input_noise,
                  "standard deviation of Gaussian noise added once to the training inputs "
                  "(not text; from task.seed)"),
    ES_OPT_INT("task", "shift_epoch", "0", 0, 1e9, task_shift_epoch,
               "train: from this epoch on, classes shift_a and shift_b swap labels in both "
               "splits (a distribution shift; 0 = none)"),
    ES_OPT_INT("task", "shift_a", "0", 0, 1e6, task_shift_a,
               "train: first class of the shift"),
    ES_OPT_INT("task", "shift_b", "1", 0, 1e6, task_shift_b,
               "train: second class of the shift"),

    /* [model]: the parameter space */
    ES_OPT_DOUBLE_KW("model", "bound", "1.0", 1e-12, 1e6, "auto", model_bound,
                     "box half-width: parameters in [-bound, bound]; auto = 2/sqrt(first hidden width)"),
    ES_OPT_ENUM("model", "arch", "mlp", "mlp|cnn", model_arch,
                "network: multilayer perceptron, or the paper's 5-conv CNN for images"),
    ES_OPT_STRING("model", "hidden", "6,6,6", model_hidden,
                  "mlp: hidden widths, comma-separated (e.g. 6,6,6 or 128)"),
    ES_OPT_ENUM("model", "activation", "relu", "relu|tanh|silu|sign", model_activation,
                "activation of hidden layers (mlp) and after each convolution (cnn); "
                "sign: binary networks only"),
    ES_OPT_INT("model", "channels", "2", 1, 1024, model_channels,
               "cnn: channels of each convolution"),
    ES_OPT_INT("model", "embed_dim", "8", 1, 4096, model_embed_dim,
               "text: character embedding size"),
    ES_OPT_ENUM("model", "weights", "continuous", "continuous|binary", model_weights,
                "continuous parameters in the box, or binary weights +-1 (no biases)"),
    ES_OPT_ENUM("model", "init", "kaiming", "uniform|kaiming|glorot", model_init,
                "initial parameters: uniform in the box, PyTorch's default (kaiming uniform), "
                "or Keras' (glorot uniform weights, zero biases)"),
    /* [model]: output and biases (issue 13) */
    ES_OPT_ENUM("model", "output", "softmax", "softmax|stablemax", model_output,
                "classification: cross-entropy of softmax, or of StableMax (Prieto et al. 2025: "
                "s(x) = x + 1 for x >= 0, 1/(1 - x) below)"),
    ES_OPT_ENUM("model", "bias", "true", "true|false", model_bias,
                "mlp and cnn layers with biases, or without"),

    /* [sampler]: Wang-Landau */
    ES_OPT_ENUM("sampler", "method", "1/t", "wl|1/t|wlmd", sampler_method,
                "wl halves ln f when the histogram is flat; 1/t is Belardinelli-Pereyra; wlmd is "
                "Wang-Landau dynamics (Langevin moves of all parameters, kernel updates, 1/t)"),
    ES_OPT_INT("sampler", "x_bins", "100", 1, 1e8, sampler_x_bins,
               "bins along x"),
    ES_OPT_DOUBLE("sampler", "x_min", "0", -ES_CFG_HUGE, ES_CFG_HUGE, sampler_x_min,
                  "lower edge of the x range"),
    ES_OPT_DOUBLE("sampler", "x_max", "1", -ES_CFG_HUGE, ES_CFG_HUGE, sampler_x_max,
                  "upper edge of the x range"),
    ES_OPT_INT("sampler", "y_bins", "1", 1, 1e8, sampler_y_bins,
               "bins along y (1 for a 1-D run)"),
    ES_OPT_DOUBLE("sampler", "y_min", "0", -ES_CFG_HUGE, ES_CFG_HUGE, sampler_y_min,
                  "lower edge of the y range"),
    ES_OPT_DOUBLE("sampler", "y_max", "1", -ES_CFG_HUGE, ES_CFG_HUGE, sampler_y_max,
                  "upper edge of the y range"),
    ES_OPT_DOUBLE("sampler", "flatness", "0.8", 0.01, 0.999, sampler_flatness,
                  "a stage ends when min >= flatness x mean of its histogram over reached bins "
                  "(wl, and the stages of 1/t before ln f = 1/t)"),
    ES_OPT_INT("sampler", "check_every", "0", 0, 1e9, sampler_check_every,
               "sweeps per walker between meetings (ln g averaged, flatness checked); "
               "0 = auto: enough sweeps for 1e5 moves"),
    ES_OPT_DOUBLE("sampler", "ln_f_final", "1e-6", 1e-15, 1, sampler_ln_f_final,
                  "convergence needs ln f <= this in every window and group"),
    ES_OPT_INT("sampler", "refine", "0", 0, 64, sampler_refine,
               "sub-bins per bin along each continuous axis, sampled and summed into the "
               "grid's bins (a steep ln g inside one bin traps the walk); 0 = auto: "
               "ceil(48 / bins) in 1-D, at least 4; ceil(24 / bins) per axis in 2-D, at least 2; at "
               "most 16"),
    ES_OPT_INT("sampler", "groups", "4", 2, 64, sampler_groups,
               "independent estimates (each with its own walkers, ln g and schedule): the "
               "result is their mean, /dos/log_g_err their spread"),
    ES_OPT_INT("sampler", "round_trips", "10", 0, 1e9, sampler_round_trips,
               "convergence needs every walker to have gone this many times between the "
               "lowest and highest reached bin of its window, along each axis"),
    ES_OPT_DOUBLE("sampler", "tolerance", "0.05", 1e-9, 1e3, sampler_tolerance,
                  "convergence needs every log_g_err <= this (nats) over bins holding at least "
                  "tolerance_mass of the volume"),
    ES_OPT_DOUBLE("sampler", "tolerance_mass", "0", 0, 1, sampler_tolerance_mass,
                  "share of the volume a bin must hold for the tolerance to apply (0: every "
                  "reached bin, the tails included)"),
    ES_OPT_INT("sampler", "max_sweeps", "0", 0, 1e15, sampler_max_sweeps,
               "stop after this many sweeps per walker (0 = no limit)"),
    ES_OPT_DOUBLE("sampler", "max_seconds", "0", 0, 1e9, sampler_max_seconds,
                  "stop after this many seconds (0 = no limit)"),
    ES_OPT_INT("sampler", "walkers", "1", 1, 4096, sampler_walkers,
               "walkers per window, at least: split over the groups, rounded up (groups x "
               "windows x walkers per group run as OpenMP threads)"),
    ES_OPT_INT("sampler", "seed", "1", 0, 9.2e18, sampler_seed,
               "seed of all random streams"),
    ES_OPT_DOUBLE("sampler", "step", "0", 0, 1e6, sampler_step,
                  "continuous moves: displacement uniform in [-step, step] (0 = auto)"),

    /* [sampler]: networks */
    ES_OPT_ENUM("sampler", "x", "auto",
                "auto|train_loss|ln_train_loss|train_acc|train_correct", sampler_x,
                "networks: the x variable (auto: ln_train_loss; particles and ising have their own)"),
    ES_OPT_ENUM("sampler", "y", "auto",
                "auto|none|test_acc|test_correct|test_loss|ln_test_loss", sampler_y,
                "networks: the y variable (auto: none); particles: y exists when task.split > 0"),
    ES_OPT_STRING("sampler", "init", "uniform", sampler_init,
                  "networks: initial state: uniform in the box, or sgd:FILE.h5[:run]"),
    ES_OPT_ENUM("sampler", "move", "single", "single|full", sampler_move,
                "networks: single-parameter moves evaluated incrementally (convolutions: partial "
                "recompute from the moved layer), or by full recompute"),
    ES_OPT_INT("sampler", "refresh", "1000", 1, 1e12, sampler_refresh,
               "networks: accepted moves between full recomputes (bounds floating-point drift)"),
    ES_OPT_INT("sampler", "flips", "3", 1, 1e6, sampler_flips,
               "binary networks: signs flipped per move"),
    ES_OPT_INT("sampler", "burn_in", "0", 0, 1e12, sampler_burn_in,
               "sweeps of step-size tuning before sampling (steps frozen afterwards)"),
    ES_OPT_DOUBLE("sampler", "target_acceptance", "0.5", 0.01, 0.99, sampler_target_acceptance,
                  "acceptance the burn-in tunes the step sizes towards"),

    /* [sampler]: replica-exchange windows */
    ES_OPT_INT("sampler", "windows", "1", 1, 4096, sampler_windows,
               "overlapping windows along window_axis (replica-exchange Wang-Landau); 1 = plain"),
    ES_OPT_DOUBLE("sampler", "overlap", "0.75", 0, 0.99, sampler_overlap,
                  "equal windows: fraction of a window's width shared with its neighbour"),
    ES_OPT_STRING("sampler", "window_edges", "", sampler_window_edges,
                  "explicit windows instead: lo:hi pairs in axis units, e.g. 0:0.4, 0.3:0.7, 0.6:1"),
    ES_OPT_ENUM("sampler", "window_axis", "x", "x|y", sampler_window_axis,
                "axis the windows cut (y only for 2-D models)"),
    ES_OPT_INT("sampler", "exchange_every", "0", 0, 1e9, sampler_exchange_every,
               "sweeps between replica exchanges of neighbouring windows (0 = at every meeting)"),

    /* [sampler]: Wang-Landau dynamics (method = wlmd) */
    ES_OPT_DOUBLE_KW("sampler", "dt", "auto", 1e-300, 1e6, "auto", sampler_dt,
                     "wlmd: Langevin time step (auto: proposal width sqrt(2 dt) = 1% of the box, "
                     "then tuned during burn_in towards target_acceptance)"),
    ES_OPT_DOUBLE("sampler", "kernel", "0.5", 0, 1000, sampler_kernel,
                  "wlmd: sigma in bins of the Gaussian kernel that spreads the ln g updates "
                  "while ln f is halved (reflected at the window's edges, truncated at 3 sigma; "
                  "0 = the visited bin only; > 0.8 can trap the walk); the 1/t phase updates "
                  "the visited bin only"),
    ES_OPT_INT("sampler", "mala", "1", 0, 1, sampler_mala,
               "wlmd: 1 = Metropolis-adjusted Langevin (exact for the current ln g); 0 = plain "
               "Langevin as the authors ran it (time-step bias)"),
    ES_OPT_DOUBLE("sampler", "smooth_k", "5", 1e-3, 1e6, sampler_smooth_k,
                  "wlmd with y = test_acc: y is the smoothed accuracy, the mean of "
                  "sigmoid(k (correct logit - best other logit))"),

    /* [train]: the gradient-trained baseline */
    ES_OPT_ENUM("train", "optimizer", "adam", "sgd|adam", train_optimizer,
                "optimizer"),
    ES_OPT_DOUBLE("train", "lr", "1e-3", 0, 1e3, train_lr,
                  "learning rate"),
    ES_OPT_DOUBLE("train", "momentum", "0", 0, 0.999999, train_momentum,
                  "sgd: momentum"),
    ES_OPT_INT("train", "batch", "32", 1, 1e8, train_batch,
               "minibatch size (capped at the training set size)"),
    ES_OPT_ENUM("train", "box", "project", "project|none", train_box,
                "with model.bound: project the parameters into the box after every step, or "
                "none (they may leave it, as in the paper's Keras runs)"),
    ES_OPT_INT("train", "epochs", "100", 0, 1e9, train_epochs,
               "passes over the training set"),
    ES_OPT_DOUBLE("train", "weight_decay", "0", 0, 1e3, train_weight_decay,
                  "L2 penalty coefficient (decoupled for adam: AdamW)"),
    ES_OPT_INT("train", "runs", "1", 1, 100000, train_runs,
               "independent runs (random streams (seed, 0), (seed, 1), ...), in parallel over threads"),
    ES_OPT_INT("train", "seed", "1", 0, 9.2e18, train_seed,
               "seed of initialisation and minibatch order"),
    /* [train]: gradient surgery and regularisation (issue 13) */
    ES_OPT_ENUM("train", "orthograd", "false", "false|true", train_orthograd,
                "perpendicular gradients: per weight tensor g - (w.g / w.w) w, rescaled to |g|, "
                "before the optimizer (biases untouched)"),
    ES_OPT_DOUBLE("train", "dropout", "0", 0, 0.99, train_dropout,
                  "probability of dropping a hidden unit while training (inverted dropout; "
                  "off at evaluation)"),
    ES_OPT_INT("train", "early_stop", "0", 0, 1e9, train_early_stop,
               "stop a run after this many epochs without a lower validation loss and keep its "
               "best parameters (0 = off; needs train.validation)"),
    ES_OPT_DOUBLE("train", "validation", "0", 0, 0.9, train_validation,
                  "fraction of the training split held out (its last samples) for early_stop"),

    /* [output] */
    ES_OPT_STRING("output", "path", "", output_path,
                  "output HDF5 file (\"\" = <config name>.h5 in the current directory; -o overrides)"),
    ES_OPT_DOUBLE("output", "checkpoint_every", "600", 0, 1e9, output_checkpoint_every,
                  "seconds between checkpoints (0 = only on SIGTERM, SIGINT, SIGUSR1)"),
    ES_OPT_STRING("output", "checkpoint", "", output_checkpoint,
                  "checkpoint file (\"\" = the output path with .ckpt.h5 in place of .h5)"),

    /* [surge]: Surge-Collapse training (issue 13, src/train/surge.c) */
    ES_OPT_INT("surge", "collapse_every", "0", 0, 1e12, surge_collapse_every,
               "optimizer steps between collapses (0 = Surge-Collapse off)"),
    ES_OPT_DOUBLE("surge", "sparsity", "0.5", 0, 0.999, surge_sparsity,
                  "fraction of each weight tensor set to zero at a collapse, smallest |w| first "
                  "(biases never)"),
    ES_OPT_INT("surge", "surge_every", "0", 0, 1e12, surge_surge_every,
               "optimizer steps between surges (0 = none)"),
    ES_OPT_DOUBLE("surge", "regrow", "0.3", 0, 1, surge_regrow,
                  "fraction of the pruned weights of each tensor re-admitted at a surge"),
    ES_OPT_ENUM("surge", "regrow_by", "random", "random|gradient", surge_regrow_by,
                "which pruned weights a surge re-admits: random, or largest |gradient| (RigL)"),
    ES_OPT_ENUM("surge", "regrow_init", "zero", "zero|noise", surge_regrow_init,
                "value of re-admitted weights: 0, or N(0, noise_scale^2)"),
    ES_OPT_DOUBLE("surge", "noise_scale", "0.1", 0, 1e3, surge_noise_scale,
                  "standard deviation of re-admitted weights when regrow_init = noise"),
    ES_OPT_ENUM("surge", "final", "sparse", "sparse|dense", surge_final,
                "sparse: the last step ends with a collapse and keeps its mask; dense: the mask "
                "is lifted at the end"),
    ES_OPT_ENUM("surge", "adapt", "none", "none|entropy", surge_adapt,
                "entropy: a layer whose activation entropy is above the band prunes 1.5x "
                "sparsity, one below it regrows 2x regrow"),
    ES_OPT_DOUBLE("surge", "entropy_low", "0.3", 0, 0.6931471805599453, surge_entropy_low,
                  "adapt = entropy: lower edge of the band (nats, per unit at most ln 2)"),
    ES_OPT_DOUBLE("surge", "entropy_high", "0.6", 0, 0.6931471805599453, surge_entropy_high,
                  "adapt = entropy: upper edge of the band (nats)"),
};

const size_t es_n_options = ES_ARRAY_LEN(es_options);

_Static_assert(ES_ARRAY_LEN(es_options) <= ES_CFG_MAX_OPTIONS,
               "more options than es_config.origin[] holds: raise ES_CFG_MAX_OPTIONS");

/* a < b, checked by es_config_validate (only while `when` = `is`, if given). */
const es_option_less es_option_relations[] = {
    {"sampler.x_min", "sampler.x_max", NULL, NULL, NULL},
    {"sampler.y_min", "sampler.y_max", NULL, NULL, NULL},
    {"task.split", "task.n", "task.name", "particles",
     "split counts the parameters averaged into x; 0 means 1-D"},
    {"surge.entropy_low", "surge.entropy_high", "surge.adapt", "entropy",
     "the band adapt = entropy keeps each layer's activation entropy in"},
};

const size_t es_n_option_relations = ES_ARRAY_LEN(es_option_relations);
