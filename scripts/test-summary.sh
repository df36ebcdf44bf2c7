#!/usr/bin/env bash
# Prints one closing line for the whole `make test` run, summed over the Rust test
# binaries (cargo's "test result:" lines) and Vitest ("Tests  N passed"), so that the
# last word of a run is its total rather than the count of whichever binary ran last.
set -euo pipefail
passed=0
failed=0
for log in "$@"; do
  [ -f "$log" ] || continue
  # Strip colour codes that Vitest may print.
  clean=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
  while read -r p f; do
    passed=$((passed + p)); failed=$((failed + f))
  done < <(grep -E '^test result: ' <<<"$clean" | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/')
  vitest=$(grep -E '^\s*Tests\s+' <<<"$clean" | tail -n 1 || true)
  if [ -n "$vitest" ]; then
    p=$(grep -oE '[0-9]+ passed' <<<"$vitest" | grep -oE '[0-9]+' || echo 0)
    f=$(grep -oE '[0-9]+ failed' <<<"$vitest" | grep -oE '[0-9]+' || echo 0)
    passed=$((passed + p)); failed=$((failed + f))
  fi
done
echo "make test: ${passed} passed, ${failed} failed"
