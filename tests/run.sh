#!/usr/bin/env bash
# tests/run.sh BIN...: run each cmocka test binary, print its output, and a closing total.
set -u
pass=0; fail=0; failed_bins=()
for bin in "$@"; do
  out=$("$bin" 2>&1); rc=$?
  printf '%s\n' "$out"
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
  if [ $rc -ne 0 ]; then
    failed_bins+=("$(basename "$bin")")
    [ -z "$f" ] && fail=$((fail + 1))   # crashed before cmocka could report
  fi
done
echo
[ ${#failed_bins[@]} -gt 0 ] && echo "failing test programs: ${failed_bins[*]}"
echo "tests: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ ${#failed_bins[@]} -eq 0 ]
