#!/bin/sh
# SPDX-License-Identifier: ISC
# Static analysis for `make lint`: cppcheck, then clang-tidy (.clang-tidy)
# on each file, two at a time; prints every finding and fails on any.
# Usage: lint.sh outdir file...; outdir/flags holds the compile flags, one
# a line with '"' and '\' escaped, which is also how JSON escapes them.
# With LINT_SPDX=yes (the Makefile's variable) it also fails on a file under
# src/, include/ or tests/ whose first 3 lines lack the licence's SPDX line.
out=$1
shift
bad=""
checks=2

if [ "${LINT_SPDX:-no}" = yes ]; then
	checks=3
	nolic=$(find src include tests -type f \( -name '*.c' -o -name '*.h' \
	    -o -name '*.sh' -o -name '*.awk' \) | LC_ALL=C sort | while read -r f; do
		head -n 3 "$f" | grep -q 'SPDX-License-Identifier: ISC' || echo "$f"
	done)
	for f in $nolic; do
		echo "$f:1: no 'SPDX-License-Identifier: ISC' in the first 3 lines"
	done
	echo "spdx: $(echo $nolic | wc -w) file(s) without a licence line"
	[ -z "$nolic" ] || bad="spdx"
fi

# clang-tidy reads the flags from a compilation database.
{
	echo '['
	sep=""
	for f in "$@"; do
		printf '%s{"directory": "%s", "file": "%s", "arguments": ["cc"' \
		    "$sep" "$PWD" "$f"
		while read -r a; do
			printf ', "%s"' "$a"
		done <"$out/flags"
		printf ', "-c", "%s"]}\n' "$f"
		sep=","
	done
	echo ']'
} >"$out/compile_commands.json"

# --library=posix knows mmap, getpwnam and friends; inline suppressions
# carry their reason beside the code.  Not --project: cppcheck 2.10 drops
# the quotes of -DOKD_PIDFILE="..." there; xargs keeps them.
{ grep '^-[DI]' "$out/flags"; printf '%s\n' "$@"; } | xargs cppcheck --quiet --std=c11 \
    --library=posix --inline-suppr --enable=warning,portability,performance \
    --error-exitcode=1 --template='{file}:{line}: {severity}: {message} [{id}]' \
    >"$out/cppcheck.log" 2>&1 || bad="cppcheck"
cat "$out/cppcheck.log"
echo "cppcheck: $(grep -c '^[^ ]*:[0-9]*: ' "$out/cppcheck.log") finding(s) in $# file(s)"

# One clang-tidy per file, two in parallel (the 2-core budget); xargs puts
# the file after outdir, so inside it is $2 and outdir $1.
rm -f "$out"/*.tidy "$out/failed"
printf '%s\n' "$@" | xargs -P 2 -n 1 sh -c 'clang-tidy -quiet -p "$1" "$2" \
    >"$1/$(basename "$2").tidy" 2>&1 || echo "$2" >>"$1/failed"' lint "$out"
# clang-tidy's own "N warnings generated." lines are not findings.
cat "$out"/*.tidy | grep -v 'warnings\{0,1\} \(and [0-9]* errors\{0,1\} \)\{0,1\}generated\.$'
[ -s "$out/failed" ] && bad="$bad clang-tidy"
echo "clang-tidy: $(cat "$out"/*.tidy | grep -c ': \(error\|warning\):') finding(s) in $# file(s)"
# One line in the plain form CI reads: each tool is one check.
nbad=$(echo $bad | wc -w)
echo "lint: $((checks - nbad)) passed, $nbad failed"
[ -z "$bad" ]
