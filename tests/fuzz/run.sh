#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs each libFuzzer harness for FUZZ_TIME seconds over a copy of its seeds,
# prints one summary line per harness, and fails if any of them found a crash.
# Usage: run.sh builddir name...   (harness builddir/fuzz_NAME, seeds in
# tests/fuzz/corpus/NAME, working corpus builddir/corpus/NAME)
dir=$1
shift
time=${FUZZ_TIME:-60}
# fuzz_config allocates a 14 kB config per input: a smaller quarantine and no
# fill of fresh blocks triple its speed; use-after-free is still caught.
ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16:max_malloc_fill_size=0}
export ASAN_OPTIONS
# FUZZ_SEED fixes libFuzzer's random choices (the smoke run in CI does).
seed=""
[ -n "$FUZZ_SEED" ] && seed=-seed=$FUZZ_SEED
bad=""
for n in "$@"; do
	corpus=$dir/corpus/$n
	mkdir -p "$corpus" "$dir/crashes"
	cp tests/fuzz/corpus/"$n"/* "$corpus"/
	dict=""
	[ -f tests/fuzz/"$n".dict ] && dict=-dict=tests/fuzz/$n.dict
	maxlen=$(sed -n "s/^fuzz_${n}_MAXLEN[	 ]*=[	 ]*//p" tests/fuzz/fuzz.mk)
	log=$dir/$n.log
	# The bound is libFuzzer's own; timeout(1) only catches a hang of it.
	timeout -k 5 $((time + 60)) "$dir/fuzz_$n" -max_total_time="$time" $seed \
	    -max_len="${maxlen:-4096}" -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="$dir/crashes/$n-" $dict "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
	units=$(ls "$corpus" | wc -l)
	echo "fuzz_$n: rc=$rc execs=${execs:-?} exec/s=${rate:-?} cov=${cov:-?} ft=${ft:-?} corpus=$units (log: $log)"
	if [ "$rc" -ne 0 ]; then
		grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' \
		    "$log" | head -n 5
		bad="$bad fuzz_$n"
	fi
done
nbad=$(echo $bad | wc -w)
[ -n "$bad" ] && echo "fuzz: crashes or errors in:$bad"
# One line in the plain form CI reads: each harness is one check.
echo "fuzz: $(($# - nbad)) passed, $nbad failed"
[ -z "$bad" ]
