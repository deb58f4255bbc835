# dl toolkit - see README.md.  `make`, `make test`, `make check`, `make install`.
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
OPT     ?= -O2 -g
CPPFLAGS ?=
CFLAGS  ?=
LDFLAGS ?=
SAN     ?=

# make splits a path with a space into two words in every target, prerequisite
# and command (a stray tree under ./space/, "make: *** /tmp/b: Is a
# directory"), and has no way to quote it: refuse one before doing anything.
no_spaces = $(if $(word 2,$($(1))),$(error $(1) may not contain spaces (make cannot quote them): '$($(1))'))
$(call no_spaces,BUILD)
$(if $(strip $(BUILD)),,$(error BUILD may not be empty))
ifneq ($(filter install uninstall,$(MAKECMDGOALS)),)
$(call no_spaces,PREFIX)
$(call no_spaces,DESTDIR)
endif

WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
DEFS    := -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64
PKGS    := openblas lapacke yaml-0.1 zlib
INCS    := -Ilib $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# A packager's CPPFLAGS, CFLAGS and LDFLAGS (dpkg-buildflags: -D_FORTIFY_SOURCE=2,
# -fstack-protector-strong, -Wl,-z,relro...) reach every compile and link of
# the tools, the tests' programs, the benchmarks and the MPI plugin; only the
# LD_PRELOAD shims of the tests (tests/faults), which stand in for libc calls,
# are built with flags of their own.
ALL_CFLAGS := $(WARN) $(DEFS) $(INCS) $(CPPFLAGS) $(OPT) $(SAN) $(CFLAGS)
LIBS    := $(or $(shell pkg-config --libs $(PKGS) 2>/dev/null),-llapacke -lopenblas -lyaml -lz) -lm -lpthread -ldl

# dl-train's MPI plugin (see HACKING.md): built when mpicc is present, with
# the compiler of the rest of the build; dl-train loads it only when mpirun
# or srun started it, so nothing else links or needs MPI.
MPICC   ?= $(shell command -v mpicc 2>/dev/null)
PLUGIN  := $(if $(MPICC),$(BUILD)/lib/dltk/mpi.so)

