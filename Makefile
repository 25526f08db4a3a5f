# memgen build. `make` builds build/libmemgen.a, build/libmemgen.so and build/memgen; see `make help`.
# CFLAGS and LDFLAGS given on the command line (or in the environment) are added after the project's own.
CC      ?= cc
CLANG   ?= clang
BUILD   ?= build
OPT     ?= -O2
MARCH   ?= $(shell echo 'int main(void){return 0;}' | $(CC) -march=native -x c - -o /dev/null 2>/dev/null && echo -march=native)
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Werror=implicit-function-declaration
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L
INCS    := -Iinclude -Isrc -I/usr/include/x86_64-linux-gnu
# OpenMP by trial compile (threads over batch and over noise levels).
OPENMP  ?= $(shell echo 'int main(void){return 0;}' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo -fopenmp)
CFLAGS  ?=
LDFLAGS ?=
# The project's flags (rules add to MG_CFLAGS per target); every compile and link uses ALL_CFLAGS.
MG_CFLAGS  = $(CSTD) $(WARN) $(OPT) -g $(MARCH) $(OPENMP) $(INCS)
ALL_CFLAGS = $(MG_CFLAGS) $(CFLAGS)
LIBS    := -llapacke -lopenblas -lpng -ljpeg -lz -lcjson -lm -lpthread
TESTLIBS:= -lcmocka
# librsvg with cairo (PNG and PDF copies of the report's figures: src/report/plot_export.c), optional like OpenMPI:
# used where pkg-config finds them (Debian's librsvg2-dev); RSVG=0 builds without, and sanitizer builds go without
# (fontconfig's caches, never freed, read as leaks). Without it the report writes its figures as SVG only, saying so.
RSVG_PKGS := librsvg-2.0 cairo-png cairo-pdf
RSVG_FOUND = $(shell pkg-config --exists $(RSVG_PKGS) 2>/dev/null && echo 1)
RSVG ?= $(if $(findstring -fsanitize,$(OPT) $(CFLAGS)),0,$(RSVG_FOUND))
ifeq ($(RSVG),1)
LIBS    += $(shell pkg-config --libs $(RSVG_PKGS))
RSVG_CFLAGS := -DMG_HAVE_RSVG $(shell pkg-config --cflags $(RSVG_PKGS))
endif

