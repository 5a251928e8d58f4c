# The benchmark of issue 6: `make bench` compares okd with a minimal
# fork-per-connection server, an epoll server and inetd-style peers.

DEB_BENCH	= ucspi-tcp xinetd socat systemd procps

BENCH_TOOLS	= loadgen hold forkmin epollmin handler memtree subreap seccompcost \
		  sockcalls
BENCH_BINS	= $(BENCH_TOOLS:%=$(B)/bench/%) $(B)/bench/forkmin-static
BENCH_CFLAGS	= -D_GNU_SOURCE -std=c11 -O2 -Wall -Wextra -Werror

$(B)/bench:
	mkdir -p $@

$(B)/bench/%: tests/bench/%.c | $(B)/bench
	$(CC) $(BENCH_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# For orientation: the fork cost of a static binary (no relocations to copy).
$(B)/bench/forkmin-static: tests/bench/forkmin.c | $(B)/bench
	$(CC) $(BENCH_CFLAGS) $(CFLAGS) $(LDFLAGS) -static -o $@ $<

bench-deps:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_BENCH)

bench-tools: $(BENCH_BINS)

bench: deps bench-deps $(B)/okd $(BENCH_BINS)
	$(B)/bench/subreap sh tests/bench/bench.sh

.PHONY: bench bench-deps bench-tools