LIB_SRC  := $(sort $(wildcard lib/*.c))
CMD_SRC  := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
GEN_SRC  := $(sort $(wildcard tests/gen/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIBA     := $(BUILD)/libdltk.a
BINS     := $(CMD_SRC:cmd/%.c=$(BUILD)/bin/%)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
MAN1     := $(wildcard man/*.1)
MAN5     := $(wildcard man/*.5)

MAKEFLAGS += --no-print-directory

.PHONY: all test check test-asan clang fuzz fuzz-build install uninstall clean demo setup bench layers
all: $(BINS) $(UNITS) $(BUILD)/tests/failalloc.so $(BUILD)/tests/nodlclose.so $(BUILD)/tests/sigtemp.so $(BUILD)/tests/shrink.so $(BUILD)/tests/many_records $(PLUGIN)

# Objects of mains, unit tests and benchmarks are made by pattern rules, so
# make would delete them as intermediates and relink every program on the
# next run; keep them.
.SECONDARY:

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/cmd/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(SAN) $(LDFLAGS) -Wl,--as-needed $< $(LIBA) $(LIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(SAN) $(LDFLAGS) -Wl,--as-needed $< $(LIBA) $(LIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(SAN) $(LDFLAGS) -Wl,--as-needed $< $(LIBA) $(LIBS) -o $@

# Generators of inputs too large to keep as fixtures (tests/bats).
$(BUILD)/tests/%: $(BUILD)/tests/gen/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(SAN) $(LDFLAGS) -Wl,--as-needed $< $(LIBA) $(LIBS) -o $@

$(BUILD)/lib/dltk/mpi.so: plugin/mpi.c lib/dist_plugin.h
	@mkdir -p $(dir $@)
	OMPI_CC=$(CC) $(MPICC) $(WARN) -Ilib $(CPPFLAGS) $(OPT) $(CFLAGS) $(LDFLAGS) -shared -fPIC $< -o $@

# An LD_PRELOAD shim that keeps Open MPI's components loaded for LeakSanitizer
# (tests/bats/mpi.bats under ASan).
$(BUILD)/tests/nodlclose.so: tests/faults/nodlclose.c
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -O1 $< -o $@

# An LD_PRELOAD shim that raises a signal as mkstemp or a rename returns (tests/bats/signals.bats).
$(BUILD)/tests/sigtemp.so: tests/faults/sigtemp.c
	@mkdir -p $(dir $@)
	$(CC) -Wall -Wextra -Werror -shared -fPIC -O1 $< -o $@ -ldl

# An LD_PRELOAD shim that truncates a file while it is read (tests/bats/signals.bats).
$(BUILD)/tests/shrink.so: tests/faults/shrink.c
	@mkdir -p $(dir $@)
	$(CC) -Wall -Wextra -Werror -shared -fPIC -O1 $< -o $@ -ldl

# An LD_PRELOAD shim that fails the Nth allocation (tests/bats/faults.bats).
$(BUILD)/tests/failalloc.so: tests/faults/failalloc.c
	@mkdir -p $(dir $@)
	$(CC) -Wall -Wextra -Werror -shared -fPIC -O1 $< -o $@


# The whole suite: C unit tests, then the BATS tests against $(BUILD)/bin.
test: all
	BUILD=$(BUILD) DL_SAN="$(SAN)" tests/run

# Everything CI runs: the layer check, warning-clean clang and -O3 builds
# (-O3 inlines more, so the compiler sees more paths to warn about), the suite with
# gcc, and the suite again under ASan+UBSan (its "N passed, N failed" line
# comes last).
check:
	$(MAKE) layers
	$(MAKE) -j2 clang
	$(MAKE) -j2 BUILD=build-o3 OPT=-O3 all
	$(MAKE) -j2 all
	$(MAKE) test
	$(MAKE) -j2 BUILD=build-asan OPT="$(ASAN_OPT)" SAN="$(ASAN)" all
	$(MAKE) test-asan

# lib/ against the layer table in HACKING.md: no include from a higher layer,
# and no symbol exported outside its module's prefixes.
layers: $(LIB_OBJ)
	scripts/layers .
	scripts/prefixes . $(BUILD)/lib

ASAN_OPT := -O1 -g -fno-omit-frame-pointer
ASAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
test-asan:
	$(MAKE) BUILD=build-asan OPT="$(ASAN_OPT)" SAN="$(ASAN)" test

clang:
	$(MAKE) BUILD=build-clang CC=clang all

# Fuzzing: each tests/fuzz/fuzz_NAME.c is a libFuzzer target linked against
# the library built with the fuzzing flags in build-fuzz/ (the same object
# list as every other build, so no target names library sources).  `make
# fuzz` builds them all and runs each for FUZZ_SECONDS (tests/fuzz/run says
# where seeds and crashes go); FUZZ_TARGETS=spec runs only fuzz_spec.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build-fuzz
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_BINS    := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_FLAGS   := -O1 -g -fno-omit-frame-pointer -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
FUZZ_SAN     := address,undefined -fno-sanitize-recover=all

fuzz: fuzz-build
	nice tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPT="$(FUZZ_FLAGS)" \
	  SAN="-fsanitize=fuzzer-no-link,$(FUZZ_SAN)" $(FUZZ_BUILD)/libdltk.a
	$(MAKE) $(FUZZ_BINS)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/*.h $(FUZZ_BUILD)/libdltk.a
	clang $(WARN) $(DEFS) -D_GNU_SOURCE $(INCS) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) \
	  $< $(FUZZ_BUILD)/libdltk.a $(LIBS) -o $@

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	[ -z "$(PLUGIN)" ] || install -D -m 644 $(PLUGIN) $(DESTDIR)$(PREFIX)/lib/dltk/mpi.so
	[ -z "$(MAN1)" ] || install -m 644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1/
	[ -z "$(MAN5)" ] || install -m 644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5/

# lib/dltk/ is the project's own: it goes too once empty (the shared bin/
# and man directories stay).
uninstall:
	rm -f $(BINS:$(BUILD)/bin/%=$(DESTDIR)$(PREFIX)/bin/%) $(DESTDIR)$(PREFIX)/lib/dltk/mpi.so
	rm -f $(MAN1:man/%=$(DESTDIR)$(PREFIX)/share/man/man1/%) $(MAN5:man/%=$(DESTDIR)$(PREFIX)/share/man/man5/%)
	[ ! -d $(DESTDIR)$(PREFIX)/lib/dltk ] || [ -n "$$(ls -A $(DESTDIR)$(PREFIX)/lib/dltk)" ] || \
	  rmdir $(DESTDIR)$(PREFIX)/lib/dltk

# Installs missing system packages, builds, and runs the demo pipeline.
setup:
	scripts/install-deps
	$(MAKE) all
	$(MAKE) demo

demo: all
	BUILD=$(BUILD) scripts/demo

# train_fann.c links FANN, which only bench/train.sh needs: it builds that one.
# allreduce.c is MPI's: bench/mpi_scaling.sh builds it with mpicc.
BENCH_SRC := $(filter-out bench/train_fann.c bench/allreduce.c,$(wildcard bench/*.c))
bench: all $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
	BUILD=$(BUILD) bench/run

# The ratio table of every speed target in under two minutes (bench/quick.sh).
bench-quick: all $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
	BUILD=$(BUILD) bench/quick.sh

# The build outputs and nothing else: BUILD (wherever it is), and the
# project's own build directories, build and build-* (build-asan,
# build-clang, build-fuzz, any BUILD=build-xyz), but not a buildtools/.
# A link among them goes, not what it points to.
# BUILD may be anywhere, but not the tree, one of its source directories or
# a directory above them: make clean BUILD=. or BUILD=.. would remove them.
SOURCE_DIRS := $(CURDIR) $(addprefix $(CURDIR)/,lib cmd tests man data examples bench scripts plugin .git)
clean:
	$(if $(or $(filter $(abspath $(BUILD)),$(SOURCE_DIRS) /),$(filter $(abspath $(BUILD))/%,$(CURDIR)/)),$(error make clean: BUILD=$(BUILD) holds the sources, not build outputs only))
	rm -rf $(BUILD) $(patsubst %/,%,$(wildcard build/ build-*/))

# The headers each object was compiled with (-MMD): every object of the
# %.o rule, so a changed header recompiles the generators and benchmarks too.
-include $(LIB_OBJ:.o=.d) $(patsubst %.c,$(BUILD)/%.d,$(CMD_SRC) $(UNIT_SRC) $(GEN_SRC) $(BENCH_SRC))
