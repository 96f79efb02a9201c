/* config.c: reading, checking, overriding and printing the run configuration. Everything is
 * driven by the tables es_options[] and es_option_relations[] (options.c); nothing here
 * names a particular option. */
#include "entroscape/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Longest line content inih can take (its buffer holds the line, '\n' and NUL). Strings are
 * limited so that the effective INI text can be read back. */
#define ES_CFG_LINE_MAX (INI_MAX_LINE - 2)

/* ---------------------------------------------------------------- values and their text */

/* Address of option o's field in cfg. */
static void *es_cfg_field(es_config *cfg, const es_option *o)
{
    return (char *)cfg + o->offset;
}

/* The same, read-only. */
static const void *es_cfg_cfield(const es_config *cfg, const es_option *o)
{
    return (const char *)cfg + o->offset;
}

/* x as the shortest of %.15g, %.16g, %.17g that reads back as exactly x. */
static void es_cfg_fmt_double(double x, char *buf, size_t n)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

/* Option o's current value in cfg as INI text (what es_config_to_ini writes). */
static void es_cfg_format(const es_config *cfg, const es_option *o, char *buf, size_t n)
{
    const void *p = es_cfg_cfield(cfg, o);
    switch (o->type) {
    case ES_OPT_INT: snprintf(buf, n, "%ld", *(const long *)p); break;
    case ES_OPT_DOUBLE:
        if (o->choices && isnan(*(const double *)p)) /* the keyword, e.g. "auto" */
            snprintf(buf, n, "%s", o->choices);
        else
            es_cfg_fmt_double(*(const double *)p, buf, n);
        break;
    default: snprintf(buf, n, "%.*s", ES_CFG_STR - 1, (const char *)p); break;
    }
}

/* Longest string value option o accepts: fits its field and one INI line "key = value". */
static size_t es_cfg_max_len(const es_option *o)
{
    size_t line = ES_CFG_LINE_MAX - strlen(o->key) - 3;
    return line < ES_CFG_STR - 1 ? line : ES_CFG_STR - 1;
}

/* What option o accepts, for messages and help: "[1, 100]", "wl | 1/t", ... */
static void es_cfg_range(const es_option *o, char *buf, size_t n)
{
    char lo[40], hi[40];
    switch (o->type) {
    case ES_OPT_INT:
        snprintf(buf, n, "[%ld, %ld]", (long)o->min, (long)o->max);
        break;
    case ES_OPT_DOUBLE:
        es_cfg_fmt_double(o->min, lo, sizeof lo);
        es_cfg_fmt_double(o->max, hi, sizeof hi);
        snprintf(buf, n, "[%s, %s]%s%s", lo, hi, o->choices ? " or " : "",
                 o->choices ? o->choices : "");
        break;
    case ES_OPT_ENUM: {
        size_t k = 0;
        for (const char *c = o->choices; *c && k + 4 < n; c++) {
            if (*c == '|') {
                k += (size_t)snprintf(buf + k, n - k, " | ");
            } else {
                buf[k++] = *c;
            }
        }
        buf[k < n ? k : n - 1] = '\0';
        break;
    }
    case ES_OPT_STRING:
        snprintf(buf, n, "at most %zu characters", es_cfg_max_len(o));
        break;
    }
}

/* The type as users read it: "integer", "number", "choice", "text". */
static const char *es_cfg_type_name(es_opt_type t)
{
    switch (t) {
    case ES_OPT_INT: return "integer";
    case ES_OPT_DOUBLE: return "number";
    case ES_OPT_ENUM: return "choice";
    case ES_OPT_STRING: return "text";
    }
    return "?";
}

/* "integer in [1, 100]", "one of: wl | 1/t", "text of at most 191 characters". */
static void es_cfg_allowed(const es_option *o, char *buf, size_t n)
{
    char r[512];
    es_cfg_range(o, r, sizeof r);
    switch (o->type) {
    case ES_OPT_ENUM: snprintf(buf, n, "one of: %s", r); break;
    case ES_OPT_STRING: snprintf(buf, n, "text of %s", r); break;
    default: snprintf(buf, n, "%s in %s", es_cfg_type_name(o->type), r); break;
    }
}

/* True if s is a whole decimal number: [+-] digits [. digits] [e [+-] digits] (".5", "5."
 * too). *plain is set when it is only [+-] digits. No spaces, hex, inf or nan. */
