#!/usr/bin/env bash
# fuzz.sh [FUZZTIME]
#
# Runs every fuzz target of the module (every `func Fuzz*` in a *_test.go
# file) for FUZZTIME each (default 60s), one after the other, and prints
# one line per target: package, target, executions. This is the long mode
# of the fuzzing that .ci/run does briefly; SECURITY.md's figures come from
#
#   scripts/fuzz.sh 60s
#
# FUZZ_PARALLEL sets the fuzzing workers per target (default 1, to leave
# the rest of a shared machine alone); FUZZ_MINIMIZE bounds the time spent
# minimizing each new input (default 1s, so that targets that keep finding
# new inputs spend their time fuzzing rather than minimizing; minimizing
# runs are not counted as executions). New interesting inputs are kept in
# Go's fuzz cache; a failing input is written under the package's
# testdata/fuzz/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${1:-60s}
parallel=${FUZZ_PARALLEL:-1}
minimize=${FUZZ_MINIMIZE:-1s}
status=0
printf '%-24s %-28s %s\n' package target executions
while read -r file; do
  pkg=./$(dirname "$file")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
    log=$(mktemp)
    if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" -parallel "$parallel" "$pkg" >"$log" 2>&1; then
      result=$(grep -o 'execs: [0-9]*' "$log" | tail -n 1 | sed 's/execs: //')
    else
      result="FAILED (see below)"
      status=1
      cat "$log" >&2
    fi
    printf '%-24s %-28s %s\n' "$pkg" "$target" "${result:-?}"
    rm -f "$log"
  done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | sort)
exit $status
