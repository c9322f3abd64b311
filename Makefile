# SPDX-License-Identifier: GPL-2.0
#
# ktap: make, make test, make bench, make install PREFIX=/usr DESTDIR=...
#
# Build products go to build/ (O=dir to change it): the library
# (libktap.a, libktap.so), the ktap command, and the test helpers.

O		?= build
PREFIX		?= /usr/local
DESTDIR		?=
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCDIR		?= $(PREFIX)/include

CC		?= gcc
OPT		?= -O2
WARN		:= -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS		?= $(OPT) -g
ALL_CFLAGS	:= -std=gnu11 $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden \
		   -Iinclude
LDFLAGS		?=

# The runtime core: freestanding, shared by every host and the kernel.
LIB_SRCS	:= lib/agg.c lib/builtins.c lib/event.c lib/fmt.c lib/gc.c \
		   lib/filter.c lib/hist.c lib/listing.c lib/load.c lib/match.c \
		   lib/names.c lib/out.c \
		   lib/session.c \
		   lib/str.c lib/tab.c lib/update.c lib/verify.c lib/vm.c
# The compiler (userspace).
LANG_SRCS	:= lang/code.c lang/dump.c lang/lex.c lang/parse.c
CMD_SRCS	:= cmd/ktap.c cmd/dynprobes.c cmd/kernel.c cmd/kevents.c cmd/kevents_tep.c cmd/live.c cmd/marker.c cmd/probes.c \
		   cmd/profile.c cmd/record.c cmd/stacks.c cmd/tasks.c \
		   cmd/tracedat.c cmd/tracee.c \
		   host/dynmatch.c host/elfsym.c \
		   host/platform.c \
		   host/script.c \
		   host/tep_view.c
CMD_LIBS	= $(TRACE_LIBS) -lelf -lpthread

# MINIMAL=1: a ktap without libtraceevent, libtracefs, libtracecmd and
# libelf (what `make cross` builds): it compiles, runs bytecode and scripts
# without events, and runs them in the kernel VM with their tracepoints
# and timers (cmd/kevents_tracefs.c); cmd/minimal.c answers what needs the
# libraries (tracing from userspace, -i, --ftrace) with an error.  Only the
# libraries' headers are used, for the declarations.
ifeq ($(MINIMAL),1)
CMD_SRCS	:= cmd/ktap.c cmd/kernel.c cmd/kevents.c cmd/kevents_tracefs.c cmd/minimal.c \
		   cmd/tracee.c host/platform.c host/script.c
CMD_LIBS	= -lpthread
endif

# libtraceevent and libtracecmd, for trace.dat (cmd/tracedat.c)
TRACE_CFLAGS	:= $(shell pkg-config --cflags libtracecmd libtraceevent libtracefs)
TRACE_LIBS	:= $(shell pkg-config --libs libtracecmd libtraceevent libtracefs)

LIB_OBJS	:= $(LIB_SRCS:%.c=$(O)/%.o) $(LANG_SRCS:%.c=$(O)/%.o)
CMD_OBJS	:= $(CMD_SRCS:%.c=$(O)/%.o)
DEPS		:= $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(PLUGIN_OBJS:.o=.d)

PLUGIN_SRCS	:= plugins/trace-cmd/plugin_ktap.c host/platform.c \
		   host/script.c host/tep_view.c
PLUGIN_OBJS	:= $(PLUGIN_SRCS:%.c=$(O)/%.o)
TEP_PLUGIN	:= $(O)/plugins/trace-cmd/plugin_ktap.so
# where libtraceevent looks for plugins (trace-cmd list -P)
TEP_PLUGIN_DIR	?= $(shell pkg-config --variable=libdir libtraceevent)/traceevent/plugins

all: $(O)/ktap $(O)/libktap.a $(O)/libktap.so $(TEP_PLUGIN)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CFLAGS_$(notdir $*)) -MMD -MP -c $< -o $@

