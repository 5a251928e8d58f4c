# Fuzzing (libFuzzer) and static analysis (cppcheck, clang-tidy).
# make fuzz [FUZZ_TIME=60] | make fuzz-smoke | make lint
# Included from the Makefile; uses its variables (B, OKD_*, PKG_*).

DEB_FUZZ	= clang libclang-rt-14-dev
DEB_LINT	= cppcheck clang-tidy

FUZZ_CC		= clang
FUZZ_TIME	?= 60
FUZZ_SMOKE_TIME	?= 5
FUZZ_FLAGS	= -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
		  -fno-sanitize-recover=all
FUZZ_NAMES	= config escapes addr proxy
FZ		= $(B)/fuzz

# The modules each harness links, besides its own file.
fuzz_config_OBJS	= $(CONFIG_OBJS) parse.o log.o acl.o cidr.o bucket.o
fuzz_escapes_OBJS	= parse.o
fuzz_addr_OBJS		= parse.o cidr.o
fuzz_proxy_OBJS		= proxy.o

# Longest input tried: a whole file for config, one line for the rest.
fuzz_config_MAXLEN	= 8192
fuzz_escapes_MAXLEN	= 1024
fuzz_addr_MAXLEN	= 256
fuzz_proxy_MAXLEN	= 1024

# Modules rebuilt with -fsanitize=fuzzer-no-link so libFuzzer sees their edges.
$(FZ)/obj/%.o: src/%.c $(wildcard include/*.h) | $(FZ)/obj
	$(FUZZ_CC) $(OKD_CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(FUZZ_FLAGS) \
	    -fsanitize=fuzzer-no-link -c -o $@ $<

$(FZ)/obj $(FZ)/corpus:
	mkdir -p $@

define fuzz_harness
$(FZ)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(addprefix $(FZ)/obj/,$$(fuzz_$(1)_OBJS)) \
    $(wildcard include/*.h)
	$$(FUZZ_CC) $$(OKD_CPPFLAGS) $$(PKG_CFLAGS) $$(OKD_CFLAGS) $$(FUZZ_FLAGS) \
	    -fsanitize=fuzzer -o $$@ $$< $$(addprefix $(FZ)/obj/,$$(fuzz_$(1)_OBJS)) \
	    $$(PKG_LIBS)
endef
$(foreach f,$(FUZZ_NAMES),$(eval $(call fuzz_harness,$(f))))

FUZZ_BINS	= $(FUZZ_NAMES:%=$(FZ)/fuzz_%)

fuzz-deps:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_FUZZ)

fuzz-build: fuzz-deps $(FUZZ_BINS)

# Each harness runs FUZZ_TIME seconds over a copy of its seeds in build/, so
# what it learns stays out of the tree; crashes land in build/fuzz/ too.
fuzz: fuzz-build | $(FZ)/corpus
	@FUZZ_TIME=$(FUZZ_TIME) sh tests/fuzz/run.sh $(FZ) $(FUZZ_NAMES)

# The same for a few seconds each: every seed replayed, then a short search.
# With a fixed seed, so CI does not turn red on a new find by chance.
fuzz-smoke: fuzz-build | $(FZ)/corpus
	@FUZZ_TIME=$(FUZZ_SMOKE_TIME) FUZZ_SEED=1 sh tests/fuzz/run.sh $(FZ) \
	    $(FUZZ_NAMES)

# Static analysis: any finding fails.  Both tools see the build's flags.
LINT_CPPFLAGS	= -std=c11 $(OKD_CPPFLAGS) $(PKG_CFLAGS)

lint-deps:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_LINT)

lint: lint-deps
	@mkdir -p $(B)/lint
	@printf '%s\n' $(LINT_CPPFLAGS) | sed 's/[\\"]/\\&/g' >$(B)/lint/flags
	@sh tests/lint.sh $(B)/lint $(SRCS)

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-deps lint lint-deps