# `make install` puts everything under $(DESTDIR)$(PREFIX); the library looks for its data (mg_data_path)
# in the source tree SOURCE_ROOT (empty: nowhere) and in DATADIR, both recorded at build time.
PREFIX      ?= /usr/local
DESTDIR     ?=
SOURCE_ROOT ?= $(CURDIR)
BINDIR      := $(PREFIX)/bin
LIBDIR      := $(PREFIX)/lib
INCLUDEDIR  := $(PREFIX)/include
DATADIR     := $(PREFIX)/share/memgen
HEADERS     := $(sort $(wildcard include/memgen/*.h include/memgen/*/*.h))
# Data an install carries, under the same paths in DATADIR as in the source tree.
DATA_FILES  := $(sort $(wildcard tests/fixtures/real_model/*) $(wildcard examples/real_model/*.py))

# The version of the shared library, read from memgen/core.h.
VERSION := $(shell sed -n 's/^\#define MG_VERSION_STRING "\(.*\)"/\1/p' include/memgen/core.h)
SONAME  := libmemgen.so.$(firstword $(subst ., ,$(VERSION)))

LIB_SRC   := $(sort $(wildcard src/*/*.c))
CLI_SRC   := $(sort $(wildcard cli/*.c))
TEST_SRC  := $(sort $(wildcard tests/test_*.c))
TESTUTIL  := tests/testutil.c
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
FUZZ_SRC  := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
LIBA      := $(BUILD)/libmemgen.a
LIBSO     := $(BUILD)/libmemgen.so
MEMGEN    := $(BUILD)/memgen

.PHONY: all test debug bench fuzz deps clean help tests-build install uninstall FORCE
all: $(LIBA) $(LIBSO) $(BUILD)/$(SONAME) $(MEMGEN)

help:
	@echo "make            build $(LIBA), $(LIBSO) (soname $(SONAME)) and $(MEMGEN)"
	@echo "make test       build and run the test suite, run every README command (scripts/test_readme.py),"
	@echo "                test an install (scripts/test_install.sh) and the Python package (scripts/test_python.sh)"
	@echo "make debug      ASan+UBSan build in build-debug/ and run the test suite there"
	@echo "make bench      build and run the benchmarks (vs PyTorch and the OpenBLAS roofline)"
	@echo "make fuzz       libFuzzer targets for every reader, FUZZ_SECONDS each (default 60)"
	@echo "make deps       install missing Debian packages (idempotent)"
	@echo "make install    install the library, headers, memgen.pc, the CLI and the data under"
	@echo "                \$$DESTDIR\$$PREFIX (PREFIX=$(PREFIX)); make uninstall removes them"
	@echo "Variables: CFLAGS, LDFLAGS (added to the project's), CC, OPT (-O2), MARCH, OPENMP, BUILD (build),"
	@echo "           PREFIX, DESTDIR, SOURCE_ROOT (the source tree the library may read its data from)"

# Hot kernels written as plain loops for the auto-vectoriser get -O3 (and no
# errno from sqrtf, which would block vectorising; IEEE results are unchanged).
HOT_SRC := src/core/rng.c src/train/loss.c src/train/optim.c src/train/small.c src/train/tc_loss.c
$(HOT_SRC:%.c=$(BUILD)/obj/%.o): MG_CFLAGS += -O3 -fno-math-errno

# The library exports only what its headers mark MG_API (memgen/core.h), and
# all of it is position-independent: libmemgen.a can go into a shared object.
$(LIB_OBJ): MG_CFLAGS += -fvisibility=hidden -fPIC

# mg_data_path (src/io/datapath.c) looks for the data under the source tree
# and the install's data folder; the stamp rebuilds it when either changes.
DATAPATH_OBJ := $(BUILD)/obj/src/io/datapath.o
$(DATAPATH_OBJ): MG_CFLAGS += -DMG_SOURCE_ROOT='"$(SOURCE_ROOT)"' -DMG_DATA_DIR='"$(DATADIR)"'
$(DATAPATH_OBJ): $(BUILD)/datapath.stamp
$(BUILD)/datapath.stamp: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(SOURCE_ROOT)' '$(DATADIR)' | cmp -s - $@ || printf '%s\n' '$(SOURCE_ROOT)' '$(DATADIR)' >$@

# plot_export.o is rebuilt when the choice of librsvg changes (RSVG=0 / 1).
RSVG_OBJ := $(BUILD)/obj/src/report/plot_export.o
$(RSVG_OBJ): MG_CFLAGS += $(RSVG_CFLAGS)
$(RSVG_OBJ): $(BUILD)/rsvg.stamp
$(BUILD)/rsvg.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(RSVG)' | cmp -s - $@ || echo '$(RSVG)' >$@

# Objects are rebuilt when the Makefile (their flags) changes.
$(BUILD)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# The shared library (exporting only mg_*: src/libmemgen.map), its soname link and its development link.
$(LIBSO).$(VERSION): $(LIB_OBJ) src/libmemgen.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/libmemgen.map $(ALL_CFLAGS) $(LDFLAGS) \
	    $(LIB_OBJ) $(LIBS) -o $@
$(BUILD)/$(SONAME) $(LIBSO): $(LIBSO).$(VERSION)
	ln -sf $(notdir $<) $@

$(MEMGEN): $(CLI_OBJ) $(LIBA)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(CLI_OBJ) $(LIBA) $(LIBS) -o $@

# The MPI variant of the CLI (`mpirun -n K build/memgen-mpi sweep ...`), built only where mpicc is:
# cli/cmd_sweep.c again with -DMG_HAVE_MPI, linked by mpicc; build/memgen stays free of MPI.
MPICC ?= $(shell command -v mpicc 2>/dev/null)
ifneq ($(MPICC),)
all tests-build: $(BUILD)/memgen-mpi
$(BUILD)/obj/cli/cmd_sweep_mpi.o: cli/cmd_sweep.c
	@mkdir -p $(dir $@)
	$(MPICC) $(ALL_CFLAGS) -DMG_HAVE_MPI -c $< -o $@
$(BUILD)/memgen-mpi: $(filter-out $(BUILD)/obj/cli/cmd_sweep.o,$(CLI_OBJ)) $(BUILD)/obj/cli/cmd_sweep_mpi.o $(LIBA)
	$(MPICC) $(ALL_CFLAGS) $^ $(LDFLAGS) $(LIBS) -o $@
endif

$(BUILD)/tests/%: tests/%.c $(TESTUTIL) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Itests $< $(TESTUTIL) $(LIBA) $(LIBS) $(TESTLIBS) -o $@

$(BUILD)/bench/%: bench/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Ibench $< $(LIBA) $(LIBS) -o $@

tests-build: $(TEST_BIN) all

# The Python package's tests load libmemgen.a into the interpreter, which a
# sanitizer build cannot do (its runtime must come first), so they run only
# in uninstrumented builds.
test: tests-build
	@MEMGEN=$(MEMGEN) sh scripts/run_tests.sh $(BUILD)/tests
	@BUILD=$(BUILD) /usr/bin/python3 scripts/test_readme.py
	@BUILD=$(BUILD) CC='$(CC)' TEST_CFLAGS='$(OPT) $(CFLAGS)' sh scripts/test_install.sh
	@case '$(OPT) $(CFLAGS)' in *-fsanitize*) echo "python: SKIPPED in a sanitizer build";; \
	  *) BUILD=$(BUILD) MEMGEN=$(MEMGEN) sh scripts/test_python.sh;; esac

# The pkg-config file of an install (static links need Libs.private, OpenMP included).
$(BUILD)/memgen.pc: memgen.pc.in FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS@|$(LIBS) $(OPENMP)|' $< >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

install: all $(BUILD)/memgen.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	@echo "install include/memgen/ -> $(DESTDIR)$(INCLUDEDIR)/memgen/"
	@for f in $(HEADERS:include/%=%); do install -D -m 644 include/$$f $(DESTDIR)$(INCLUDEDIR)/$$f || exit 1; done
	install -m 644 $(LIBA) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIBSO).$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libmemgen.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libmemgen.so
	install -m 644 $(BUILD)/memgen.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 755 $(MEMGEN) $(DESTDIR)$(BINDIR)/
	@echo "install $(sort $(dir $(DATA_FILES))) -> $(DESTDIR)$(DATADIR)/"
	@for f in $(DATA_FILES); do install -D -m 644 $$f $(DESTDIR)$(DATADIR)/$$f || exit 1; done

uninstall:
	rm -rf $(DESTDIR)$(INCLUDEDIR)/memgen $(DESTDIR)$(DATADIR)
	rm -f $(DESTDIR)$(LIBDIR)/libmemgen.a $(DESTDIR)$(LIBDIR)/libmemgen.so* $(DESTDIR)$(LIBDIR)/pkgconfig/memgen.pc
	rm -f $(DESTDIR)$(BINDIR)/memgen

debug:
	$(MAKE) BUILD=build-debug OPT="-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	    MARCH= test

# The thread policy of the memgen CLI (cli/main.c) unless one is given.
# bench_tc, bench_nn and bench_femp (memgen and PyTorch / FAISS alike) run with OpenBLAS's own choice
# of kernels and cache size: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset. bench_nn runs at the
# audit's sizes (10^5 x 6 x 10^4, d = 784: minutes on 2 cores; MEMGEN_BENCH_NN_GEN / _TRAIN shrink it).
bench: $(BENCH_BIN) $(MEMGEN)
	@[ -n "$$OMP_WAIT_POLICY$$GOMP_SPINCOUNT" ] || export GOMP_SPINCOUNT=1000; \
	export OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1}; \
	for b in $(BENCH_BIN); do echo "== $$b"; \
	  case $$b in *bench_tc|*bench_nn|*bench_femp) env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $$b || exit 1;; *) $$b || exit 1;; esac; done; \
	echo "== bench/bench_python.py"; /usr/bin/python3 bench/bench_python.py --build $(BUILD)

# libFuzzer needs clang; the library is rebuilt with coverage instrumentation.
FUZZ_SECONDS ?= 60
FUZZ_BASE  := -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 $(INCS)
FUZZ_FLAGS := $(FUZZ_BASE) -fsanitize=fuzzer,address,undefined
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build-fuzz/obj/%.o)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_BASE) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@
build-fuzz/%: fuzz/%.c $(FUZZ_LIB_OBJ)
	$(CLANG) $(FUZZ_FLAGS) $< $(FUZZ_LIB_OBJ) $(LIBS) -o $@
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p build-fuzz/corpus/$$n; \
	  echo "== $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 build-fuzz/corpus/$$n fuzz/seeds/$$n || exit 1; done

deps:
	sh scripts/deps.sh

clean:
	rm -rf build build-debug build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
