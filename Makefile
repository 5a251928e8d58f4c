# okd: build, install and test the fork-per-connection TCP daemon.
# make | make run | make check | make install | make uninstall | make dist |
# make deb | make clean | make deps
# CPPFLAGS, CFLAGS and LDFLAGS are the builder's (as dpkg-buildflags sets
# them); okd's own flags are added to them, never in their place.

VERSION		= 0.1.0

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
LOCALSTATEDIR	?= /var
RUNSTATEDIR	?= /run
UNITDIR		?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
DESTDIR		?=

CC		?= cc
CPPFLAGS	?=
CFLAGS		?= -O2 -g
LDFLAGS		?=

# Recursive on purpose: pkg-config may only exist once `make deps` has run.
PKG_CFLAGS	= $(shell pkg-config --cflags libbsd libsystemd libseccomp 2>/dev/null)
# Every library is linked as the shared object the distribution ships, so a
# fix in libseccomp or libbsd reaches okd without rebuilding it.
PKG_LIBS	= $(shell pkg-config --libs libbsd libseccomp libsystemd 2>/dev/null)

# _FORTIFY_SOURCE only when the builder's flags do not set it (dpkg-buildflags
# does); -U first, as some compilers define it on their own.
OKD_FORTIFY	= $(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),,\
		  -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
OKD_CPPFLAGS	= -D_GNU_SOURCE $(OKD_FORTIFY) -DLIBBSD_OPENBSD_VIS -Iinclude \
		  -DOKD_VERSION='"$(VERSION)"' \
		  -DOKD_CONF_PATH='"$(SYSCONFDIR)/okd/okd.conf"' \
		  -DOKD_PIDFILE='"$(RUNSTATEDIR)/okd.pid"'
# -fno-plt: library calls go through the GOT, whose page every fork copies,
# not through PLT code, which each child would fault in (tests/bench/README.md).
OKD_CFLAGS	= -std=c11 -Wall -Wextra -Werror -fstack-protector-strong -fPIE -fno-plt
OKD_LDFLAGS	= -pie -Wl,-z,relro,-z,now

# SANITIZE=1: ASan and UBSan, in a build directory of their own per compiler.
ifeq ($(SANITIZE),1)
B		= build/sanitize-$(notdir $(CC))
OKD_CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
		   -DOKD_SANITIZE
OKD_LDFLAGS	+= -fsanitize=address,undefined
endif

# Debian packages: DEB_BUILD builds and runs okd (`make run` installs only
# these), DEB_TEST adds what `make check` needs; `make deps` installs both.
DEB_BUILD	= make gcc pkg-config libbsd-dev libsystemd-dev libseccomp-dev
DEB_TEST	= clang libclang-rt-14-dev libcmocka-dev mandoc netcat-openbsd \
		  socat telnet python3 procps valgrind gdb haproxy systemd \
		  systemd-container debootstrap man-db dpkg-dev fakeroot lintian \
		  git

