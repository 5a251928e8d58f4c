# okd: build, install and test the fork-per-connection TCP daemon.
# make | make run | make check | make install | make clean | make deps

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
CFLAGS		?= -O2 -g
LDFLAGS		?=

# Recursive on purpose: pkg-config may only exist once `make deps` has run.
PKG_CFLAGS	= $(shell pkg-config --cflags libbsd libsystemd libseccomp 2>/dev/null)
# libbsd and libseccomp are linked statically (Debian ships the archives):
# every shared library is mappings that each fork must copy.  libsystemd
# has no static archive.
PKG_LIBS	= -Wl,-Bstatic \
		  $(shell pkg-config --static --libs libbsd libseccomp 2>/dev/null) \
		  -Wl,-Bdynamic $(shell pkg-config --libs libsystemd 2>/dev/null)

OKD_CPPFLAGS	= -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -DLIBBSD_OPENBSD_VIS -Iinclude \
		  -DOKD_VERSION='"$(VERSION)"' \
		  -DOKD_CONF_PATH='"$(SYSCONFDIR)/okd/okd.conf"' \
		  -DOKD_PIDFILE='"$(RUNSTATEDIR)/okd.pid"' \
		  -DOKD_CHROOT='"$(LOCALSTATEDIR)/lib/okd/empty"'
# -fno-plt: library calls go through the GOT, whose page every fork copies,
# not through PLT code, which each child would fault in (README, Performance).
OKD_CFLAGS	= -std=c11 -Wall -Wextra -Werror -fstack-protector-strong -fPIE -fno-plt
OKD_LDFLAGS	= -pie -Wl,-z,relro,-z,now

# SANITIZE=1: ASan and UBSan, in a build directory of their own per compiler.
ifeq ($(SANITIZE),1)
B		= build/sanitize-$(notdir $(CC))
OKD_CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
		   -DOKD_SANITIZE
OKD_LDFLAGS	+= -fsanitize=address,undefined
endif

# Build-time and test-time Debian packages; `make deps` installs what is missing.
DEB_BUILD	= make gcc clang pkg-config libbsd-dev libsystemd-dev libseccomp-dev \
		  valgrind
DEB_TEST	= libcmocka-dev mandoc netcat-openbsd socat telnet python3 procps \
		  haproxy systemd systemd-container debootstrap man-db gdb

