# Fuzzing with libFuzzer: `make fuzz`, `make fuzz-smoke`, `make fuzz-clean`.
# Included by the Makefile. Everything is built with clang into build-fuzz/ (never
# the gcc objects of build/); tests/fuzz/README.md says what each target checks.

# Debian 12 packages for the fuzz build: clang 14, its libFuzzer and sanitizer
# runtimes (only "Recommended" by clang, so name them), llvm-symbolizer for
# readable stack traces, and the libraries the console links.
FUZZ_PKGS := clang libclang-rt-14-dev llvm make libc6-dev libssl-dev libsqlite3-dev \
	     libreadline-dev libxml2-dev libcurl4-openssl-dev libcrypt-dev

FUZZ_CC    ?= clang
FUZZ_DIR   := build-fuzz
FUZZ_TIME  ?= 60
FUZZ_SMOKE_TIME ?= 10
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1 \
	      -fno-omit-frame-pointer
FUZZ_CFLAGS := $(FUZZ_FLAGS) -std=gnu11 -Wall -Wextra -Wshadow -MMD -MP

FUZZ_TARGETS := $(sort $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS    := $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

fuzz_obj = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(1))

FUZZ_LIBCORE   := $(FUZZ_DIR)/lib/libcore.a
FUZZ_LIBDB     := $(FUZZ_DIR)/lib/libdb.a
FUZZ_LIBTLS    := $(FUZZ_DIR)/lib/libtls.a
FUZZ_LIBCLUSTER := $(FUZZ_DIR)/lib/libcluster.a
FUZZ_LIBXMLCONF := $(FUZZ_DIR)/lib/libconfxml.a
FUZZ_LIBOS     := $(FUZZ_DIR)/lib/libos.a
FUZZ_LIBDAEMON := $(FUZZ_DIR)/lib/libdaemon.a
FUZZ_LIBCLI    := $(FUZZ_DIR)/lib/libcli.a

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-deps fuzz-clean print-fuzz-pkgs

fuzz:
	$(Q)$(MAKE) --no-print-directory fuzz-deps
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)bash tests/fuzz/run-fuzzers.sh $(FUZZ_DIR) $(FUZZ_TIME) $(FUZZ_TARGETS)

fuzz-smoke:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_TIME=$(FUZZ_SMOKE_TIME)

fuzz-build: $(FUZZ_BINS)
	@:

fuzz-deps:
	$(Q)$(MAKE) --no-print-directory deps BUILD_PKGS="$(FUZZ_PKGS)"

print-fuzz-pkgs:
	@echo $(FUZZ_PKGS)

fuzz-clean:
	rm -rf $(FUZZ_DIR)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_EXTRA_CFLAGS) -c $< -o $@

# The fuzzers themselves are held to warnings-as-errors; the code under test is
# built with gcc -Werror by `make all` already.
$(FUZZ_DIR)/obj/tests/fuzz/%.o: FUZZ_EXTRA_CFLAGS := -Werror

$(FUZZ_LIBCORE): $(call fuzz_obj,$(CORE_SRC))
$(FUZZ_LIBDB): $(call fuzz_obj,$(DB_SRC))
$(FUZZ_LIBTLS): $(call fuzz_obj,$(TLS_SRC))
$(FUZZ_LIBCLUSTER): $(call fuzz_obj,$(CLUSTER_SRC))
$(FUZZ_LIBXMLCONF): $(call fuzz_obj,$(XMLCONF_SRC))
$(FUZZ_LIBOS): $(call fuzz_obj,$(OS_SRC))
$(FUZZ_LIBDAEMON): $(call fuzz_obj,$(DAEMON_SRC))
$(FUZZ_LIBCLI): $(call fuzz_obj,$(filter-out cli/main.c,$(CLI_SRC)))
$(FUZZ_DIR)/lib/%.a:
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# Core-only fuzzers link libcore; a fuzzer that needs more lists its archives
# and libraries below. The archives go in one group: they call one another.
$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIBCORE)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(filter %.o,$^) \
		-Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(FUZZ_LDLIBS)

$(FUZZ_DIR)/obj/confxml/config_xml_parse.o: FUZZ_EXTRA_CFLAGS := $(XML_CFLAGS)

# Keep the fuzzers' objects, which make would otherwise delete as intermediate.
.SECONDARY: $(call fuzz_obj,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_DIR)/fuzz_command_line: $(FUZZ_LIBCLI) $(FUZZ_LIBXMLCONF) $(FUZZ_LIBTLS) $(FUZZ_LIBCLUSTER) $(FUZZ_LIBOS) $(FUZZ_LIBDB)
$(FUZZ_DIR)/fuzz_command_line: FUZZ_LDLIBS := $(CLI_LIBS)

# Certificate profiles: tls/cert_profile.c and cert_*.c (from their archive) and OpenSSL.
$(FUZZ_DIR)/fuzz_pem_import: $(FUZZ_LIBTLS)
$(FUZZ_DIR)/fuzz_pem_import: FUZZ_LDLIBS := -lssl -lcrypto

# The HTTPS request path: daemon/http_route.c (from its archive) and libevent's URI parser.
$(FUZZ_DIR)/fuzz_http_route: $(FUZZ_LIBDAEMON)
$(FUZZ_DIR)/fuzz_http_route: FUZZ_LDLIBS := -levent

# Configuration files (loadconfig): confxml/config_xml*.c and config_secret.c, libxml2, OpenSSL.
$(FUZZ_DIR)/fuzz_loadconfig: $(FUZZ_LIBXMLCONF) $(FUZZ_LIBTLS)
$(FUZZ_DIR)/fuzz_loadconfig: FUZZ_LDLIBS := $(XML_LIBS) -lssl -lcrypto

# The cluster's document: cluster/levels.c (from its archive) and jansson.
$(FUZZ_DIR)/fuzz_cluster_doc: $(FUZZ_LIBCLUSTER)
$(FUZZ_DIR)/fuzz_cluster_doc: FUZZ_LDLIBS := -ljansson

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