static int es_cfg_is_decimal(const char *s, int *plain)
{
    int digits = 0;
    *plain = 1;
    if (*s == '+' || *s == '-')
        s++;
    for (; isdigit((unsigned char)*s); s++)
        digits++;
    if (*s == '.') {
        *plain = 0;
        for (s++; isdigit((unsigned char)*s); s++)
            digits++;
    }
    if (!digits)
        return 0;
    if (*s == 'e' || *s == 'E') {
        *plain = 0;
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!isdigit((unsigned char)*s))
            return 0;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return *s == '\0';
}

/* The n-th ('|'-separated) choice of an ENUM option into buf; 0 when there is none. */
static int es_cfg_choice(const es_option *o, int i, char *buf, size_t n)
{
    const char *c = o->choices;
    for (; i > 0 && c; i--) {
        c = strchr(c, '|');
        if (c)
            c++;
    }
    if (!c)
        return 0;
    size_t len = strcspn(c, "|");
    snprintf(buf, n, "%.*s", (int)len, c);
    return 1;
}

static int es_cfg_distance(const char *a, const char *b);

/* Parse text as option o's value and store it in cfg. Returns 1 on success; otherwise 0 with
 * the problem ("not an integer", "out of range", ...) in why, and cfg untouched. */
static int es_cfg_parse(es_config *cfg, const es_option *o, const char *text, char *why,
                        size_t n)
{
    int plain;
    char *end;
    double x;
    if (o->type != ES_OPT_STRING && !*text) {
        snprintf(why, n, "empty value");
        return 0;
    }
    switch (o->type) {
    case ES_OPT_INT:
        if (!es_cfg_is_decimal(text, &plain)) {
            snprintf(why, n, "not an integer");
            return 0;
        }
        if (plain) {  /* exact, whatever its size */
            errno = 0;
            long v = strtol(text, &end, 10);
            if (errno == ERANGE || v < (long)o->min || v > (long)o->max) {
                snprintf(why, n, "out of range");
                return 0;
            }
            *(long *)es_cfg_field(cfg, o) = v;
            return 1;
        }
        x = strtod(text, NULL);  /* 1e6, 2.5e3: accepted when exactly an integer */
        if (isfinite(x) && x != floor(x)) {
            snprintf(why, n, "not an integer");
            return 0;
        }
        if (!(x >= o->min && x <= o->max)) {
            snprintf(why, n, "out of range");
            return 0;
        }
        *(long *)es_cfg_field(cfg, o) = (long)x;
        return 1;
    case ES_OPT_DOUBLE:
        if (o->choices && strcmp(text, o->choices) == 0) { /* keyword: stored as NaN */
            *(double *)es_cfg_field(cfg, o) = NAN;
            return 1;
        }
        if (!es_cfg_is_decimal(text, &plain)) {
            x = strtod(text, &end);
            snprintf(why, n, *end == '\0' && !isfinite(x) ? "not a finite number"
                                                          : "not a number");
            return 0;
        }
        x = strtod(text, NULL);
        if (!(x >= o->min && x <= o->max)) {  /* also 1e999, read as inf */
            snprintf(why, n, "out of range");
            return 0;
        }
        *(double *)es_cfg_field(cfg, o) = x;
        return 1;
    case ES_OPT_ENUM: {
        char c[ES_CFG_STR], best[ES_CFG_STR] = "";
        int best_d = 3;
        for (int i = 0; es_cfg_choice(o, i, c, sizeof c); i++) {
            if (strcmp(c, text) == 0) {
                snprintf((char *)es_cfg_field(cfg, o), ES_CFG_STR, "%s", c);
                return 1;
            }
            int d = es_cfg_distance(c, text);
            if (d < best_d && d < (int)strlen(c)) {
                best_d = d;
                snprintf(best, sizeof best, "%s", c);
            }
        }
        if (*best)
            snprintf(why, n, "not a valid choice (did you mean %s?)", best);
        else
            snprintf(why, n, "not a valid choice");
        return 0;
    }
    case ES_OPT_STRING: {
        size_t len = strlen(text);
        if (len > es_cfg_max_len(o)) {
            snprintf(why, n, "too long (%zu characters)", len);
            return 0;
        }
        for (size_t i = 0; i < len; i++) {
            if (iscntrl((unsigned char)text[i])) {
                snprintf(why, n, "contains a control character");
                return 0;
            }
            if (text[i] == ';' && (i == 0 || isspace((unsigned char)text[i - 1]))) {
                snprintf(why, n, "contains ';' after a space or at the start, which INI "
                                 "files read as a comment");
                return 0;
            }
        }
        if (len && (isspace((unsigned char)text[0]) || isspace((unsigned char)text[len - 1]))) {
            snprintf(why, n, "starts or ends with a space");
            return 0;
        }
        memcpy(es_cfg_field(cfg, o), text, len + 1);
        return 1;
    }
    }
    return 0;
}

