#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs every test binary given, each under a time bound, and closes with one
# summary line over all of them; exits non-zero if any test failed.
passed=0 failed=0 skipped=0 broken=""
for t in "$@"; do
	out=$(mktemp)
	timeout -k 5 240 "$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$out" | tail -n1)
	rm -f "$out"
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		# Died before cmocka could count: a crash or a time-out.
		failed=$((failed + 1))
		broken="$broken $t(rc=$rc)"
	elif [ "$rc" -ne 0 ]; then
		broken="$broken $t"
	fi
done
[ -n "$broken" ] && echo "failing:$broken"
echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ -z "$broken" ]
