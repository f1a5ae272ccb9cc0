# tlsgate — build, test and run. `make help` lists the targets.
# One place for flags; automatic header dependencies; `make V=1` shows commands.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -fstack-protector-strong -D_FORTIFY_SOURCE=2 -MMD -MP
LDFLAGS  ?=
EVENT_LIBS := -levent_openssl -levent_pthreads -levent
# libxml2 is the console's only (confxml/config_xml_parse.c: saveconfig/loadconfig files).
XML_CFLAGS := -I/usr/include/libxml2
XML_LIBS := -lxml2
# libcrypt (libxcrypt): yescrypt password hashes (db/db_password.c).
# jansson: the cluster store's etcd client (cluster/etcd.c). libcurl is loaded
# at its first use (os/curl_lazy.c), not linked: it would cost every start.
CLUSTER_LIBS := -ljansson
CLI_LIBS := $(CLUSTER_LIBS) -lreadline -lsqlite3 -lssl -lcrypto -lcrypt -lresolv -lpthread $(XML_LIBS)
DAEMON_LIBS := $(CLUSTER_LIBS) $(EVENT_LIBS) -lsqlite3 -lssl -lcrypto -lcrypt -lresolv -lpthread

# SAN=1: AddressSanitizer + UndefinedBehaviorSanitizer build in build-san/.
ifeq ($(SAN),1)
BUILD    := build-san
CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -std=gnu11 $(WARN) -MMD -MP
LDFLAGS  += -fsanitize=address,undefined
endif

# TSAN=1: ThreadSanitizer build in build-tsan/ (the HTTPS workers' threads).
ifeq ($(TSAN),1)
BUILD    := build-tsan
CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=thread -std=gnu11 $(WARN) -MMD -MP
LDFLAGS  += -fsanitize=thread
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

