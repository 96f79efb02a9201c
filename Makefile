# entroscape: Makefile.  `make` builds ./entroscape; `make test`, `make demo`, `make bench`.
# Options: NO_OMP=1 (serial build), MPI=1 (OpenMPI build, later), DEBUG=1 (-O0, sanitizers),
# SANITIZE=1 (ASan + UBSan in build-san/; `make test SANITIZE=1` runs the suite on it).

CC      ?= gcc
SHELL   := /bin/bash
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
BUILD   := build
ifdef SANITIZE
  BUILD := build-san
endif

RELEASE := 0.1.0
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -g -Iinclude -I$(BUILD)
ifdef DEBUG
  CFLAGS_OPT := -O0 -fsanitize=address,undefined
  LDFLAGS    += -fsanitize=address,undefined
else ifdef SANITIZE
  # Own build directories, so sanitized and plain objects never mix. Leaks inside OpenMPI and
  # HDF5 (and only those) are suppressed: tests/lsan.supp.
  CFLAGS_OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDFLAGS    += -fsanitize=address,undefined
  SAN        := -san
  BIN        := build-san/entroscape
  export ES_BIN     := ./build-san/entroscape
  export ES_MPI_BIN := build-mpi-san/entroscape
  export ASAN_OPTIONS  := detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0
  export LSAN_OPTIONS  := suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
  export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
  export ES_TIME_SCALE := 4
  export ES_MPI_ENV    := ASAN_OPTIONS=$(ASAN_OPTIONS):detect_leaks=0
else
  CFLAGS_OPT := -O2
endif
# Never -ffast-math: the sampler lives on logs and needs IEEE behaviour (inf, nan, exact rounding).

PKGS    := gsl hdf5 inih openblas
PKG_CF  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# GSL's own reference CBLAS is dropped: OpenBLAS provides CBLAS for GSL and for us.
PKG_LIB := $(filter-out -lgslcblas,$(shell pkg-config --libs $(PKGS) 2>/dev/null))
HDF5_HL := $(shell pkg-config --libs-only-L hdf5 2>/dev/null | sed 's/^-L//;s/ .*//')
LDLIBS  += $(PKG_LIB) -lhdf5_hl -lz -lm
CFLAGS  += $(CFLAGS_BASE) $(CFLAGS_OPT) $(PKG_CF) -DHAVE_INLINE -DGSL_RANGE_CHECK_OFF

# --- optional parts: probe and say what was found -------------------------------------------
ifdef NO_OMP
  OMP_MSG := OpenMP: off (NO_OMP=1)
else
  OMP_OK := $(shell echo 'int main(void){return 0;}' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo yes)
  ifeq ($(OMP_OK),yes)
    CFLAGS  += -fopenmp
    LDFLAGS += -fopenmp
    OMP_MSG := OpenMP: on
  else
    OMP_MSG := OpenMP: not found, serial build
  endif
endif
ifdef MPI
  MPICC := $(shell command -v mpicc 2>/dev/null)
  ifneq ($(MPICC),)
    CC := $(MPICC)
    CFLAGS += -DES_HAVE_MPI
    MPI_MSG := MPI: on ($(MPICC))
  else
    $(error MPI=1 but mpicc not found: run scripts/setup.sh (installs openmpi))
  endif
else
  MPI_MSG := MPI: off (build with MPI=1)
endif

