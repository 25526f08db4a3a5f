# memgen build. `make` builds build/libmemgen.a and build/memgen; see `make help`.
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
CFLAGS  += $(CSTD) $(WARN) $(OPT) -g $(MARCH) $(OPENMP) $(INCS) -MMD -MP
LIBS    := -llapacke -lopenblas -lpng -lz -lcjson -lm -lpthread
TESTLIBS:= -lcmocka

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
MEMGEN    := $(BUILD)/memgen

.PHONY: all test debug bench fuzz deps clean help tests-build
all: $(LIBA) $(MEMGEN)

help:
	@echo "make            build $(LIBA) and $(MEMGEN)"
	@echo "make test       build and run the test suite"
	@echo "make debug      ASan+UBSan build in build-debug/ and run the test suite there"
	@echo "make bench      build and run the benchmarks (vs PyTorch and the OpenBLAS roofline)"
	@echo "make fuzz       libFuzzer targets for every reader, FUZZ_SECONDS each (default 60)"
	@echo "make deps       install missing Debian packages (idempotent)"

# Hot kernels written as plain loops for the auto-vectoriser get -O3 (and no
# errno from sqrtf, which would block vectorising; IEEE results are unchanged).
HOT_SRC := src/core/rng.c src/train/loss.c src/train/optim.c src/train/small.c src/train/tc_loss.c
$(HOT_SRC:%.c=$(BUILD)/obj/%.o): CFLAGS += -O3 -fno-math-errno

# The library exports only what its headers mark MG_API (memgen/core.h).
$(LIB_OBJ): CFLAGS += -fvisibility=hidden

# The experiment `real` finds the committed fixture of examples/real_model
# (tests/fixtures/real_model), and `memgen reproduce --real-model rerun` the
# pipeline itself, under the source tree they were built from.
$(BUILD)/obj/src/experiment/real.o $(BUILD)/obj/src/reproduce/real_model.o: CFLAGS += -DMG_SOURCE_ROOT='"$(CURDIR)"'

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(MEMGEN): $(CLI_OBJ) $(LIBA)
	$(CC) $(CFLAGS) $(CLI_OBJ) $(LIBA) $(LIBS) -o $@

# The MPI variant of the CLI (`mpirun -n K build/memgen-mpi sweep ...`), built only where mpicc is:
# cli/cmd_sweep.c again with -DMG_HAVE_MPI, linked by mpicc; build/memgen stays free of MPI.
MPICC ?= $(shell command -v mpicc 2>/dev/null)
ifneq ($(MPICC),)
all tests-build: $(BUILD)/memgen-mpi
$(BUILD)/obj/cli/cmd_sweep_mpi.o: cli/cmd_sweep.c
	@mkdir -p $(dir $@)
	$(MPICC) $(CFLAGS) -DMG_HAVE_MPI -c $< -o $@
$(BUILD)/memgen-mpi: $(filter-out $(BUILD)/obj/cli/cmd_sweep.o,$(CLI_OBJ)) $(BUILD)/obj/cli/cmd_sweep_mpi.o $(LIBA)
	$(MPICC) $(CFLAGS) $^ $(LIBS) -o $@
endif

$(BUILD)/tests/%: tests/%.c $(TESTUTIL) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests $< $(TESTUTIL) $(LIBA) $(LIBS) $(TESTLIBS) -o $@

$(BUILD)/bench/%: bench/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ibench $< $(LIBA) $(LIBS) -o $@

tests-build: $(TEST_BIN) $(MEMGEN)

test: tests-build
	@MEMGEN=$(MEMGEN) sh scripts/run_tests.sh $(BUILD)/tests

debug:
	$(MAKE) BUILD=build-debug OPT="-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	    MARCH= test

# The thread policy of the memgen CLI (cli/main.c) unless one is given.
# bench_tc (memgen and PyTorch alike) runs with OpenBLAS's own choice of
# kernels and cache size: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset.
bench: $(BENCH_BIN) $(MEMGEN)
	@[ -n "$$OMP_WAIT_POLICY$$GOMP_SPINCOUNT" ] || export GOMP_SPINCOUNT=1000; \
	export OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1}; \
	for b in $(BENCH_BIN); do echo "== $$b"; \
	  case $$b in *bench_tc) env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $$b || exit 1;; *) $$b || exit 1;; esac; done

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
