# Compiler flags per build mode. One build folder per mode, so objects never mix.
MODE    ?= debug
BUILD   := build/$(MODE)
BIN     := $(if $(filter debug,$(MODE)),bin,$(BUILD)/bin)
LIBCKUBE := $(BUILD)/common/libckube.a
PKGS    := libcjson libmicrohttpd libcurl yaml-0.1 sqlite3 nanomsg gnutls
# libcrypto: ServiceAccount JWTs (RS256) in the apiserver (libcurl links it already).
PKGS    += libcrypto
CC      ?= cc
WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual -Wwrite-strings \
           -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Wundef \
           -Wimplicit-fallthrough
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# ldns: only ckube-dns (and its tests) link it; Debian's libldns-dev may lack ldns.pc.
LDNS_CFLAGS := $(shell pkg-config --cflags ldns 2>/dev/null)
LDNS_LIBS   := $(shell pkg-config --libs ldns 2>/dev/null || echo -lldns)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)
CPPFLAGS += -Icommon/include -D_GNU_SOURCE $(PKG_CFLAGS)
CFLAGS_debug   := -O0 -g3
CFLAGS_release := -O2 -g -DNDEBUG
CFLAGS_asan    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
CFLAGS_tsan    := -O1 -g -fsanitize=thread
CFLAGS_fuzz    := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -Wno-format-nonliteral
LDFLAGS_asan   := -fsanitize=address,undefined
LDFLAGS_tsan   := -fsanitize=thread
LDFLAGS_fuzz   := -fsanitize=address,undefined
# Release daemons allocate with jemalloc: +6-8% throughput across the cluster (cJSON and
# libcurl allocate per request; docs/performance.md). Other modes keep glibc's malloc,
# which the sanitizers and valgrind replace.
LDLIBS_release := -ljemalloc
CFLAGS  += -std=c11 $(WARN) $(CFLAGS_$(MODE))
LDFLAGS += $(LDFLAGS_$(MODE))
LDLIBS  += $(PKG_LIBS) $(LDLIBS_$(MODE)) -lpthread -lm
ifeq ($(V),1)
Q :=
else
Q := @
endif
