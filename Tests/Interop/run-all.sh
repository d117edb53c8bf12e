#!/usr/bin/env bash
# Runs every interop / end-to-end suite in this folder (each bounded in time) and prints one total line.
set -uo pipefail
cd "$(dirname "$0")"
passed=0; failed=0; broken=()
for suite in *.sh; do
  case "$suite" in lib.sh|run-all.sh) continue ;; esac
  echo "== $suite"
  out=$(timeout 600 bash "$suite" 2>&1); rc=$?
  echo "$out"
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1))); failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
  fi
  if [ $rc -ne 0 ] || [ -z "$line" ]; then broken+=("$suite (exit $rc)"); fi
done
[ ${#broken[@]} -gt 0 ] && echo "suites that failed: ${broken[*]}"
echo "interop: $passed passed, $failed failed"
[ ${#broken[@]} -eq 0 ] && [ "$failed" -eq 0 ]
