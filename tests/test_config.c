/* test_config.c: the option table, INI loading, --set overrides, validation, the effective
 * INI text and the help text. Every error test checks the status and that the message names
 * the file and line (or the --set override), the key, the value and what is allowed. */
#include "testutil.h"

#include "entroscape/config.h"

#include <stdlib.h>
#include <string.h>

/* Fail unless st == want and err->msg contains every string in the NULL-terminated list.
 * The message is printed in the failure so a reader sees what the user would see (and on
 * success too when ES_TEST_VERBOSE is set). */
static void expect_error_(es_status st, es_status want, const es_err *err, ...)
{
    if (st != want || err->status != want)
        fail_msg("status %d (err %d), expected %d; message: \"%s\"", (int)st, (int)err->status,
                 (int)want, err->msg);
    if (getenv("ES_TEST_VERBOSE"))
        print_message("message: %s\n", err->msg);
    va_list ap;
    va_start(ap, err);
    for (const char *part; (part = va_arg(ap, const char *)) != NULL;)
        if (!strstr(err->msg, part)) {
            va_end(ap);
            fail_msg("message lacks \"%s\": \"%s\"", part, err->msg);
        }
    va_end(ap);
}
#define expect_error(st, want, err, ...) expect_error_((st), (want), (err), __VA_ARGS__, NULL)

/* Fail unless st is ES_OK, printing the message. */
#define expect_ok(st, err)                                                                  \
    do {                                                                                    \
        if ((st) != ES_OK)                                                                  \
            fail_msg("unexpected failure: \"%s\"", (err)->msg);                            \
    } while (0)

/* "path:line:" for messages about file path. */
static const char *at(const char *path, int line)
{
    static char buf[4][600];
    static int slot;
    char *b = buf[slot++ % 4];
    snprintf(b, 600, "%s:%d:", path, line);
    return b;
}

/* Load text (written to a temporary file name) over the defaults; returns the status. */
static es_status load_text(const char *name, const char *text, es_config *cfg, es_err *err,
                           const char **path)
{
    *path = tu_write_file(name, text);
    es_config_defaults(cfg);
    memset(err, 0, sizeof *err);
    return es_config_load(cfg, *path, err);
}

/* ---------------------------------------------------------------- table and defaults */

static void test_defaults(void **state)
{
    (void)state;
    es_config c;
    es_config_defaults(&c);
    assert_string_equal(c.task_name, "particles");
    assert_int_equal(c.task_n, 100);
    assert_string_equal(c.task_potential, "abs");
    assert_int_equal(c.task_split, 0);
    assert_int_equal(c.task_L, 16);
    assert_close(c.model_bound, 1.0, 0, "model.bound");
    assert_string_equal(c.sampler_method, "1/t");
    assert_int_equal(c.sampler_x_bins, 100);
    assert_close(c.sampler_x_min, 0, 0, "x_min");
    assert_close(c.sampler_x_max, 1, 0, "x_max");
    assert_int_equal(c.sampler_y_bins, 1);
    assert_close(c.sampler_flatness, 0.8, 0, "flatness");
    assert_int_equal(c.sampler_check_every, 0);
    assert_close(c.sampler_ln_f_final, 1e-6, 0, "ln_f_final");
    assert_int_equal(c.sampler_max_sweeps, 0);
    assert_int_equal(c.sampler_walkers, 1);
    assert_int_equal(c.sampler_seed, 1);
    assert_close(c.sampler_step, 0, 0, "step");
    assert_string_equal(c.output_path, "");
    assert_string_equal(c.path, "");
    for (size_t i = 0; i < es_n_options; i++)
        assert_false(es_config_is_set(&c, es_options[i].section, es_options[i].key));
    es_err err = {0};
    expect_ok(es_config_validate(&c, &err), &err);
}

