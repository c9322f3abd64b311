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
		   lib/str.c lib/tab.c lib/verify.c lib/vm.c
# The compiler (userspace).
LANG_SRCS	:= lang/code.c lang/dump.c lang/lex.c lang/parse.c
CMD_SRCS	:= cmd/ktap.c cmd/kernel.c cmd/marker.c cmd/tracedat.c \
		   host/platform.c \
		   host/script.c \
		   host/tep_view.c

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
CFLAGS_tep_view	:= $(TRACE_CFLAGS)
CFLAGS_plugin_ktap := $(TRACE_CFLAGS) $(shell pkg-config --cflags libtracefs)

$(O)/libktap.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(O)/libktap.so: $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,libktap.so.0 $(LDFLAGS) -o $@ $^

$(O)/ktap: $(CMD_OBJS) $(O)/libktap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(TRACE_LIBS) -lpthread

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

# ------------------------------------------------------- the kernel module

# ktapvm.ko from kmod/ and the same lib/ sources (Documentation/kernel-module.md):
#	make kmod [KDIR=/lib/modules/<release>/build]	-> kmod/ktapvm.ko
KDIR		?= /lib/modules/$(shell uname -r)/build

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

kmod-clean:
	$(MAKE) -C kmod KDIR=$(KDIR) clean

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

# ------------------------------------------------------------------ tests

test: all
	@scripts/run-tests.sh $(O)

check-freestanding:
	@scripts/check-freestanding.sh $(LIB_SRCS)

# ------------------------------------------------------------- benchmarks

bench: all
	@bench/run.sh $(O)/ktap
	@bench/trace/run.sh $(O)/ktap

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

clean:
	rm -rf $(O)

.PHONY: all test check-freestanding bench install clean