B		?= build
SRCS		= $(wildcard src/*.c)
# `make deb` writes DEB_FILE (Debian revision 1 of VERSION).
DEB_VERSION	= $(VERSION)-1
DEB_ARCH	= $(shell dpkg --print-architecture 2>/dev/null)
DEB_FILE	= $(B)/okd_$(DEB_VERSION)_$(DEB_ARCH).deb

OBJS		= $(SRCS:src/%.c=$(B)/%.o)

all: $(B)/okd

$(B)/okd: $(OBJS)
	$(CC) $(OKD_CFLAGS) $(CFLAGS) $(OKD_LDFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS)

$(B)/%.o: src/%.c $(wildcard include/*.h) Makefile | $(B)
	$(CC) $(OKD_CPPFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -c -o $@ $<

$(B) $(B)/tests:
	mkdir -p $@

# Unit tests: one cmocka binary per module, linking that module and what it
# needs; test_X_OBJS names the objects, test_X_WRAP the wrapped syscalls.
UNIT_TESTS	= parse reply config session supervisor intake child proxy children mem
test_children_OBJS	= children.o mem.o
test_mem_OBJS		= mem.o tests/okdtest.o
test_parse_OBJS		= parse.o
test_reply_OBJS		= reply.o
test_proxy_OBJS		= proxy.o
# Config objects: the parser, its keyword table, setting and printing values.
CONFIG_OBJS		= config.o conftab.o confset.o confprint.o
# test_config's config.o reads its own default file (OKD_CONF_PATH).
test_config_OBJS	= tests/config_dflt.o conftab.o confset.o confprint.o \
			  parse.o log.o acl.o cidr.o bucket.o
test_session_OBJS	= session.o reply.o log.o parse.o $(CONFIG_OBJS) acl.o \
			  cidr.o bucket.o
test_session_WRAP	= write send
SUPERVISOR_OBJS		= supervisor.o intake.o child.o admit.o clock.o status.o \
			  signals.o children.o listener.o $(CONFIG_OBJS) parse.o log.o \
			  notify.o session.o reply.o acl.o cidr.o bucket.o \
			  srctable.o sandbox.o privdrop.o peer.o pending.o \
			  proxy.o mem.o outcome.o
test_supervisor_OBJS	= $(SUPERVISOR_OBJS)
test_supervisor_WRAP	= fork
test_intake_OBJS	= $(SUPERVISOR_OBJS)
test_intake_WRAP	= fork accept4
test_child_OBJS		= child.o privdrop.o sandbox.o session.o reply.o log.o \
			  parse.o $(CONFIG_OBJS) acl.o cidr.o bucket.o outcome.o mem.o \
			  tests/okdtest.o

# Protection: access list, per-source limits, sandbox, privilege drop.
UNIT_TESTS	+= cidr acl bucket srctable sandbox privdrop admit pending
test_pending_OBJS	= pending.o proxy.o clock.o
test_admit_OBJS		= admit.o acl.o cidr.o bucket.o $(CONFIG_OBJS) parse.o log.o
test_cidr_OBJS		= cidr.o
test_acl_OBJS		= acl.o cidr.o parse.o
test_bucket_OBJS	= bucket.o
test_srctable_OBJS	= srctable.o bucket.o cidr.o mem.o
test_sandbox_OBJS	= sandbox.o session.o reply.o log.o parse.o $(CONFIG_OBJS) acl.o \
			  cidr.o bucket.o
test_privdrop_OBJS	= privdrop.o

# The supervisor's own modules, each on real sockets, pipes and signals.
UNIT_TESTS	+= clock outcome signals status peer notify listener log
test_clock_OBJS		= clock.o
test_outcome_OBJS	= outcome.o mem.o
test_signals_OBJS	= signals.o session.o reply.o log.o parse.o $(CONFIG_OBJS) acl.o \
			  cidr.o bucket.o
test_status_OBJS	= status.o admit.o acl.o cidr.o bucket.o $(CONFIG_OBJS) parse.o \
			  log.o clock.o notify.o
test_status_WRAP	= setproctitle notify_status notify_watchdog
test_peer_OBJS		= peer.o cidr.o parse.o
test_notify_OBJS	= notify.o
test_log_OBJS		= log.o tests/okdtest.o
# main.c as okd_main(), with every other module of the daemon.
UNIT_TESTS	+= main
test_main_OBJS		= tests/main_okd.o \
			  $(filter-out main.o,$(SRCS:src/%.c=%.o))
test_listener_OBJS	= listener.o parse.o log.o $(CONFIG_OBJS) acl.o cidr.o bucket.o

# Integration tests drive the real build/okd over loopback.
INTEG_TESTS	= okd clients protect proxy activation systemd docs limits logsink privsep \
		  config

TEST_BINS	= $(UNIT_TESTS:%=$(B)/tests/test_%) $(INTEG_TESTS:%=$(B)/tests/integ_%)
TESTLIB		= $(B)/tests/okdtest.o

HDRS		= $(wildcard include/*.h tests/lib/*.h)
$(B)/tests/%.o: tests/unit/%.c $(HDRS) | $(B)/tests
	$(CC) $(OKD_CPPFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -Itests/lib -c -o $@ $<
$(B)/tests/%.o: tests/integ/%.c $(HDRS) | $(B)/tests
	$(CC) $(OKD_CPPFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -Itests/lib -c -o $@ $<
$(B)/tests/%.o: tests/lib/%.c $(HDRS) | $(B)/tests
	$(CC) $(OKD_CPPFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -Itests/lib -c -o $@ $<

define unit_test
$(B)/tests/test_$(1): $(B)/tests/test_$(1).o $$(addprefix $(B)/,$$(test_$(1)_OBJS))
	$$(CC) $$(OKD_CFLAGS) $$(CFLAGS) $$(OKD_LDFLAGS) $$(LDFLAGS) -o $$@ $$^ \
	    $$(foreach w,$$(test_$(1)_WRAP),-Wl,--wrap=$$(w)) $$(PKG_LIBS) -lcmocka -lpthread
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test,$(t))))

$(B)/tests/main_okd.o: $(B)/main.o | $(B)/tests
	objcopy --redefine-sym main=okd_main $< $@

$(B)/tests/integ_%: $(B)/tests/integ_%.o $(TESTLIB)
	$(CC) $(OKD_CFLAGS) $(CFLAGS) $(OKD_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka -lutil -lpthread

# integ_docs reads the keyword table itself (config_keywords()).
integ_docs_OBJS	= $(CONFIG_OBJS) parse.o log.o acl.o cidr.o bucket.o
$(B)/tests/integ_docs: $(addprefix $(B)/,$(integ_docs_OBJS))

# config.c again, with a default file of the test's own that test_config
# creates and removes; test_config.o is told the same path.
TEST_CONF_PATH	= -UOKD_CONF_PATH \
		  -DOKD_CONF_PATH='"$(abspath $(B))/tests/okd-default.conf"'
$(B)/tests/test_config.o $(B)/tests/config_dflt.o: \
    OKD_CPPFLAGS += $(TEST_CONF_PATH)
$(B)/tests/config_dflt.o: src/config.c $(wildcard include/*.h) Makefile | $(B)/tests
	$(CC) $(OKD_CPPFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -c -o $@ $<

# The systemd test drives tests/systemd/*.sh; it needs none of okdtest.
$(B)/tests/integ_systemd: $(B)/tests/integ_systemd.o
	$(CC) $(OKD_CFLAGS) $(CFLAGS) $(OKD_LDFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka

deps:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST)

deps-build:
	@sh tests/deps.sh $(DEB_BUILD)

run: deps-build $(B)/okd
	$(B)/okd -D -f conf/okd.conf -o 'log-target stderr'

# ASan and UBSan end a test binary on any report; okd's own reports are
# caught in its log by the test library.  LeakSanitizer stays off: its check
# at exit traces the process, which okd's own seccomp filter forbids (and
# must); make memcheck checks okd for leaks instead.
# The package integ_systemd installs is built too, except under sanitizers.
check: deps manlint systemd-root $(B)/okd $(TEST_BINS) \
    $(if $(filter 1,$(SANITIZE)),,$(DEB_FILE))
	@OKD_BIN=$(B)/okd OKD_DEB=$(DEB_FILE) ASAN_OPTIONS=abort_on_error=1:detect_leaks=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh tests/run.sh $(TEST_BINS)

# The man pages must lint clean: mandoc prints nothing at warning level.
manlint: deps
	@out=$$(mandoc -Tlint -Wwarning man/okd.8 man/okd.conf.5 2>&1); \
	    [ -z "$$out" ] || { echo "$$out"; exit 1; }

# yes: `make lint` also fails on a source file without its SPDX licence line
# (tests/lint.sh); to be turned on once every file carries one.
LINT_SPDX	?= yes
export LINT_SPDX

# The Debian tree integ_systemd boots: built once (1-5 min, needs the network
# and root) outside run.sh's time limit, then cached in /var/cache/okd-test.
systemd-root:
	@[ "$$(id -u)" -ne 0 ] || sh tests/systemd/mkroot.sh >/dev/null || \
	    echo "okd: no container tree; integ_systemd will retry" >&2

UNITS		= okd.service okd.socket okd-accept.socket okd-accept@.service

install: $(B)/okd
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/okd \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(B)/okd $(DESTDIR)$(SBINDIR)/okd
	[ -e $(DESTDIR)$(SYSCONFDIR)/okd/okd.conf ] || \
	    install -m 644 conf/okd.conf $(DESTDIR)$(SYSCONFDIR)/okd/okd.conf
	install -m 644 man/okd.8 $(DESTDIR)$(MANDIR)/man8/okd.8
	install -m 644 man/okd.conf.5 $(DESTDIR)$(MANDIR)/man5/okd.conf.5
	install -d -m 755 $(DESTDIR)$(LOCALSTATEDIR)/lib/okd/empty
	install -d $(DESTDIR)$(UNITDIR)
	for u in $(UNITS); do \
	    sed 's|/usr/local/sbin/okd|$(SBINDIR)/okd|' systemd/$$u \
	        >$(DESTDIR)$(UNITDIR)/$$u && chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done

# Removes what install put; the configuration only while it is the shipped
# one, so an edited file is never lost.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/okd $(DESTDIR)$(MANDIR)/man8/okd.8 \
	    $(DESTDIR)$(MANDIR)/man5/okd.conf.5 $(UNITS:%=$(DESTDIR)$(UNITDIR)/%)
	if cmp -s conf/okd.conf $(DESTDIR)$(SYSCONFDIR)/okd/okd.conf; then \
	    rm -f $(DESTDIR)$(SYSCONFDIR)/okd/okd.conf; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/okd/okd.conf ]; then \
	    echo "okd: kept $(DESTDIR)$(SYSCONFDIR)/okd/okd.conf (changed)" >&2; fi
	-rmdir $(DESTDIR)$(SYSCONFDIR)/okd $(DESTDIR)$(LOCALSTATEDIR)/lib/okd/empty \
	    $(DESTDIR)$(LOCALSTATEDIR)/lib/okd 2>/dev/null

# The source release: the committed tree, which passes `make check` unpacked.
DIST		= okd-$(VERSION)
dist: | $(B)
	git archive --format=tar.gz --prefix=$(DIST)/ -o $(B)/$(DIST).tar.gz HEAD
	@echo $(B)/$(DIST).tar.gz

# The Debian package, built from `make install` into a staging tree with the
# flags dpkg-buildflags gives, in a build directory of its own.
deb: $(DEB_FILE)
$(DEB_FILE): $(SRCS) $(wildcard include/*.h) Makefile conf/okd.conf \
    $(wildcard man/* systemd/* conf/debian/*) | $(B)
	rm -rf $(B)/deb
	eval "$$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)" && \
	    $(MAKE) --no-print-directory B=$(B)/deb/obj PREFIX=/usr SYSCONFDIR=/etc \
	    LOCALSTATEDIR=/var UNITDIR=/lib/systemd/system DESTDIR=$(CURDIR)/$(B)/deb/root \
	    install
	sh conf/debian/mkdeb.sh $(B)/deb $(DEB_VERSION) $@
	@! command -v lintian >/dev/null || lintian --fail-on error $@

clean:
	rm -rf $(B)

# The supervisor and its children under valgrind memcheck, a whole life.
memcheck: deps $(B)/okd $(B)/tests/integ_memcheck
	@sh tests/deps.sh valgrind
	@sh tests/run.sh $(B)/tests/integ_memcheck

$(B)/tests/integ_memcheck.o: tests/integ/memcheck.c $(HDRS) | $(B)/tests
	$(CC) $(OKD_CPPFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -Itests/lib -c -o $@ $<

.PHONY: all deps deps-build run check manlint install uninstall dist deb clean \
	systemd-root memcheck

# The benchmark lives with its own rules.
-include tests/bench/bench.mk
-include tests/bench/work.mk
-include tests/bench/scale.mk

# Fuzzing and static analysis (make fuzz, make lint) live with their own rules.
-include tests/fuzz/fuzz.mk

# The bounded chaos soak (make soak).
-include tests/soak/soak.mk