/* Every entry is complete, unique and findable; integer ranges are whole numbers. */
static void test_table_consistent(void **state)
{
    (void)state;
    assert_true(es_n_options <= ES_CFG_MAX_OPTIONS);
    for (size_t i = 0; i < es_n_options; i++) {
        const es_option *o = &es_options[i];
        assert_non_null(o->section);
        assert_non_null(o->key);
        assert_non_null(o->def);
        assert_true(o->help && *o->help);
        assert_int_equal(es_config_find(o->section, o->key), (int)i);
        if (o->type == ES_OPT_INT || o->type == ES_OPT_DOUBLE)
            assert_true(o->min <= o->max);
        if (o->type == ES_OPT_INT)
            assert_true(o->min == floor(o->min) && o->max == floor(o->max) && o->max < 9.3e18);
        if (o->type == ES_OPT_ENUM)
            assert_non_null(o->choices);
        for (size_t j = 0; j < i; j++)
            assert_true(es_options[j].offset != o->offset);
    }
    for (size_t r = 0; r < es_n_option_relations; r++) {  /* relations name real options */
        const es_option_less *rel = &es_option_relations[r];
        const char *names[3] = {rel->a, rel->b, rel->when};
        for (int k = 0; k < 3 && names[k]; k++) {
            char sect[64];
            const char *dot = strchr(names[k], '.');
            assert_non_null(dot);
            snprintf(sect, sizeof sect, "%.*s", (int)(dot - names[k]), names[k]);
            int i = es_config_find(sect, dot + 1);
            if (i < 0)
                fail_msg("relation %zu names unknown option %s", r, names[k]);
            if (k < 2 && es_options[i].type != ES_OPT_INT && es_options[i].type != ES_OPT_DOUBLE)
                fail_msg("relation %zu compares non-numeric option %s", r, names[k]);
        }
    }
    assert_int_equal(es_config_find("sampler", "nope"), -1);
    assert_int_equal(es_config_find("nope", "x_bins"), -1);
}

/* ---------------------------------------------------------------- valid files */

static void test_load_valid(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *path;
    es_status st = load_text("good.ini",
                             "; a comment\n"
                             "# another comment\n"
                             "[task]\n"
                             "name = particles\n"
                             "n = 1e3            ; an exact integer in exponent form\n"
                             "split = 250\n"
                             "\n"
                             "[sampler]\r\n"
                             "  method = wl\r\n"       /* indented: not a continuation */
                             "  x_bins = 200\n"
                             "x_min = -2.5\n"
                             "x_max: 2.5\n"              /* ':' separator, as inih allows */
                             "flatness = 0.9\n"
                             "seed = 9200000000000000000\n"
                             "[output]\n"
                             "path = out/run 1.h5\n",
                             &c, &err, &path);
    expect_ok(st, &err);
    assert_int_equal(c.task_n, 1000);
    assert_int_equal(c.task_split, 250);
    assert_string_equal(c.sampler_method, "wl");
    assert_int_equal(c.sampler_x_bins, 200);
    assert_close(c.sampler_x_min, -2.5, 0, "x_min");
    assert_close(c.sampler_x_max, 2.5, 0, "x_max");
    assert_close(c.sampler_flatness, 0.9, 0, "flatness");
    assert_true(c.sampler_seed == 9200000000000000000L);
    assert_string_equal(c.output_path, "out/run 1.h5");
    assert_string_equal(c.path, path);
    assert_int_equal(c.origin[es_config_find("task", "n")].line, 5);
    assert_int_equal(c.origin[es_config_find("sampler", "x_bins")].line, 10);
    assert_true(es_config_is_set(&c, "sampler", "method"));
    assert_false(es_config_is_set(&c, "sampler", "y_bins"));
    assert_int_equal(c.sampler_y_bins, 1);  /* untouched default */
    expect_ok(es_config_validate(&c, &err), &err);
}

