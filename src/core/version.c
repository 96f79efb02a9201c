/* version.c: the version string. ES_VERSION comes from build/version.h, which the Makefile
 * rewrites only when the version (release + git commit) changes, so only this file recompiles. */
#include "entroscape/common.h"
#include "version.h"

const char *es_version(void) { return ES_VERSION; }