B		?= build
SRCS		= $(wildcard src/*.c)
OBJS		= $(SRCS:src/%.c=$(B)/%.o)

all: $(B)/okd

$(B)/okd: $(OBJS)
	$(CC) $(OKD_CFLAGS) $(CFLAGS) $(OKD_LDFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS)

$(B)/%.o: src/%.c $(wildcard include/*.h) Makefile | $(B)
	$(CC) $(OKD_CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -c -o $@ $<

$(B) $(B)/tests:
	mkdir -p $@

# Unit tests: one cmocka binary per module, linking that module and what it
# needs; test_X_OBJS names the objects, test_X_WRAP the wrapped syscalls.
UNIT_TESTS	= parse reply config session supervisor intake child proxy children
test_children_OBJS	= children.o mem.o
test_mem_OBJS		= mem.o tests/okdtest.o
test_parse_OBJS		= parse.o
test_reply_OBJS		= reply.o
test_proxy_OBJS		= proxy.o
test_config_OBJS	= config.o parse.o log.o acl.o cidr.o bucket.o
test_session_OBJS	= session.o reply.o log.o parse.o config.o acl.o \
			  cidr.o bucket.o
test_session_WRAP	= write send
SUPERVISOR_OBJS		= supervisor.o intake.o child.o admit.o clock.o status.o \
			  signals.o children.o listener.o config.o parse.o log.o \
			  notify.o session.o reply.o acl.o cidr.o bucket.o \
			  srctable.o sandbox.o privdrop.o peer.o pending.o \
			  proxy.o mem.o outcome.o
test_supervisor_OBJS	= $(SUPERVISOR_OBJS)
test_supervisor_WRAP	= fork
test_intake_OBJS	= $(SUPERVISOR_OBJS)
test_intake_WRAP	= fork accept4
test_child_OBJS		= child.o privdrop.o sandbox.o session.o reply.o log.o \
			  parse.o config.o acl.o cidr.o bucket.o outcome.o mem.o

# Protection: access list, per-source limits, sandbox, privilege drop.
UNIT_TESTS	+= cidr acl bucket srctable sandbox privdrop admit pending
test_pending_OBJS	= pending.o proxy.o clock.o
test_admit_OBJS		= admit.o acl.o cidr.o bucket.o config.o parse.o log.o
test_cidr_OBJS		= cidr.o
test_acl_OBJS		= acl.o cidr.o
test_bucket_OBJS	= bucket.o
test_srctable_OBJS	= srctable.o bucket.o cidr.o mem.o
test_sandbox_OBJS	= sandbox.o session.o reply.o log.o parse.o config.o acl.o \
			  cidr.o bucket.o
test_privdrop_OBJS	= privdrop.o

# Integration tests drive the real build/okd over loopback.
INTEG_TESTS	= okd clients protect proxy activation systemd docs limits logsink privsep

TEST_BINS	= $(UNIT_TESTS:%=$(B)/tests/test_%) $(INTEG_TESTS:%=$(B)/tests/integ_%)
TESTLIB		= $(B)/tests/okdtest.o

HDRS		= $(wildcard include/*.h tests/lib/*.h)
$(B)/tests/%.o: tests/unit/%.c $(HDRS) | $(B)/tests
	$(CC) $(OKD_CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -Itests/lib -c -o $@ $<
$(B)/tests/%.o: tests/integ/%.c $(HDRS) | $(B)/tests
	$(CC) $(OKD_CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -Itests/lib -c -o $@ $<
$(B)/tests/%.o: tests/lib/%.c $(HDRS) | $(B)/tests
	$(CC) $(OKD_CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -Itests/lib -c -o $@ $<

define unit_test
$(B)/tests/test_$(1): $(B)/tests/test_$(1).o $$(addprefix $(B)/,$$(test_$(1)_OBJS))
	$$(CC) $$(OKD_CFLAGS) $$(CFLAGS) $$(OKD_LDFLAGS) $$(LDFLAGS) -o $$@ $$^ \
	    $$(foreach w,$$(test_$(1)_WRAP),-Wl,--wrap=$$(w)) $$(PKG_LIBS) -lcmocka -lpthread
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test,$(t))))

$(B)/tests/integ_%: $(B)/tests/integ_%.o $(TESTLIB)
	$(CC) $(OKD_CFLAGS) $(CFLAGS) $(OKD_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka -lutil -lpthread

# The systemd test drives tests/systemd/*.sh; it needs none of okdtest.
$(B)/tests/integ_systemd: $(B)/tests/integ_systemd.o
	$(CC) $(OKD_CFLAGS) $(CFLAGS) $(OKD_LDFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka

deps:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST)

run: deps $(B)/okd
	$(B)/okd -D -f conf/okd.conf -o 'log-target stderr'

# ASan and UBSan end a test binary on any report; okd's own reports are
# caught in its log by the test library.
check: deps manlint systemd-root $(B)/okd $(TEST_BINS)
	@OKD_BIN=$(B)/okd ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh tests/run.sh $(TEST_BINS)

# The man pages must lint clean: mandoc prints nothing at warning level.
manlint: deps
	@out=$$(mandoc -Tlint -Wwarning man/okd.8 man/okd.conf.5 2>&1); \
	    [ -z "$$out" ] || { echo "$$out"; exit 1; }

# The Debian tree integ_systemd boots: built once (1-5 min, needs the network
# and root) outside run.sh's time limit, then cached in /var/cache/okd-test.
systemd-root:
	@[ "$$(id -u)" -ne 0 ] || sh tests/systemd/mkroot.sh >/dev/null || \
	    echo "okd: no container tree; integ_systemd will retry" >&2

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
	for u in okd.service okd.socket okd-accept.socket okd-accept@.service; do \
	    sed 's|/usr/local/sbin/okd|$(SBINDIR)/okd|' systemd/$$u \
	        >$(DESTDIR)$(UNITDIR)/$$u && chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done

clean:
	rm -rf $(B)

# The supervisor and its children under valgrind memcheck, a whole life.
memcheck: deps $(B)/okd $(B)/tests/integ_memcheck
	@sh tests/deps.sh valgrind
	@sh tests/run.sh $(B)/tests/integ_memcheck

$(B)/tests/integ_memcheck.o: tests/integ/memcheck.c $(HDRS) | $(B)/tests
	$(CC) $(OKD_CPPFLAGS) $(PKG_CFLAGS) $(OKD_CFLAGS) $(CFLAGS) -Itests/lib -c -o $@ $<

.PHONY: all deps run check manlint install clean systemd-root memcheck

# The benchmark lives with its own rules.
-include tests/bench/bench.mk

# Fuzzing and static analysis (make fuzz, make lint) live with their own rules.
-include tests/fuzz/fuzz.mk

# The bounded chaos soak (make soak).
-include tests/soak/soak.mk
