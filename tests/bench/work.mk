# make bench-work: issue 22 item 4, connections/s against the number of
# allow/deny rules and of distinct sources (tests/bench/work.sh).
# Included from the Makefile after bench.mk, whose tools it uses.

bench-work: deps bench-deps $(B)/okd $(B)/bench/loadgen
	@sh tests/deps.sh gnuplot-nox
	sh tests/bench/work.sh

.PHONY: bench-work