/* ---------------------------------------------------------------- names */

/* Case-insensitive edit distance between two short names (long names are cut at 63). */
static int es_cfg_distance(const char *a, const char *b)
{
    enum { M = 64 };
    int row[M], la = (int)strnlen(a, M - 1), lb = (int)strnlen(b, M - 1);
    for (int j = 0; j <= lb; j++)
        row[j] = j;
    for (int i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int up = row[j];
            int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            int best = diag + !same;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* True if name is close enough to candidate to suggest it. */
static int es_cfg_likely_typo(const char *name, const char *candidate)
{
    int d = es_cfg_distance(name, candidate);
    int len = (int)strlen(candidate);
    return d <= (len >= 6 ? 2 : 1) && d < len;
}

/* Index of the first option in section, or -1. */
static int es_cfg_find_section(const char *section)
{
    for (size_t i = 0; i < es_n_options; i++)
        if (strcmp(es_options[i].section, section) == 0)
            return (int)i;
    return -1;
}

/* True if option i is the first of its section (sections print in table order). */
static int es_cfg_section_start(size_t i)
{
    return es_cfg_find_section(es_options[i].section) == (int)i;
}

/* Index of option section.key in es_options, or -1 (also for NULL names). */
int es_config_find(const char *section, const char *key)
{
    if (!section || !key)
        return -1;
    for (size_t i = 0; i < es_n_options; i++)
        if (strcmp(es_options[i].section, section) == 0 && strcmp(es_options[i].key, key) == 0)
            return (int)i;
    return -1;
}

/* True if the option exists and its origin is a file line or --set (not the default). */
int es_config_is_set(const es_config *cfg, const char *section, const char *key)
{
    int i = es_config_find(section, key);
    return i >= 0 && cfg->origin[i].line != 0;
}

/* Report an unknown section or key as ES_ECONFIG. where names the key ("f.ini:7: [s] k = v"
 * or "--set s.k=v"), sect_where the section header ("f.ini:3: [s]", or the same as where). */
static es_status es_cfg_unknown(const char *section, const char *key, const char *where,
                                const char *sect_where, es_err *err)
{
    char list[600] = "", hint[200] = "";
    size_t k = 0;
    if (!*section) {  /* a key before any [section] header */
        for (size_t i = 0; i < es_n_options; i++)
            if (strcmp(es_options[i].key, key) == 0)
                k += (size_t)snprintf(list + k, k < sizeof list ? sizeof list - k : 0, "%s[%s]",
                                      k ? " or " : "", es_options[i].section);
        if (k)
            snprintf(hint, sizeof hint, "; %s belongs in %s", key, list);
        return es_err_set(err, ES_ECONFIG, "%s: key outside any [section]%s", where, hint);
    }
    if (es_cfg_find_section(section) < 0) {
        for (size_t i = 0; i < es_n_options; i++) {
            if (!es_cfg_section_start(i))
                continue;
            const char *s = es_options[i].section;
            k += (size_t)snprintf(list + k, k < sizeof list ? sizeof list - k : 0, "%s[%s]",
                                  k ? ", " : "", s);
            if (!*hint && es_cfg_likely_typo(section, s))
                snprintf(hint, sizeof hint, " (did you mean [%s]?)", s);
        }
        return es_err_set(err, ES_ECONFIG, "%s: unknown section%s; known sections: %s",
                          sect_where, hint, list);
    }
    for (size_t i = 0; i < es_n_options; i++) {
        const es_option *o = &es_options[i];
        if (strcmp(o->section, section) != 0) {
            if (strcmp(o->key, key) == 0)
                snprintf(hint, sizeof hint, " (%s belongs in [%s])", key, o->section);
            continue;
        }
        k += (size_t)snprintf(list + k, k < sizeof list ? sizeof list - k : 0, "%s%s",
                              k ? ", " : "", o->key);
    }
    for (size_t i = 0; i < es_n_options && !*hint; i++)
        if (strcmp(es_options[i].section, section) == 0 &&
            es_cfg_likely_typo(key, es_options[i].key))
            snprintf(hint, sizeof hint, " (did you mean %s?)", es_options[i].key);
    return es_err_set(err, ES_ECONFIG, "%s: unknown key%s; keys in [%s]: %s", where, hint,
                      section, list);
}

/* Parse value into option i of cfg; on failure ES_ECONFIG "where: problem; allowed: ...". */
static es_status es_cfg_assign(es_config *cfg, int i, const char *value, const char *where,
                               es_err *err)
{
    char why[300], allowed[600];
    if (es_cfg_parse(cfg, &es_options[i], value, why, sizeof why))
        return ES_OK;
    es_cfg_allowed(&es_options[i], allowed, sizeof allowed);
    return es_err_set(err, ES_ECONFIG, "%s: %s; allowed: %s", where, why, allowed);
}

/* ---------------------------------------------------------------- defaults and --set */

/* Every option at its table default, all origins "default", no path. A default that does
 * not parse is a bug in options.c: abort with a message. */
void es_config_defaults(es_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < es_n_options; i++) {
        char why[300];
        if (!es_cfg_parse(cfg, &es_options[i], es_options[i].def, why, sizeof why)) {
            fprintf(stderr, "entroscape: bug: default of %s.%s (\"%s\"): %s\n",
                    es_options[i].section, es_options[i].key, es_options[i].def, why);
            abort();
        }
    }
}

/* Copy of s[0, n) without surrounding whitespace, into buf (size bufn >= n + 1). */
static char *es_cfg_trim(const char *s, size_t n, char *buf)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

/* Apply "section.key=value" (spaces around the parts are ignored; the first '=' splits).
 * On failure ES_ECONFIG "--set ASSIGNMENT: problem" and cfg unchanged; origin -1 on success. */
es_status es_config_set(es_config *cfg, const char *assignment, es_err *err)
{
    char where[ES_CFG_STR + 64];
    snprintf(where, sizeof where, "--set %s", assignment);
    const char *eq = strchr(assignment, '=');
    const char *dot = eq ? memchr(assignment, '.', (size_t)(eq - assignment)) : NULL;
    if (!eq || !dot)
        return es_err_set(err, ES_ECONFIG, "%s: expected section.key=value "
                          "(e.g. --set sampler.x_bins=200)", where);
    size_t len = strlen(assignment);
    char *buf = es_calloc(3, len + 1, "--set override", err);
    if (!buf)
        return ES_ENOMEM;
    char *section = es_cfg_trim(assignment, (size_t)(dot - assignment), buf);
    char *key = es_cfg_trim(dot + 1, (size_t)(eq - dot - 1), buf + len + 1);
    char *value = es_cfg_trim(eq + 1, strlen(eq + 1), buf + 2 * (len + 1));
    es_status st;
    int i = es_config_find(section, key);
    if (!*section || !*key)
        st = es_err_set(err, ES_ECONFIG, "%s: expected section.key=value "
                        "(e.g. --set sampler.x_bins=200)", where);
    else if (i < 0)
        st = es_cfg_unknown(section, key, where, where, err);
    else if ((st = es_cfg_assign(cfg, i, value, where, err)) == ES_OK)
        cfg->origin[i].line = -1;
    free(buf);
    return st;
}

/* ---------------------------------------------------------------- loading a file */

/* State shared by the line reader and the key handler while inih reads one file. */
typedef struct es_cfg_load {
    es_config *cfg;       /* the copy being filled; committed only on success */
    const char *path;
    FILE *f;
    char *buf;            /* getline's buffer */
    size_t cap;
    int line;             /* lines read so far = the line inih is handling */
    int sect_line;        /* line of the latest [section] header */
    int fail_line;        /* line at which err was recorded (0: none) */
    int read_errno;       /* errno of a failed read (0: none) */
    int seen[ES_CFG_MAX_OPTIONS];  /* line where each option was set in this file */
    es_err err;           /* first failure found by reader or handler */
} es_cfg_load;

/* inih's reader: the next line, counted, without leading whitespace (so inih never takes an
 * indented line as a continuation). Returns NULL at end of file, on a read error, on a line
 * too long for inih's buffer, and after the first error (to stop the parse there). */
static char *es_cfg_ini_reader(char *str, int num, void *stream)
{
    es_cfg_load *ld = stream;
    if (ld->err.status != ES_OK)
        return NULL;
    errno = 0;
    ssize_t got = getline(&ld->buf, &ld->cap, ld->f);
    if (got < 0) {
        /* not the end: a read error, or getline out of memory (which sets no stream error) */
        if (ferror(ld->f) || !feof(ld->f))
            ld->read_errno = errno ? errno : EIO;
        return NULL;
    }
    ld->line++;
    char *s = ld->buf;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    s[n] = '\0';
    while (isspace((unsigned char)*s))
        s++, n--;
    if (n + 2 > (size_t)num) {
        ld->fail_line = ld->line;
        es_err_set(&ld->err, ES_ECONFIG, "%s:%d: line too long (%zu characters; at most %d)",
                   ld->path, ld->line, n, num - 2);
        return NULL;
    }
    memcpy(str, s, n);
    memcpy(str + n, "\n", 2);
    if (ld->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)  /* UTF-8 BOM (inih skips it) */
        s += 3;
    if (*s == '[' && strchr(s, ']'))
        ld->sect_line = ld->line;
    return str;
}

/* inih's handler: one "key = value" in section. Returns 0 (inih: error) once err is set. */
static int es_cfg_ini_handler(void *user, const char *section, const char *name,
                              const char *value)
{
    es_cfg_load *ld = user;
    char where[3 * ES_CFG_STR], sect_where[2 * ES_CFG_STR];
    if (ld->err.status != ES_OK)
        return 0;
    const char *shown = *value ? value : "\"\"";
    if (*section)
        snprintf(where, sizeof where, "%s:%d: [%s] %s = %s", ld->path, ld->line, section, name,
                 shown);
    else
        snprintf(where, sizeof where, "%s:%d: %s = %s", ld->path, ld->line, name, shown);
    snprintf(sect_where, sizeof sect_where, "%s:%d: [%s]", ld->path, ld->sect_line, section);
    int i = es_config_find(section, name);
    if (i < 0)
        es_cfg_unknown(section, name, where, sect_where, &ld->err);
    else if (ld->seen[i])
        es_err_set(&ld->err, ES_ECONFIG, "%s: duplicate key; already set at line %d", where,
                   ld->seen[i]);
    else if (es_cfg_assign(ld->cfg, i, value, where, &ld->err) == ES_OK) {
        ld->seen[i] = ld->line;
        ld->cfg->origin[i].line = ld->line;
        return 1;
    }
    ld->fail_line = ld->line;
    return 0;
}

/* Line lineno of path (without its newline) into buf; "" if it cannot be read. */
static void es_cfg_line_text(const char *path, int lineno, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    buf[0] = '\0';
    for (int k = 1; f && getline(&line, &cap, f) >= 0; k++) {
        if (k == lineno) {
            line[strcspn(line, "\r\n")] = '\0';
            snprintf(buf, n, "%s", line);
            break;
        }
    }
    free(line);
    if (f)
        fclose(f);
}

/* Read path over cfg (see config.h). Stops at the first error; reports the earliest of
 * inih's syntax errors and ours. cfg is changed only on success; origins then name lines of
 * path, which becomes cfg->path (so read at most one file per config). */
es_status es_config_load(es_config *cfg, const char *path, es_err *err)
{
    if (strlen(path) >= ES_CFG_STR)
        return es_err_set(err, ES_EIO, "config file path too long (%zu characters; at most %d): "
                          "%s", strlen(path), ES_CFG_STR - 1, path);
    es_cfg_load ld = {.path = path};
    ld.f = fopen(path, "r");
    if (!ld.f)
        return es_err_set(err, ES_EIO, "cannot open config file %s: %s", path, strerror(errno));
    ld.cfg = malloc(sizeof *ld.cfg);
    if (!ld.cfg) {
        fclose(ld.f);
        return es_err_set(err, ES_ENOMEM, "out of memory reading %s", path);
    }
    *ld.cfg = *cfg;
    snprintf(ld.cfg->path, sizeof ld.cfg->path, "%s", path);

    int ret = ini_parse_stream(es_cfg_ini_reader, &ld, es_cfg_ini_handler, &ld);
    es_status st = ES_OK;
    if (ret > 0 && (ld.fail_line == 0 || ret < ld.fail_line)) {  /* inih's own syntax error */
        char text[ES_CFG_LINE_MAX + 2];
        es_cfg_line_text(path, ret, text, sizeof text);
        st = es_err_set(err, ES_ECONFIG, "%s:%d: syntax error: %s, got \"%s\"", path, ret,
                        text[strspn(text, " \t")] == '['
                            ? "section header without closing ']'"
                            : "expected \"key = value\", \"[section]\" or a ; comment",
                        text);
    } else if (ld.err.status != ES_OK) {
        st = es_err_set(err, ld.err.status, "%s", ld.err.msg);
    } else if (ld.read_errno) {
        st = es_err_set(err, ES_EIO, "cannot read config file %s: %s", path,
                        strerror(ld.read_errno));
    } else if (ret < 0) {
        st = es_err_set(err, ES_ERUNTIME, "reading %s: INI parser failed (code %d)", path, ret);
    } else {
        int any = 0;
        for (size_t i = 0; i < ES_CFG_MAX_OPTIONS && !any; i++)
            any = ld.seen[i] != 0;
        if (!any) /* running every default (an Ising model) is never what was meant */
            st = es_err_set(err, ES_ECONFIG, "%s sets no option (empty, or only comments and "
                            "section headers): a config needs at least [task] name = ... (see "
                            "entroscape run --help)", path);
    }
    if (st == ES_OK)
        *cfg = *ld.cfg;
    fclose(ld.f);
    free(ld.buf);
    free(ld.cfg);
    return st;
}

/* ---------------------------------------------------------------- validation */

/* Where option i's value came from: "f.ini:7", "--set", "default", or "program" (neither
 * read nor the default: code assigned the field directly). */
static void es_cfg_origin(const es_config *cfg, int i, char *buf, size_t n)
{
    int line = cfg->origin[i].line;
    if (line > 0) {
        snprintf(buf, n, "%s:%d", cfg->path, line);
    } else if (line < 0) {
        snprintf(buf, n, "--set");
    } else {
        es_config def;  /* only its option i is written and read */
        char v[ES_CFG_STR], d[ES_CFG_STR], why[300];
        es_cfg_parse(&def, &es_options[i], es_options[i].def, why, sizeof why);
        es_cfg_format(cfg, &es_options[i], v, sizeof v);
        es_cfg_format(&def, &es_options[i], d, sizeof d);
        snprintf(buf, n, "%s", strcmp(v, d) == 0 ? "default" : "program");
    }
}

/* Index of the option named "section.key", or -1. */
static int es_cfg_find_name(const char *name)
{
    const char *dot = strchr(name, '.');
    char section[64];
    if (!dot || (size_t)(dot - name) >= sizeof section)
        return -1;
    snprintf(section, sizeof section, "%.*s", (int)(dot - name), name);
    return es_config_find(section, dot + 1);
}

/* Option i's value as a double (INT or DOUBLE options). */
static double es_cfg_number(const es_config *cfg, int i)
{
    const void *p = es_cfg_cfield(cfg, &es_options[i]);
    return es_options[i].type == ES_OPT_INT ? (double)*(const long *)p : *(const double *)p;
}

/* Each value against its option (code may have set fields directly), then the relations in
 * es_option_relations. ES_ECONFIG "ORIGIN: [section] key = value ..." on the first failure. */
es_status es_config_validate(const es_config *cfg, es_err *err)
{
    char va[ES_CFG_STR], vb[ES_CFG_STR], oa[2 * ES_CFG_STR], ob[2 * ES_CFG_STR];
    char where[4 * ES_CFG_STR];
    es_config scratch;
    /* each value on its own, in case code set a field directly */
    for (size_t i = 0; i < es_n_options; i++) {
        const es_option *o = &es_options[i];
        if (o->type >= ES_OPT_ENUM && !memchr(es_cfg_cfield(cfg, o), '\0', ES_CFG_STR))
            return es_err_set(err, ES_ECONFIG, "[%s] %s: string not terminated", o->section,
                              o->key);
        es_cfg_format(cfg, o, va, sizeof va);
        es_cfg_origin(cfg, (int)i, oa, sizeof oa);
        snprintf(where, sizeof where, "%s: [%s] %s = %s", oa, o->section, o->key, va);
        if (es_cfg_assign(&scratch, (int)i, va, where, err) != ES_OK)
            return ES_ECONFIG;
    }
    for (size_t r = 0; r < es_n_option_relations; r++) {
        const es_option_less *rel = &es_option_relations[r];
        int a = es_cfg_find_name(rel->a), b = es_cfg_find_name(rel->b);
        int w = rel->when ? es_cfg_find_name(rel->when) : -1;
        if (a < 0 || b < 0 || (rel->when && w < 0))
            return es_err_set(err, ES_ERUNTIME, "bug: relation %s < %s names an unknown option",
                              rel->a, rel->b);
        if (w >= 0 && strcmp((const char *)es_cfg_cfield(cfg, &es_options[w]), rel->is) != 0)
            continue;
        if (es_cfg_number(cfg, a) < es_cfg_number(cfg, b))
            continue;
        es_cfg_format(cfg, &es_options[a], va, sizeof va);
        es_cfg_format(cfg, &es_options[b], vb, sizeof vb);
        es_cfg_origin(cfg, a, oa, sizeof oa);
        es_cfg_origin(cfg, b, ob, sizeof ob);
        const char *note = rel->note;
        char bname[2 * ES_CFG_STR];  /* "x_max", or "[task] n" when the section differs */
        if (strcmp(es_options[a].section, es_options[b].section) == 0)
            snprintf(bname, sizeof bname, "%s", es_options[b].key);
        else
            snprintf(bname, sizeof bname, "[%s] %s", es_options[b].section, es_options[b].key);
        return es_err_set(err, ES_ECONFIG, "%s: [%s] %s = %s must be less than %s = %s (%s)%s%s",
                          oa, es_options[a].section, es_options[a].key, va, bname, vb, ob,
                          note ? "; " : "", note ? note : "");
    }
    return ES_OK;
}

/* ---------------------------------------------------------------- printing */

/* Write every option as INI text, grouped by section in table order. */
static void es_cfg_write_ini(const es_config *cfg, FILE *f)
{
    char v[ES_CFG_STR];
    for (size_t i = 0; i < es_n_options; i++) {
        if (es_cfg_section_start(i))
            fprintf(f, "%s[%s]\n", i ? "\n" : "", es_options[i].section);
        es_cfg_format(cfg, &es_options[i], v, sizeof v);
        fprintf(f, "%s =%s%s\n", es_options[i].key, *v ? " " : "", v);
    }
}

/* The effective configuration as INI text (malloc'd; NULL if out of memory). Doubles are
 * written with the fewest digits (15 to 17) that read back exactly. */
char *es_config_to_ini(const es_config *cfg)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;
    es_cfg_write_ini(cfg, f);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* The option reference for `entroscape run --help`: per section, one line of key, type,
 * default and allowed values, then the help text indented below. */
void es_config_print_help(FILE *f)
{
    int wk = 3, wd = 7;  /* widths of the key and default columns */
    for (size_t i = 0; i < es_n_options; i++) {
        int k = (int)strlen(es_options[i].key), d = (int)strlen(es_options[i].def);
        wk = k > wk ? k : wk;
        wd = (d ? d : 2) > wd ? (d ? d : 2) : wd;
    }
    fprintf(f, "Options: in the config file under [section] as \"key = value\", or on the\n"
               "command line as --set section.key=value.\n\n");
    fprintf(f, "  %-*s  %-7s  %-*s  %s\n", wk, "key", "type", wd, "default", "allowed");
    for (size_t i = 0; i < es_n_options; i++) {
        const es_option *o = &es_options[i];
        char range[600];
        es_cfg_range(o, range, sizeof range);
        if (es_cfg_section_start(i))
            fprintf(f, "\n[%s]\n", o->section);
        fprintf(f, "  %-*s  %-7s  %-*s  %s\n", wk, o->key, es_cfg_type_name(o->type), wd,
                *o->def ? o->def : "\"\"", range);
        fprintf(f, "  %-*s  %s\n", wk, "", o->help);
    }
}

void es_config_where(const es_config *cfg, const char *section, const char *key,
                     const char *value, char *buf, size_t n)
{
    int i = es_config_find(section, key);
    int line = i >= 0 ? cfg->origin[i].line : 0;
    if (line > 0)
        snprintf(buf, n, "%s:%d: [%s] %s = %s", cfg->path, line, section, key, value);
    else if (line < 0)
        snprintf(buf, n, "--set %s.%s=%s", section, key, value);
    else
        snprintf(buf, n, "[%s] %s = %s (default)", section, key, value);
}