# Keep one dispatch jump per instruction in the interpreter: merging them
# (cross-jumping) defeats the branch predictor.
CFLAGS_vm	:= -fno-gcse -fno-crossjumping
CFLAGS_tracedat	:= $(TRACE_CFLAGS)
CFLAGS_marker	:= $(TRACE_CFLAGS)
CFLAGS_live	:= $(TRACE_CFLAGS)
CFLAGS_probes	:= $(TRACE_CFLAGS)
CFLAGS_dynprobes := $(TRACE_CFLAGS)
CFLAGS_tasks	:= $(TRACE_CFLAGS)
CFLAGS_record	:= $(TRACE_CFLAGS)
CFLAGS_kernel	:= $(TRACE_CFLAGS)
CFLAGS_kevents	:= $(TRACE_CFLAGS)
CFLAGS_kevents_tep := $(TRACE_CFLAGS)
CFLAGS_minimal	:= $(TRACE_CFLAGS)
CFLAGS_kevents_tracefs := $(TRACE_CFLAGS)
CFLAGS_ktap	:= $(TRACE_CFLAGS)
CFLAGS_tep_view	:= $(TRACE_CFLAGS)
CFLAGS_plugin_ktap := $(TRACE_CFLAGS) $(shell pkg-config --cflags libtracefs)

$(O)/libktap.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(O)/libktap.so: $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,libktap.so.0 $(LDFLAGS) -o $@ $^

$(O)/ktap: $(CMD_OBJS) $(O)/libktap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CMD_LIBS)

# the plugin carries its own copy of the runtime: nothing to install beside it
$(TEP_PLUGIN): $(PLUGIN_OBJS) $(LIB_OBJS)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(TRACE_LIBS) $(shell pkg-config --libs libtracefs)

-include $(DEPS)

# ------------------------------------------------- the KernelShark plugin

# plugin-ktap.so for KernelShark 2.x (libkshark), part of `all` when
# libkshark is installed (Documentation/kernelshark.md):
#	kernelshark -p $PWD/build/plugins/kernelshark/plugin-ktap.so -i trace.dat
# Like the trace-cmd plugin it carries its own copy of the runtime, which
# the version script keeps private.
KS_FOUND	:= $(shell pkg-config --exists libkshark && echo yes)
# -isystem: the headers do not build warning-free
KS_CFLAGS	:= $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libkshark 2>/dev/null))
KS_LIBS		:= $(shell pkg-config --libs libkshark 2>/dev/null) -lkshark-plot
KS_SRCS		:= plugins/kernelshark/ktap_kshark.c host/platform.c \
		   host/script.c host/tep_view.c
KS_CXX_SRCS	:= plugins/kernelshark/ktap_draw.cpp
KS_OBJS		:= $(KS_SRCS:%.c=$(O)/%.o) $(KS_CXX_SRCS:%.cpp=$(O)/%.o)
KS_PLUGIN	:= $(O)/plugins/kernelshark/plugin-ktap.so
KS_MAP		:= plugins/kernelshark/plugin-ktap.map
KS_CXXFLAGS	:= -std=gnu++17 $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden \
		   -Iinclude $(KS_CFLAGS)
CFLAGS_ktap_kshark := $(KS_CFLAGS) $(TRACE_CFLAGS)

ifeq ($(KS_FOUND),yes)
all: $(KS_PLUGIN)
endif

kernelshark-plugin: $(KS_PLUGIN)

$(O)/plugins/kernelshark/%.o: plugins/kernelshark/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(KS_CXXFLAGS) -MMD -MP -c $< -o $@

$(KS_PLUGIN): $(KS_OBJS) $(LIB_OBJS) $(KS_MAP)
	$(CXX) -shared $(LDFLAGS) -Wl,--version-script=$(KS_MAP) -o $@ \
		$(KS_OBJS) $(LIB_OBJS) $(KS_LIBS) $(TRACE_LIBS)

-include $(KS_OBJS:.o=.d)

.PHONY: kernelshark-plugin

# ----------------------------------------------------- other architectures