SRC      := $(sort $(wildcard src/*/*.c))
MAIN_SRC := src/cli/main.c
LIB_SRC  := $(filter-out $(MAIN_SRC),$(SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_UTIL:= $(filter-out $(TEST_SRC),$(wildcard tests/*.c))

.PHONY: all setup data test demo bench clean info
BIN ?= entroscape
all: info $(BIN)

info:
	@echo "entroscape $(VERSION): $(OMP_MSG); $(MPI_MSG)"

setup:
	@scripts/setup.sh

# Datasets extracted from Debian packages into data/ (idempotent, quiet when present).
data:
	@scripts/fetch-data.sh data

$(BIN): $(BUILD)/src/cli/main.o $(BUILD)/libentroscape.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libentroscape.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# build/version.h changes only when the version does, so only version.c recompiles.
VERSION_H := $(BUILD)/version.h
$(shell mkdir -p $(BUILD); v='#define ES_VERSION "$(RELEASE)+$(VERSION)"'; \
  [ "$$(cat $(VERSION_H) 2>/dev/null)" = "$$v" ] || echo "$$v" > $(VERSION_H))

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(TEST_UTIL) $(BUILD)/libentroscape.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(TEST_UTIL) $(BUILD)/libentroscape.a $(LDFLAGS) $(LDLIBS) -lcmocka

# The suite: every tests/test_*.c is one cmocka binary; tests/run.sh prints the total.
# With mpicc installed, an MPI build in build-mpi/ is tested too (tests/test_mpi.c).
HAVE_MPICC := $(shell command -v mpicc 2>/dev/null)
test: setup data
	@$(MAKE) --no-print-directory all $(TEST_BIN)
	$(if $(HAVE_MPICC),@$(MAKE) --no-print-directory MPI=1 BUILD=build-mpi$(SAN) \
	    BIN=build-mpi$(SAN)/entroscape build-mpi$(SAN)/entroscape >/dev/null)
	@tests/run.sh $(TEST_BIN)

# The paper's Fig. 1a network (spiral, 2-6-6-6-2, 116 parameters): 20 Adam runs, the landscape
# (configs/demo-spiral.ini: at most 7 minutes), the analysis table and the figures.
demo: setup
	@$(MAKE) --no-print-directory all
	@mkdir -p out
	./entroscape train configs/spiral-3x6.ini --set train.runs=20 -o out/demo-train.h5 --quiet
	./entroscape run configs/demo-spiral.ini --threads 2 -o out/demo.h5 --overwrite
	set -o pipefail; ./entroscape analyze out/demo.h5 --sgd out/demo-train.h5 | tee out/demo-analysis.txt
	./entroscape plot out/demo.h5 --sgd out/demo-train.h5 -o out/demo-figures
	@echo
	@echo "demo: landscape        out/demo.h5 (/dos, /analysis; ./entroscape info out/demo.h5)"
	@echo "      Adam runs        out/demo-train.h5 (/sgd)"
	@echo "      analysis table   out/demo-analysis.txt"
	@echo "      figures          out/demo-figures/demo-landscape.png (the paper's Fig. 1a),"
	@echo "                       demo-advantage.png, demo-convergence.png, demo-histogram.png"

# The sampler against exact answers, 10 seeds per case (scripts/validate.py; a benchmark, not a
# test: about an hour on 2 cores, VALIDATE_ARGS=--quick for the fast cases): particles |w| and
# w^2 in 1-D and 2-D over grids with the tails, with and without windows; Ising L = 8, 16, 32
# against Beale; a tiny binary network against `entroscape exact`. Writes docs/VALIDATION.md.
.PHONY: validate
validate: setup
	@$(MAKE) --no-print-directory all
	/usr/bin/python3 scripts/validate.py $(VALIDATE_ARGS)

# Every task of the paper at CPU scale (scripts/reproduce.sh): train, run (REPRO_SECONDS of
# sampling per landscape, default 1800: about 5 hours on 2 cores), analyze, plot, compare the
# width series; writes docs/RESULTS.md. E.g. `make reproduce REPRO_SECONDS=240` (~1 hour).
.PHONY: reproduce
reproduce: setup data
	@$(MAKE) --no-print-directory all
	@scripts/reproduce.sh $(if $(REPRO_SECONDS),--seconds $(REPRO_SECONDS))

bench: all
	@scripts/bench.sh

# Surge-Collapse training, every use case against its baselines (scripts/use-cases.sh; not part
# of `make test`): writes docs/USE-CASES.md and docs/figures/use-cases/. USE_CASES_QUICK=1 for a
# smoke run of a few minutes; USE_CASES_SECTIONS="sparse grokking" for some sections only.
.PHONY: use-cases
use-cases: data
	@$(MAKE) --no-print-directory all
	@scripts/use-cases.sh

clean:
	rm -rf $(BUILD) entroscape build-san build-mpi-san

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/cli/main.d