/* A UTF-8 byte-order mark and CRLF line ends are accepted; lines still count from 1. */
static void test_load_bom_crlf(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("bom.ini", "\xEF\xBB\xBF[sampler]\r\nwalkers = 4\r\n[samplerr]\r\n"
                             "seed = 2\r\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 3), "[samplerr]", "did you mean [sampler]?");
    st = load_text("bom2.ini", "\xEF\xBB\xBF[sampler]\r\nwalkers = 4\r\n", &c, &err, &p);
    expect_ok(st, &err);
    assert_int_equal(c.sampler_walkers, 4);
    assert_int_equal(c.origin[es_config_find("sampler", "walkers")].line, 2);
}

/* ---------------------------------------------------------------- unreadable files */

static void test_missing_file(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    char path[600];
    snprintf(path, sizeof path, "%s/does-not-exist.ini", tu_tmpdir());
    es_config_defaults(&c);
    expect_error(es_config_load(&c, path, &err), ES_EIO, &err, path, "No such file");
}

static void test_directory_not_file(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    expect_error(es_config_load(&c, tu_tmpdir(), &err), ES_EIO, &err, tu_tmpdir(),
                 "directory");
}

/* ---------------------------------------------------------------- names */

static void test_unknown_section(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("sect.ini", "[task]\nn = 5\n\n[samplr]\nx_bins = 5\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 4), "[samplr]", "unknown section",
                 "did you mean [sampler]?", "[task], [model], [sampler], [train], [output]");
}

static void test_unknown_key_typo(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("key.ini", "[sampler]\nmethod = wl\nx_binz = 50\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 3), "[sampler] x_binz = 50", "unknown key",
                 "did you mean x_bins?", "keys in [sampler]: method, x_bins, x_min");
}

static void test_key_in_wrong_section(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("wrongsect.ini", "[task]\nx_bins = 50\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "[task] x_bins = 50", "unknown key",
                 "x_bins belongs in [sampler]", "keys in [task]: name, ");
}

static void test_key_outside_section(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("nosect.ini", "; header\nseed = 3\n[task]\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "seed = 3", "outside any [section]",
                 "belongs in [task] or [sampler] or [train]");
}

/* ---------------------------------------------------------------- values */

static void test_int_not_a_number(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("int1.ini", "[task]\nn = abc\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "[task] n = abc", "not an integer",
                 "allowed: integer in [1, 10000000]");
}

static void test_int_fraction(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("int2.ini", "[sampler]\nwalkers = 1.5\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "[sampler] walkers = 1.5", "not an integer",
                 "integer in [1, 4096]");
}

static void test_int_trailing_junk(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("int3.ini", "[sampler]\nx_bins = 12abc\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "x_bins = 12abc", "not an integer",
                 "[1, 100000000]");
}

static void test_int_hex_rejected(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("int4.ini", "[sampler]\nx_bins = 0x10\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "x_bins = 0x10", "not an integer");
}

static void test_int_overflow(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("int5.ini", "[sampler]\nseed = 99999999999999999999999\n", &c,
                             &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "seed = 99999999999999999999999",
                 "out of range", "integer in [0, 9200000000000000000]");
}

static void test_int_out_of_range(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("range.ini", "[task]\nn = 10\n[sampler]\nmethod = wl\n\n\n"
                             "x_bins = 0\n", &c, &err, &p);
    char want[800];
    snprintf(want, sizeof want,
             "%s [sampler] x_bins = 0: out of range; allowed: integer in [1, 100000000]",
             at(p, 7));
    expect_error(st, ES_ECONFIG, &err, want);
    assert_string_equal(err.msg, want);  /* the documented shape, exactly */
}

static void test_int_exponent_out_of_range(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("range2.ini", "[sampler]\nwalkers = 1e4\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "walkers = 1e4", "out of range",
                 "integer in [1, 4096]");
}

static void test_double_nan(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("nan.ini", "[model]\nbound = nan\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "[model] bound = nan", "not a finite number",
                 "number in [1e-12, 1000000]");
}

static void test_double_inf(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("inf.ini", "[sampler]\nx_max = -inf\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "x_max = -inf", "not a finite number",
                 "number in [-1e+300, 1e+300]");
}

static void test_double_junk(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("djunk.ini", "[sampler]\nflatness = 0.8x\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "flatness = 0.8x", "not a number",
                 "number in [0.01, 0.999]");
}

static void test_double_out_of_range(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("drange.ini", "[sampler]\nflatness = 1.5\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "[sampler] flatness = 1.5", "out of range",
                 "allowed: number in [0.01, 0.999]");
}

static void test_double_overflow(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("dover.ini", "[sampler]\nx_min = 1e999\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "x_min = 1e999", "out of range");
}

static void test_empty_value(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("empty.ini", "[sampler]\nx_bins =\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "x_bins = \"\": empty value",
                 "integer in [1, 100000000]");
}

static void test_enum_bad_choice(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("enum.ini", "[sampler]\nmethod = WL\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "[sampler] method = WL", "not a valid choice",
                 "did you mean wl?", "allowed: one of: wl | 1/t");
}

static void test_enum_unrelated_choice(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("enum2.ini", "[task]\nname = potts\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "[task] name = potts", "not a valid choice",
                 "one of: particles | ising");
    assert_null(strstr(err.msg, "did you mean"));
}

/* ---------------------------------------------------------------- file structure */

static void test_duplicate_key(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("dup.ini", "[sampler]\nx_bins = 10\nx_min = 0\n[task]\nn = 4\n"
                             "[sampler]\nx_bins = 20\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 7), "[sampler] x_bins = 20", "duplicate key",
                 "already set at line 2");
}

static void test_syntax_no_equals(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("syn1.ini", "[sampler]\nx_bins 20\nx_bins = 0\n", &c, &err, &p);
    /* the syntax error on line 2 is reported, not the later range error on line 3 */
    expect_error(st, ES_ECONFIG, &err, at(p, 2), "syntax error", "key = value", "x_bins 20");
}

static void test_syntax_unclosed_section(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("syn2.ini", "[task]\nn = 3\n[sampler\nx_bins = 20\n", &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 3), "syntax error", "closing ']'", "[sampler");
}

static void test_line_too_long(void **state)
{
    (void)state;
    char text[600];
    char value[301];
    memset(value, 'a', 300);
    value[300] = '\0';
    snprintf(text, sizeof text, "[output]\n; fine\npath = %s\n[sampler]\n", value);
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("long.ini", text, &c, &err, &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 3), "line too long", "307 characters",
                 "at most 198");
}

/* A failed load leaves the configuration as it was. */
static void test_failed_load_changes_nothing(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    es_status st = load_text("partial.ini", "[task]\nn = 7\n[sampler]\nx_bins = -1\n", &c, &err,
                             &p);
    expect_error(st, ES_ECONFIG, &err, at(p, 4), "x_bins = -1");
    assert_int_equal(c.task_n, 100);
    assert_string_equal(c.path, "");
    assert_false(es_config_is_set(&c, "task", "n"));
}

/* ---------------------------------------------------------------- --set */

static void test_set_good(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    expect_ok(es_config_set(&c, "sampler.x_bins=250", &err), &err);
    expect_ok(es_config_set(&c, " sampler.method = wl ", &err), &err);
    expect_ok(es_config_set(&c, "task.L=1e2", &err), &err);
    expect_ok(es_config_set(&c, "output.path=a=b.h5", &err), &err);  /* first '=' splits */
    expect_ok(es_config_set(&c, "output.path=", &err), &err);
    expect_ok(es_config_set(&c, "model.bound=0.25", &err), &err);
    assert_int_equal(c.sampler_x_bins, 250);
    assert_string_equal(c.sampler_method, "wl");
    assert_int_equal(c.task_L, 100);
    assert_string_equal(c.output_path, "");
    assert_close(c.model_bound, 0.25, 0, "model.bound");
    assert_int_equal(c.origin[es_config_find("sampler", "x_bins")].line, -1);
    assert_true(es_config_is_set(&c, "model", "bound"));
    assert_false(es_config_is_set(&c, "sampler", "seed"));
}

/* --set after a file overrides the file's value and its origin. */
static void test_set_overrides_file(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    expect_ok(load_text("over.ini", "[sampler]\nx_bins = 10\n", &c, &err, &p), &err);
    expect_ok(es_config_set(&c, "sampler.x_bins=20", &err), &err);
    assert_int_equal(c.sampler_x_bins, 20);
    assert_int_equal(c.origin[es_config_find("sampler", "x_bins")].line, -1);
}

static void test_set_out_of_range(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    es_status st = es_config_set(&c, "sampler.x_bins=0", &err);
    expect_error(st, ES_ECONFIG, &err,
                 "--set sampler.x_bins=0: out of range; allowed: integer in [1, 100000000]");
    assert_int_equal(strncmp(err.msg, "--set sampler.x_bins=0: ", 24), 0);
    assert_int_equal(c.sampler_x_bins, 100);
    assert_false(es_config_is_set(&c, "sampler", "x_bins"));
}

static void test_set_bad_type(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    expect_error(es_config_set(&c, "sampler.ln_f_final=inf", &err), ES_ECONFIG, &err,
                 "--set sampler.ln_f_final=inf: ", "not a finite number", "[1e-15, 1]");
}

static void test_set_bad_enum(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    expect_error(es_config_set(&c, "task.potential=cube", &err), ES_ECONFIG, &err,
                 "--set task.potential=cube: ", "not a valid choice", "abs | square");
}

static void test_set_no_equals(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    expect_error(es_config_set(&c, "sampler.x_bins", &err), ES_ECONFIG, &err,
                 "--set sampler.x_bins: ", "expected section.key=value");
}

static void test_set_no_dot(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    expect_error(es_config_set(&c, "x_bins=5", &err), ES_ECONFIG, &err, "--set x_bins=5: ",
                 "expected section.key=value");
    memset(&err, 0, sizeof err);
    expect_error(es_config_set(&c, ".x_bins=5", &err), ES_ECONFIG, &err,
                 "expected section.key=value");
}

static void test_set_unknown_key(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    expect_error(es_config_set(&c, "sampler.flatnes=0.5", &err), ES_ECONFIG, &err,
                 "--set sampler.flatnes=0.5: ", "unknown key", "did you mean flatness?");
    memset(&err, 0, sizeof err);
    expect_error(es_config_set(&c, "sampl.flatness=0.5", &err), ES_ECONFIG, &err,
                 "--set sampl.flatness=0.5: ", "unknown section", "did you mean [sampler]?");
}

static void test_set_string_too_long(void **state)
{
    (void)state;
    char a[400];
    int n = snprintf(a, sizeof a, "output.path=");
    memset(a + n, 'p', 300);
    a[n + 300] = '\0';
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    expect_error(es_config_set(&c, a, &err), ES_ECONFIG, &err, "--set output.path=ppp",
                 "too long (300 characters)", "text of at most 191 characters");
}

static void test_set_string_comment(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    expect_error(es_config_set(&c, "output.path=a ;b", &err), ES_ECONFIG, &err,
                 "--set output.path=a ;b: ", "comment");
}

/* ---------------------------------------------------------------- validation */

static void test_validate_x_range(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    expect_ok(load_text("xr.ini", "[task]\nn = 5\n[sampler]\nmethod = wl\nx_bins = 5\n\n\n\n"
                        "x_min = 5\nx_max = 3\n", &c, &err, &p), &err);
    char want[800];
    snprintf(want, sizeof want, "%s [sampler] x_min = 5 must be less than x_max = 3 (%s:10)",
             at(p, 9), p);
    expect_error(es_config_validate(&c, &err), ES_ECONFIG, &err, want);
    assert_string_equal(err.msg, want);  /* the documented shape, exactly */
}

static void test_validate_y_range_set_and_default(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    expect_ok(es_config_set(&c, "sampler.y_min=1", &err), &err);
    expect_error(es_config_validate(&c, &err), ES_ECONFIG, &err,
                 "--set: [sampler] y_min = 1 must be less than y_max = 1 (default)");
}

static void test_validate_split(void **state)
{
    (void)state;
    es_config c;
    es_err err;
    const char *p;
    expect_ok(load_text("split.ini", "[task]\nn = 8\nsplit = 8\n", &c, &err, &p), &err);
    expect_error(es_config_validate(&c, &err), ES_ECONFIG, &err, at(p, 3),
                 "[task] split = 8 must be less than n = 8", ":2)", "0 means 1-D");
    /* the same numbers are fine for ising, which has no split */
    memset(&err, 0, sizeof err);
    expect_ok(es_config_set(&c, "task.name=ising", &err), &err);
    expect_ok(es_config_validate(&c, &err), &err);
}

/* A field set directly by code is still checked against the table. */
static void test_validate_rechecks_ranges(void **state)
{
    (void)state;
    es_config c;
    es_err err = {0};
    es_config_defaults(&c);
    c.sampler_walkers = 0;
    expect_error(es_config_validate(&c, &err), ES_ECONFIG, &err,
                 "program: [sampler] walkers = 0: out of range", "integer in [1, 4096]");
}

/* ---------------------------------------------------------------- effective INI and help */

/* Options of a and b are identical, value by value. */
static void assert_same_options(const es_config *a, const es_config *b)
{
    for (size_t i = 0; i < es_n_options; i++) {
        const es_option *o = &es_options[i];
        const char *pa = (const char *)a + o->offset, *pb = (const char *)b + o->offset;
        size_t size = o->type == ES_OPT_INT ? sizeof(long)
                      : o->type == ES_OPT_DOUBLE ? sizeof(double) : 0;
        int same = size ? memcmp(pa, pb, size) == 0 : strcmp(pa, pb) == 0;
        if (!same)
            fail_msg("option %s.%s differs after the round trip", o->section, o->key);
    }
}

static void test_to_ini_round_trip(void **state)
{
    (void)state;
    es_config c, back;
    es_err err = {0};
    es_config_defaults(&c);
    c.sampler_x_min = 0.1;
    c.sampler_x_max = 1.0 / 3.0;
    c.sampler_y_min = -1e-300;
    c.sampler_y_max = 0.1 + 0.2;          /* needs 17 digits */
    c.model_bound = 123456.789;
    c.sampler_seed = 9123456789012345678L;
    expect_ok(es_config_set(&c, "output.path=out/my run;1.h5", &err), &err);
    expect_ok(es_config_set(&c, "sampler.method=wl", &err), &err);
    expect_ok(es_config_set(&c, "task.name=ising", &err), &err);
    char *text = es_config_to_ini(&c);
    assert_non_null(text);
    assert_non_null(strstr(text, "[task]\nname = ising\n"));
    assert_non_null(strstr(text, "\n[sampler]\nmethod = wl\n"));
    assert_non_null(strstr(text, "y_max = 0.30000000000000004\n"));
    assert_non_null(strstr(text, "x_min = 0.1\n"));
    assert_non_null(strstr(text, "path = out/my run;1.h5\n"));
    for (size_t i = 0; i < es_n_options; i++) {
        char line[300];
        snprintf(line, sizeof line, "\n%s =", es_options[i].key);
        if (!strstr(text, line))
            fail_msg("effective INI lacks %s.%s:\n%s", es_options[i].section,
                     es_options[i].key, text);
    }
    const char *p = tu_write_file("effective.ini", text);
    es_config_defaults(&back);
    expect_ok(es_config_load(&back, p, &err), &err);
    assert_same_options(&c, &back);
    for (size_t i = 0; i < es_n_options; i++)
        assert_true(es_config_is_set(&back, es_options[i].section, es_options[i].key));
    char *again = es_config_to_ini(&back);
    assert_string_equal(text, again);
    free(again);
    free(text);
}

static void test_help_lists_every_option(void **state)
{
    (void)state;
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    es_config_print_help(f);
    fclose(f);
    for (size_t i = 0; i < es_n_options; i++) {
        const es_option *o = &es_options[i];
        char sect[64], key[128];
        snprintf(sect, sizeof sect, "\n[%s]\n", o->section);
        snprintf(key, sizeof key, "\n  %s ", o->key);
        if (!strstr(text, sect) || !strstr(text, key) || !strstr(text, o->help))
            fail_msg("help lacks %s.%s:\n%s", o->section, o->key, text);
    }
    assert_non_null(strstr(text, "wl | 1/t"));
    assert_non_null(strstr(text, "[1, 100000000]"));
    assert_non_null(strstr(text, "[0.01, 0.999]"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_table_consistent),
        cmocka_unit_test(test_load_valid),
        cmocka_unit_test(test_load_bom_crlf),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_directory_not_file),
        cmocka_unit_test(test_unknown_section),
        cmocka_unit_test(test_unknown_key_typo),
        cmocka_unit_test(test_key_in_wrong_section),
        cmocka_unit_test(test_key_outside_section),
        cmocka_unit_test(test_int_not_a_number),
        cmocka_unit_test(test_int_fraction),
        cmocka_unit_test(test_int_trailing_junk),
        cmocka_unit_test(test_int_hex_rejected),
        cmocka_unit_test(test_int_overflow),
        cmocka_unit_test(test_int_out_of_range),
        cmocka_unit_test(test_int_exponent_out_of_range),
        cmocka_unit_test(test_double_nan),
        cmocka_unit_test(test_double_inf),
        cmocka_unit_test(test_double_junk),
        cmocka_unit_test(test_double_out_of_range),
        cmocka_unit_test(test_double_overflow),
        cmocka_unit_test(test_empty_value),
        cmocka_unit_test(test_enum_bad_choice),
        cmocka_unit_test(test_enum_unrelated_choice),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_syntax_no_equals),
        cmocka_unit_test(test_syntax_unclosed_section),
        cmocka_unit_test(test_line_too_long),
        cmocka_unit_test(test_failed_load_changes_nothing),
        cmocka_unit_test(test_set_good),
        cmocka_unit_test(test_set_overrides_file),
        cmocka_unit_test(test_set_out_of_range),
        cmocka_unit_test(test_set_bad_type),
        cmocka_unit_test(test_set_bad_enum),
        cmocka_unit_test(test_set_no_equals),
        cmocka_unit_test(test_set_no_dot),
        cmocka_unit_test(test_set_unknown_key),
        cmocka_unit_test(test_set_string_too_long),
        cmocka_unit_test(test_set_string_comment),
        cmocka_unit_test(test_validate_x_range),
        cmocka_unit_test(test_validate_y_range_set_and_default),
        cmocka_unit_test(test_validate_split),
        cmocka_unit_test(test_validate_rechecks_ranges),
        cmocka_unit_test(test_to_ini_round_trip),
        cmocka_unit_test(test_help_lists_every_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