CORE_SRC   := $(wildcard core/*.c)
DB_SRC     := $(wildcard db/*.c)
TLS_SRC    := $(wildcard tls/*.c)
CLUSTER_SRC := $(wildcard cluster/*.c)
OS_SRC     := $(wildcard os/*.c)
XMLCONF_SRC := $(wildcard confxml/*.c)
DAEMON_SRC := $(filter-out daemon/tlsgated.c,$(wildcard daemon/*.c))
CLI_SRC    := $(wildcard cli/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
HELPER_SRC := $(wildcard tests/tools/*.c)
BENCH_SRC  := $(wildcard bench/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBCORE   := $(BUILD)/lib/libcore.a
LIBDB     := $(BUILD)/lib/libdb.a
LIBTLS    := $(BUILD)/lib/libtls.a
LIBCLUSTER := $(BUILD)/lib/libcluster.a
LIBOS     := $(BUILD)/lib/libos.a
LIBXMLCONF := $(BUILD)/lib/libconfxml.a
LIBDAEMON := $(BUILD)/lib/libdaemon.a
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
HELPER_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(HELPER_SRC))
# One program per bench/*.c, but bench/load_*.c: parts of bench/load.
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(filter-out bench/load_%.c,$(BENCH_SRC)))

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BUILD_PKGS := gcc make libc6-dev pkg-config openssl libssl-dev libsqlite3-dev libreadline-dev \
	      libevent-dev libxml2-dev libcrypt-dev \
	      libcurl4-openssl-dev libjansson-dev
TEST_PKGS  := $(BUILD_PKGS) sqlite3 tmux expect swaks curl clang-format python3 procps iproute2 \
	      openssh-server openssh-client python3-pexpect python3-aiosmtpd valgrind util-linux \
	      chromium chromium-driver python3-selenium \
	      etcd-server etcd-client jq gdb nsd unbound ldnsutils bind9-dnsutils
# What `make bench` compares against (never started as system services by it).
# The Debian package and its checks (tests/package, .ci/run).
PKG_PKGS   := debhelper dpkg-dev fakeroot lintian mandoc systemd logrotate adduser
TEST_PKGS  += $(PKG_PKGS)
BENCH_PKGS := $(TEST_PKGS) nginx-light postfix util-linux gdb strace

.PHONY: all clean check check-san check-tsan deps deps-test print-test-pkgs format format-check help install run unit \
	bench bench-deps soak deb man-lint

all: $(BUILD)/tlsgate $(BUILD)/tlsgated

help:
	@echo "make            build $(BUILD)/tlsgate (the console) and $(BUILD)/tlsgated (the engines)"
	@echo "make run        install missing packages, build, start the engines on ./run-home, open the console"
	@echo "make check      install missing test packages, build, run every test"
	@echo "make check-san  the same tests against an ASan+UBSan build"
	@echo "make check-tsan the threaded tests against a ThreadSanitizer build"
	@echo "make bench      tlsgated vs nginx and Postfix, side by side (BENCH_QUICK=1: short run)"
	@echo "make soak       the long fault tests (kills, commits under load, hostile clients)"
	@echo "make deb        the Debian package (dpkg-buildpackage), into $(BUILD)/deb/"
	@echo "make man-lint   check the man pages with mandoc -T lint"
	@echo "make install    install into \$$(DESTDIR)\$$(PREFIX) (default $(PREFIX))"
	@echo "make deps       install the Debian packages the build needs"
	@echo "make format     reformat the sources with clang-format"

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/confxml/config_xml_parse.o: CFLAGS += $(XML_CFLAGS)

$(LIBCORE): $(call obj,$(CORE_SRC))
$(LIBDB): $(call obj,$(DB_SRC))
$(LIBTLS): $(call obj,$(TLS_SRC))
$(LIBCLUSTER): $(call obj,$(CLUSTER_SRC))
$(LIBOS): $(call obj,$(OS_SRC))
$(LIBXMLCONF): $(call obj,$(XMLCONF_SRC))
$(LIBDAEMON): $(call obj,$(DAEMON_SRC))
$(BUILD)/lib/%.a:
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# The console links the TLS library, never the daemon's (no libevent).
$(BUILD)/tlsgate: $(call obj,$(CLI_SRC)) $(LIBXMLCONF) $(LIBTLS) $(LIBCLUSTER) $(LIBOS) $(LIBDB) $(LIBCORE)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CLI_LIBS)

$(BUILD)/tlsgated: $(call obj,daemon/tlsgated.c) $(LIBDAEMON) $(LIBTLS) $(LIBCLUSTER) $(LIBOS) $(LIBDB) $(LIBCORE)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

# test_menus walks the console's tables: every console object but main.c.
$(BUILD)/tests/test_menus: $(BUILD)/obj/tests/unit/test_menus.o \
		$(call obj,$(filter-out cli/main.c,$(CLI_SRC))) $(LIBXMLCONF) $(LIBTLS) $(LIBCLUSTER) $(LIBOS) $(LIBDB) $(LIBCORE)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CLI_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBDAEMON) $(LIBTLS) $(LIBCLUSTER) $(LIBOS) $(LIBDB) $(LIBCORE)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/tools/%.o $(LIBDAEMON) $(LIBTLS) $(LIBCLUSTER) $(LIBOS) $(LIBDB) $(LIBCORE)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

$(BUILD)/bench/load: $(call obj,$(filter bench/load_%.c,$(BENCH_SRC)))
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lssl -lcrypto -lpthread

unit: $(UNIT_BINS) $(HELPER_BINS) $(BENCH_BINS)

deps:
	$(Q)missing=""; for p in $(BUILD_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; if [ -n "$$missing" ]; then echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; fi

print-test-pkgs:
	@echo $(TEST_PKGS)

deps-test:
	$(Q)$(MAKE) --no-print-directory deps BUILD_PKGS="$(TEST_PKGS)"

check: deps-test
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)BUILD=$(BUILD) bash tests/run.sh

# postfix is installed with "No configuration": bench/run.sh runs a private
# instance and never touches /etc/postfix.
bench-deps:
	$(Q)echo "postfix postfix/main_mailer_type select No configuration" | $(SUDO) debconf-set-selections
	$(Q)$(MAKE) --no-print-directory deps BUILD_PKGS="$(BENCH_PKGS)"

bench: bench-deps
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)BUILD=$(BUILD) timeout --kill-after=30 $(if $(BENCH_QUICK),420,900) bash bench/run.sh

soak: deps-test
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)BUILD=$(BUILD) SOAK=1 TESTS=fault TEST_TIMEOUT=1800 bash tests/run.sh

check-san: deps-test
	$(Q)$(MAKE) --no-print-directory SAN=1 all unit
	$(Q)BUILD=build-san bash tests/run.sh

# The tests that run tlsgated's threads hardest, against a ThreadSanitizer
# build: any data race it reports fails them (tests/e2e/test_workers.sh).
check-tsan: deps-test
	$(Q)$(MAKE) --no-print-directory TSAN=1 all unit
	@# Without address randomization where it can be turned off: this TSan
	@# cannot map its shadow memory under a kernel with vm.mmap_rnd_bits 32.
	$(Q)norand=$$(setarch "$$(uname -m)" -R true 2>/dev/null && echo setarch "$$(uname -m)" -R); \
		BUILD=build-tsan TESTS="tsan" $$norand bash tests/run.sh

format:
	clang-format -i $(CORE_SRC) $(DB_SRC) $(TLS_SRC) $(CLUSTER_SRC) $(OS_SRC) $(XMLCONF_SRC) $(wildcard daemon/*.c) $(CLI_SRC) $(UNIT_SRC) \
	  $(HELPER_SRC) $(BENCH_SRC) $(wildcard */*.h)

