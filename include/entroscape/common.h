/* common.h: status codes, the error context, and small helpers shared by every module. */
#ifndef ENTROSCAPE_COMMON_H
#define ENTROSCAPE_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* The program version, e.g. "0.1.0+4f1ed6a" (release + git commit), set at build time. */
const char *es_version(void);

typedef enum es_status {
    ES_OK = 0,       /* success */
    ES_EUSAGE,       /* bad command line: exit code 2 */
    ES_ECONFIG,      /* bad configuration file or --set override: exit code 2 */
    ES_EIO,          /* a file could not be read or written */
    ES_EDATA,        /* a file was read but its content is malformed or mismatched */
    ES_ENOMEM,       /* allocation failed */
    ES_ERUNTIME,     /* any other failure while running */
    ES_EDOM,         /* not an error: a proposed move leaves the model's domain (rejected) */
    ES_EINTR         /* interrupted by a signal; work so far is saved */
} es_status;

/* An error context: the first failure's status and message. Passed down, never global,
 * so that walkers running as threads report independently. */
typedef struct es_err {
    es_status status;
    char msg[1024];
} es_err;

/* Record a failure in err (if non-NULL and still clear) and return status. printf-style. */
es_status es_err_set(es_err *err, es_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Exit code for a status: 0 for ES_OK, 2 for usage/config errors, 1 otherwise. */
int es_exit_code(es_status status);

/* Name of a status, e.g. "config error". */
const char *es_status_name(es_status status);

/* Zeroed allocation, aligned to and padded to 64-byte cache lines; free with free(). On
 * failure (or size overflow) sets err (ES_ENOMEM, naming what) and returns NULL. */
void *es_calloc(size_t n, size_t size, const char *what, es_err *err);

/* Wall-clock seconds since an arbitrary fixed point (monotonic). */
double es_seconds(void);

#define ES_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