# make cross [ARCH=arm64|s390x]: a static minimal ktap (MINIMAL=1) for
# aarch64 and for big-endian s390x, built with Debian's cross compilers
# into $(O)/cross/ARCH/ (ktap, libktap.a); without ARCH, both.
# make kmod ARCH=arm64|s390x: ktapvm.ko for Debian's 6.1 kernel of that
# architecture, whose headers scripts/cross-kernel.sh fetches into
# $(O)/cross/ARCH/kernel/ (root the first time: dpkg --add-architecture),
# or for the headers at KDIR=DIR (a board's own): $(O)/cross/ARCH/ktapvm.ko.
# make test-kernel ARCH=arm64|s390x boots that kernel under QEMU
# (tests/cross/).  Documentation/cross-arch.md.
CROSS_ARCHES	:= arm64 s390x
CROSS_COMPILE_arm64 := aarch64-linux-gnu-
CROSS_COMPILE_s390x := s390x-linux-gnu-
CROSS_ARCH	:= $(filter $(CROSS_ARCHES),$(ARCH))
# the headers of the kernel module build only when given: the cross
# default is Debian's, not this machine's
CROSS_KDIR	:= $(if $(filter command line,$(origin KDIR)),$(KDIR))

cross:
ifeq ($(ARCH),)
	@for a in $(CROSS_ARCHES); do \
		$(MAKE) --no-print-directory cross ARCH=$$a || exit 1; done
else ifeq ($(CROSS_ARCH),)
	@echo "make cross: ARCH=$(ARCH)? one of: $(CROSS_ARCHES)" >&2; exit 2
else
	@command -v $(CROSS_COMPILE_$(ARCH))gcc >/dev/null || { echo \
		"make cross: no $(CROSS_COMPILE_$(ARCH))gcc (apt-get install gcc-$(CROSS_COMPILE_$(ARCH):-=))" >&2; \
		exit 2; }
	$(MAKE) --no-print-directory O=$(O)/cross/$(ARCH) MINIMAL=1 \
		CC=$(CROSS_COMPILE_$(ARCH))gcc AR=$(CROSS_COMPILE_$(ARCH))ar \
		LDFLAGS=-static $(O)/cross/$(ARCH)/ktap $(O)/cross/$(ARCH)/libktap.a
endif

.PHONY: cross

# ------------------------------------------------------- the kernel module

# ktapvm.ko from kmod/ and the same lib/ sources (Documentation/kernel-module.md):
#	make kmod [KDIR=/lib/modules/<release>/build]	-> kmod/ktapvm.ko
KDIR		?= /lib/modules/$(shell uname -r)/build

ifeq ($(CROSS_ARCH),)
kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

kmod-clean:
	$(MAKE) -C kmod KDIR=$(KDIR) clean
else
# make kmod ARCH=arm64|s390x [KDIR=headers]: see "other architectures"
kmod:
	@scripts/cross-kernel.sh kmod $(O) $(CROSS_ARCH) $(CROSS_KDIR)

kmod-clean:
	rm -rf $(O)/cross/$(CROSS_ARCH)/kmod-src $(O)/cross/$(CROSS_ARCH)/ktapvm.ko
endif

# the module's sources where dkms(8) wants them: dkms add/build/install
# ktapvm/$(KTAP_VERSION) then rebuild it for every kernel
KTAP_VERSION	:= $(shell sed -n 's/^\#define KTAP_VERSION "\(.*\)"/\1/p' include/ktap/ktap.h)
DKMS_DIR	:= $(DESTDIR)/usr/src/ktapvm-$(KTAP_VERSION)