format-check:
	$(Q)clang-format --dry-run --Werror $(CORE_SRC) $(DB_SRC) $(TLS_SRC) $(CLUSTER_SRC) $(OS_SRC) $(XMLCONF_SRC) $(wildcard daemon/*.c) \
	  $(CLI_SRC) $(UNIT_SRC) $(HELPER_SRC) $(BENCH_SRC) $(wildcard */*.h)

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) bash tests/tools/run-local.sh

# Where `make install` puts things (the Debian package: PREFIX=/usr).
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/tlsgate
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SYSTEMD_UNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),\
	$(PREFIX)/lib/systemd/system)
INSTALL_LICENSE ?= yes

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(SYSTEMD_UNITDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/default $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	install -m 0755 $(BUILD)/tlsgate $(DESTDIR)$(BINDIR)/
	install -m 0755 $(BUILD)/tlsgated $(DESTDIR)$(SBINDIR)/
	install -m 0644 man/tlsgate.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/tlsgated.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	$(if $(filter yes,$(INSTALL_LICENSE)),install -m 0644 COPYING $(DESTDIR)$(DOCDIR)/)
	install -m 0644 docs/sshd_config.example $(DESTDIR)$(DOCDIR)/examples/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	  systemd/tlsgated.service.in >$(DESTDIR)$(SYSTEMD_UNITDIR)/tlsgated.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNITDIR)/tlsgated.service
	install -m 0644 systemd/tlsgated.default $(DESTDIR)$(SYSCONFDIR)/default/tlsgated
	install -m 0644 systemd/tlsgated.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/tlsgate

# The Debian package (debian/): dpkg-buildpackage writes tlsgate_*.deb into
# the parent folder; `make deb` then moves it (and its .buildinfo/.changes)
# into $(BUILD)/deb/.
deb:
	dpkg-buildpackage -us -uc -b
	mkdir -p $(BUILD)/deb
	mv ../tlsgate_*.deb ../tlsgate-dbgsym_*.deb ../tlsgate_*.buildinfo ../tlsgate_*.changes \
	  $(BUILD)/deb/ 2>/dev/null || true
	@ls $(BUILD)/deb/tlsgate_*.deb

# The man pages, as Debian's mandoc checks them.
man-lint:
	mandoc -T lint man/tlsgate.1 man/tlsgated.8

clean:
	rm -rf build build-san build-deb

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Fuzzing (libFuzzer): targets and rules live with the fuzzers.
-include tests/fuzz/fuzz.mk
