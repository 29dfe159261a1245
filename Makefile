# SPDX-License-Identifier: GPL-2.0
# faultline: `make` builds build/faultline, `make test` runs every test,
# `make bench` runs the overhead benchmark, `make clean` removes build/.
# V=1 shows commands; CC=clang builds with clang; SAN=1 adds ASan+UBSan.
# `make fuzz` builds the libFuzzer targets (tests/fuzz/) into build-fuzz/.

CC ?= cc
PKG_CONFIG ?= pkg-config
BUILD ?= build
LIBS_PC := hwloc numa jansson zlib fuse3
BPFTOOL ?= bpftool
CLANG ?= clang
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
# make test and make fuzz build on every CPU; the tests run one at a time.
JOBS := -j$(shell nproc 2>/dev/null || echo 1)

# BPF collectors need clang, bpftool, libbpf and kernel BTF to build;
# without any of them faultline builds without BPF and says why.
BPF_MISSING := $(strip \
	$(if $(shell command -v $(CLANG) 2>/dev/null),,clang not found) \
	$(if $(shell command -v $(BPFTOOL) 2>/dev/null),,bpftool not found) \
	$(if $(shell $(PKG_CONFIG) --exists libbpf 2>/dev/null && echo y),,libbpf (libbpf-dev) not found) \
	$(if $(wildcard $(VMLINUX_BTF)),,no kernel BTF at $(VMLINUX_BTF)))
ifeq ($(NOBPF),1)
BPF_MISSING := disabled with NOBPF=1
endif
ifeq ($(BPF_MISSING),)
LIBS_PC += libbpf
endif

WARN := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wformat=2 -Werror
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -pthread -I$(BUILD) -I$(BUILD)/bpf -Iharness -I.
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
# The fuzz build (make fuzz): every object carries libFuzzer's coverage
# hooks, and undefined behaviour aborts so that the fuzzer sees it.
ifeq ($(FUZZ),1)
CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
endif
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null)

ifeq ($(V),1)
Q :=
msg := @true
else
Q := @
msg := @printf '  %-7s %s\n'
endif

