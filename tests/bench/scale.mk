# make bench-scale: issue 22, holding 1,000 to 100,000 idle connections
# (tests/bench/scale.sh), then the cost growth with the work per
# connection (make bench-work).  Outside make check; needs root.
# Included from the Makefile after bench.mk, whose tools it uses.

bench-scale: deps bench-deps $(B)/okd $(BENCH_BINS)
	@sh tests/deps.sh gnuplot-nox perl
	$(B)/bench/subreap sh tests/bench/scale.sh
	@if [ "$${BENCH_SCALE_WORK:-1}" != 0 ]; then sh tests/bench/work.sh; fi

.PHONY: bench-scale
