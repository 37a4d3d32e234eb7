#!/usr/bin/env bash
# Catch2 test names that ctest can run: ctest passes a test's name to the
# binary as its filter, and Catch reads a name that starts with '-' as an
# option ("Unrecognised token: --machine"): the test then fails in ctest
# while it passes when the binary runs alone. Happened twice (a throughput
# case in session 2, a --machine case in session 3).
# Usage: bash test_names.sh SOURCE_DIR [NETLAB_BINARY]
set -u
src=${1:?usage: test_names.sh SOURCE_DIR [NETLAB_BINARY]}
bad=$(grep -rnE '(TEST_CASE|TEST_CASE_METHOD\([^,]+,|SCENARIO)\(? *"-' \
  "$src/tests" "$src/examples" --include='*.cpp' --include='*.hpp' 2>/dev/null)
if [ -n "$bad" ]; then
  echo "FAIL: test names that start with '-' (Catch reads them as options); rename them:"
  echo "$bad"
  exit 1
fi
count=$(grep -rhoE '(TEST_CASE|TEST_CASE_METHOD)\(' "$src/tests" "$src/examples" \
  --include='*.cpp' | wc -l)
[ "$count" -gt 0 ] || { echo "FAIL: no test cases found under $src/tests"; exit 1; }
echo "test_names: $count test cases, none starts with '-'"