# harness/ in layers (see harness/README.md); plots/: the report's figures
# (gnuplot templates beside their C).
HARNESS_LAYERS := base run integrity inval clusterfs collect analysis variant bisect cli
HARNESS_SRC := $(wildcard $(addprefix harness/,$(HARNESS_LAYERS:=/*.c)) plots/*.c)
BPF_PROGS := $(wildcard harness/collect/bpf/*.bpf.c)
ifeq ($(BPF_MISSING),)
HARNESS_SRC += $(filter-out %.bpf.c,$(wildcard harness/collect/bpf/*.c))
CFLAGS += -DFL_HAVE_BPF
BPF_SKELS := $(patsubst harness/collect/bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(BPF_PROGS))
else
CFLAGS += -DFL_BPF_MISSING='"$(BPF_MISSING)"'
BPF_SKELS :=
endif
WORKLOAD_SRC := $(wildcard workloads/*.c workloads/checks/*.c)
OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(HARNESS_SRC) $(WORKLOAD_SRC))
LIB_OBJ := $(filter-out $(BUILD)/obj/harness/cli/main.o,$(OBJ))
UNIT_SRC := $(wildcard tests/test_*.c)
UNIT_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

# faultline-mpi (MPI workloads) needs mpicc; without it, it is not built
# and `faultline mpi` says what to install.
MPICC ?= mpicc
MPI_SRC := $(wildcard harness/mpi/*.c workloads/mpi/*.c)
MPI_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(MPI_SRC))
ifneq ($(NOMPI),1)
MPI_BIN := $(if $(shell command -v $(MPICC) 2>/dev/null),$(BUILD)/faultline-mpi)
endif

# faultline-bare: will-it-scale's loop alone, the yardstick of `make bench`.
BARE_OBJ := $(BUILD)/obj/harness/bench/bare_loop.o

.PHONY: all bpf-status test unit bench clean deps fuzz fuzz-targets FORCE
.DELETE_ON_ERROR:
.SECONDARY:

all: bpf-status $(BUILD)/faultline $(BUILD)/faultline-bare $(BUILD)/faultline-ethhub $(MPI_BIN) \
	$(UNIT_BIN)

bpf-status:
ifneq ($(BPF_MISSING),)
	@echo "faultline: building without BPF collectors: $(BPF_MISSING)" >&2
endif

# Version and commit, rewritten only when they change.
$(BUILD)/version.h: FORCE
	@mkdir -p $(@D)
	@v="#define FL_GIT \"$$(git describe --always --dirty 2>/dev/null || echo unknown)\""; \
	 [ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" > $@

$(BUILD)/obj/harness/cli/main.o $(BUILD)/obj/harness/run/env.o: $(BUILD)/version.h
$(BUILD)/obj/harness/cli/main.o $(BUILD)/obj/harness/run/env.o: CFLAGS += -include $(BUILD)/version.h
# known.c builds the list in with .incbin, which -MMD does not see.
$(BUILD)/obj/harness/integrity/known.o: workloads/checks/known-failures

# BPF: vmlinux.h from the build machine's BTF (CO-RE relocates at load),
# one object and one libbpf skeleton per program.
$(BUILD)/bpf/vmlinux.h:
	$(msg) BTF $@
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/bpf/%.bpf.o: harness/collect/bpf/%.bpf.c $(BUILD)/bpf/vmlinux.h $(wildcard harness/collect/bpf/*.h)
	$(msg) BPF $<
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
		-I$(BUILD)/bpf -Iharness -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name fl_$* > $@

$(OBJ): | $(BPF_SKELS)

$(BUILD)/obj/%.o: %.c
	$(msg) CC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(MPI_OBJ): $(BUILD)/obj/%.o: %.c | $(BPF_SKELS)
	$(msg) MPICC $<
	@mkdir -p $(@D)
	$(Q)OMPI_CC=$(CC) $(MPICC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/faultline-mpi: $(MPI_OBJ) $(LIB_OBJ)
	$(msg) LINK $@
	$(Q)OMPI_CC=$(CC) $(MPICC) $(LDFLAGS) -pthread $^ -o $@ $(PKG_LIBS) -lm

$(BUILD)/faultline: $(OBJ)
	$(msg) LINK $@
	$(Q)$(CC) $(LDFLAGS) -pthread $^ -o $@ $(PKG_LIBS) -lm

$(BUILD)/faultline-bare: $(BARE_OBJ) $(LIB_OBJ)
	$(msg) LINK $@
	$(Q)$(CC) $(LDFLAGS) -pthread $^ -o $@ $(PKG_LIBS) -lm

# faultline-ethhub: a guest cluster's Ethernet hub (kernels/cluster.sh).
$(BUILD)/faultline-ethhub: kernels/ethhub.c
	$(msg) CC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

$(BUILD)/tests/%: tests/%.c $(LIB_OBJ) tests/harness.h
	$(msg) CC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -Iharness $< $(LIB_OBJ) -o $@ $(LDFLAGS) $(PKG_LIBS) -lm

# libFuzzer targets, one per parser of outside input (tests/README.md):
# clang with ASan+UBSan, without BPF (no parser needs it).
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_OBJ)
	$(msg) CC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) $< $(LIB_OBJ) -o $@ -fsanitize=fuzzer \
		$(PKG_LIBS) -lm

fuzz-targets: $(FUZZ_BIN)

fuzz:
	@harness/install-deps.sh build fuzz
	@$(MAKE) --no-print-directory $(JOBS) BUILD=build-fuzz CC=clang FUZZ=1 NOBPF=1 fuzz-targets

deps:
	@harness/install-deps.sh build bpf test plots

# Every test runs twice: on the normal build and on an ASan+UBSan build.
# A clang build checks the code compiles warning-free with both compilers;
# a build without BPF checks that faultline degrades (tests/t-nobpf.sh);
# the fuzz build gives tests/t-fuzz.sh its targets.
BUILD_NOBPF_BIN = bpf-status build-nobpf/faultline
test: deps
	@$(MAKE) --no-print-directory $(JOBS) all
	@$(MAKE) --no-print-directory $(JOBS) BUILD=build-san SAN=1 all
	@$(MAKE) --no-print-directory $(JOBS) BUILD=build-clang CC=clang all >build-clang.log 2>&1; \
	 echo $$? >build-clang.status
	@$(MAKE) --no-print-directory $(JOBS) BUILD=build-nobpf NOBPF=1 $(BUILD_NOBPF_BIN) >build-nobpf.log 2>&1; \
	 echo $$? >build-nobpf.status
	@$(MAKE) --no-print-directory fuzz >build-fuzz.log 2>&1; echo $$? >build-fuzz.status
	@tests/run-tests $(BUILD) build-san

bench: all
	$(BUILD)/faultline selftest

clean:
	$(msg) CLEAN $(BUILD)
	$(Q)rm -rf $(BUILD) build-san build-clang build-clang.log build-clang.status \
		build-nobpf build-nobpf.log build-nobpf.status \
		build-fuzz build-fuzz.log build-fuzz.status

-include $(OBJ:.o=.d) $(MPI_OBJ:.o=.d) $(BARE_OBJ:.o=.d)