dkms-install:
	install -d $(DKMS_DIR)/kmod $(DKMS_DIR)/lib $(DKMS_DIR)/include/ktap
	install -m 644 kmod/Kbuild kmod/Makefile kmod/*.c kmod/*.h $(DKMS_DIR)/kmod/
	install -m 644 lib/*.c lib/*.h $(DKMS_DIR)/lib/
	install -m 644 include/ktap/*.h $(DKMS_DIR)/include/ktap/
	install -m 644 kmod/dkms.conf $(DKMS_DIR)/dkms.conf

.PHONY: kmod kmod-clean dkms-install

# ------------------------------------------------------------------ perf

# ktap-dlfilter.so: scripts inside the distribution's perf, part of `all`
# when linux-perf's <perf/perf_dlfilter.h> is installed
# (Documentation/perf.md):
#	perf script --dlfilter build/plugins/perf/ktap-dlfilter.so --dlarg foo.kp
# libtraceevent is linked in statically and kept private: perf exports
# its own, older copy of some tep_* functions, which would otherwise be
# used instead of the library's.
DLF_FOUND	:= $(shell test -f /usr/include/perf/perf_dlfilter.h && echo yes)
DLF_SRCS	:= plugins/perf/dlfilter.c plugins/perf/perf_data.c \
		   host/perf_host.c host/perf_view.c host/platform.c \
		   host/script.c host/tep_view.c
DLF_OBJS	:= $(DLF_SRCS:%.c=$(O)/%.o)
DLFILTER	:= $(O)/plugins/perf/ktap-dlfilter.so
DLF_MAP		:= plugins/perf/ktap-dlfilter.map
TEP_STATIC	:= $(shell pkg-config --variable=libdir libtraceevent)/libtraceevent.a
CFLAGS_dlfilter	:= $(TRACE_CFLAGS)
CFLAGS_perf_data := $(TRACE_CFLAGS)
CFLAGS_perf_view := $(TRACE_CFLAGS)

ifeq ($(DLF_FOUND),yes)
all: $(DLFILTER)
endif

dlfilter: $(DLFILTER)

$(DLFILTER): $(DLF_OBJS) $(LIB_OBJS) $(DLF_MAP)
	$(CC) -shared $(LDFLAGS) -Wl,--version-script=$(DLF_MAP) \
		-Wl,--exclude-libs,ALL -o $@ $(DLF_OBJS) $(LIB_OBJS) \
		$(TEP_STATIC) -ldl

-include $(DLF_OBJS:.o=.d)

# `make perf`: Debian's linux-source-6.1 (apt-get download, cached in
# build/perf/), unpacked, patched with plugins/perf/perf-6.1-ktap.patch,
# and built with the ktap engine into build/perf/perf (plus libperf in
# build/perf/libperf/).  Re-running after editing the engine or lib/ only
# rebuilds what changed (seconds).  The engine is linked with
# build/perf/ktap/lib/libktap-perf.a: the runtime, the compiler and the
# perf hosts' code, the latter compiled against perf's own copy of
# libtraceevent (tools/lib/traceevent in 6.1), which perf links in.
PERF_DIR	:= $(O)/perf
PERF_ABS	:= $(abspath $(PERF_DIR))
PERF_SRC	:= $(PERF_DIR)/src/linux-source-6.1
PERF_PATCH	:= plugins/perf/perf-6.1-ktap.patch
PERF_ENGINE	:= plugins/perf/trace-event-ktap.c
PERF_BUNDLE	:= $(PERF_DIR)/ktap
PERF_JOBS	?= $(shell nproc)
# what perf script needs, and no more: no Python/Perl engines, no BPF
PERF_FLAGS	:= NO_LIBPYTHON=1 NO_LIBPERL=1 NO_JEVENTS=1 NO_LIBBPF=1 \
		   NO_GTK2=1 NO_LIBBABELTRACE=1 NO_LIBDEBUGINFOD=1
PERF_HDRS	:= $(addprefix $(PERF_BUNDLE)/include/ktap/,ktap.h perf_host.h \
		   perf_view.h platform.h)
PERF_KTAP_OBJS	:= $(LIB_OBJS) $(O)/host/platform.o $(O)/host/script.o \
		   $(O)/host/perf_host.o $(PERF_BUNDLE)/obj/perf_view.o \
		   $(PERF_BUNDLE)/obj/tep_view.o

perf: $(LIB_OBJS)
	@scripts/perf-source.sh $(PERF_DIR) $(PERF_PATCH) $(PERF_ENGINE)
	@$(MAKE) --no-print-directory perf-bundle
	@# a new libktap-perf.a is not a prerequisite perf knows of: relink
	@if [ $(PERF_DIR)/obj/perf -ot $(PERF_BUNDLE)/lib/libktap-perf.a ]; then \
		rm -f $(PERF_DIR)/obj/perf; fi
	@mkdir -p $(PERF_DIR)/obj $(PERF_DIR)/libperf
	$(MAKE) -C $(PERF_SRC)/tools/perf O=$(PERF_ABS)/obj \
		LIBKTAP_DIR=$(abspath $(PERF_BUNDLE)) $(PERF_FLAGS) \
		-j$(PERF_JOBS) --no-print-directory
	$(MAKE) -C $(PERF_SRC)/tools/lib/perf O=$(PERF_ABS)/libperf \
		-j$(PERF_JOBS) --no-print-directory
	@ln -sf obj/perf $(PERF_DIR)/perf
	@echo "  PERF    $(PERF_DIR)/perf: $$($(PERF_DIR)/perf version)"

perf-bundle: $(PERF_BUNDLE)/lib/libktap-perf.a $(PERF_HDRS)

$(PERF_BUNDLE)/lib/libktap-perf.a: $(PERF_KTAP_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(PERF_BUNDLE)/obj/%.o: host/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(PERF_SRC)/tools/lib/traceevent -MMD -MP \
		-c $< -o $@

$(PERF_BUNDLE)/include/ktap/%.h: host/%.h
	@mkdir -p $(dir $@)
	cp $< $@

$(PERF_BUNDLE)/include/ktap/ktap.h: include/ktap/ktap.h
	@mkdir -p $(dir $@)
	cp $< $@

-include $(PERF_BUNDLE)/obj/*.d

# after editing the files the patch touches in build/perf/src/: remake it
perf-patch:
	scripts/perf-source.sh --make-patch $(PERF_DIR) $(PERF_PATCH)

# make test, with the perf of make perf built first: its engine's cases
# run too (Documentation/perf.md)
test-perf: all perf
	@scripts/run-tests.sh $(O)

.PHONY: dlfilter perf perf-bundle perf-patch test-perf

# ------------------------------------------------------------------ tests

test: all
	@scripts/run-tests.sh $(O)

check-freestanding:
	@scripts/check-freestanding.sh $(LIB_SRCS)

# ktapvm.ko inside Debian's 6.1 kernel under QEMU: downloads the kernel,
# installs its headers, builds the module, boots (root; tests/kernel/README.md)
ifeq ($(CROSS_ARCH),)
test-kernel: all
	@scripts/summary.sh tests/kernel/run.sh $(O)
else
# the arm64 or s390x kernel: bytecode compiled here, run there
test-kernel: all
	@scripts/summary.sh tests/cross/kernel.sh $(O) $(CROSS_ARCH)
endif

.PHONY: test-kernel

# ------------------------------------------------------------- benchmarks

bench: all
	@bench/run.sh $(O)/ktap
	@bench/trace/run.sh $(O)/ktap
	@bench/perf/run.sh $(O)
	@bench/live/run.sh $(O)
	@bench/kernel/run.sh $(O)

# ---------------------------------------------------------------- install

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCDIR)/ktap $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 755 $(O)/ktap $(DESTDIR)$(BINDIR)/ktap
	install -m 644 $(O)/libktap.a $(DESTDIR)$(LIBDIR)/libktap.a
	install -m 755 $(O)/libktap.so $(DESTDIR)$(LIBDIR)/libktap.so.0
	ln -sf libktap.so.0 $(DESTDIR)$(LIBDIR)/libktap.so
	install -m 644 include/ktap/ktap.h $(DESTDIR)$(INCDIR)/ktap/ktap.h
	install -d $(DESTDIR)$(TEP_PLUGIN_DIR)
	install -m 755 $(TEP_PLUGIN) $(DESTDIR)$(TEP_PLUGIN_DIR)/plugin_ktap.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCDIR@|$(INCDIR)|' scripts/ktap.pc.in \
	    > $(DESTDIR)$(LIBDIR)/pkgconfig/ktap.pc

# perf-ktap and the dlfilter, when they were built (make perf, make)
install: install-perf

install-perf: all
	@if [ -f $(DLFILTER) ]; then \
		echo install -D -m 755 $(DLFILTER) $(DESTDIR)$(LIBDIR)/ktap/ktap-dlfilter.so; \
		install -D -m 755 $(DLFILTER) $(DESTDIR)$(LIBDIR)/ktap/ktap-dlfilter.so; fi
	@if [ -x $(PERF_DIR)/obj/perf ]; then \
		echo install -D -m 755 $(PERF_DIR)/obj/perf $(DESTDIR)$(BINDIR)/perf-ktap; \
		install -D -m 755 $(PERF_DIR)/obj/perf $(DESTDIR)$(BINDIR)/perf-ktap; fi

clean:
	rm -rf $(O)

.PHONY: all test check-freestanding bench install install-perf clean
