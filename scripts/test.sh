#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, then
# builds and runs every test twice — a Debug build (GOMAP_CHECKED on) and an
# ASan+UBSan build — and the multi-threaded tests a third time under
# ThreadSanitizer. Build trees go to build/test-*. GOMAP_WERROR=ON (as CI
# sets it) makes warnings errors.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
run() {  # run <build dir> <cmake args...>
  local dir=$1; shift
  cmake -S . -B "$dir" -DGOMAP_BUILD_TESTS=ON -DGOMAP_WERROR="${GOMAP_WERROR:-OFF}" "$@" >/dev/null
  cmake --build "$dir" -j"$jobs" ${TARGETS:+--target $TARGETS}
  (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 900 ${TESTS:+-R "$TESTS"})
}
# -g1 (line tables only) everywhere: sanitizer reports and backtraces keep
# their file:line, and the builds take about a quarter less time than with -g
# (std_conformance_test under ASan: 120 s against 160 s).
echo "== Debug (checked) ==" >&2
run build/test-debug -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1"
echo "== ASan + UBSan ==" >&2
# -O1 (ASan's recommended level) rather than RelWithDebInfo's -O2: the same
# checks, and the build (most of this script's time) is much shorter. The
# lab's command-line tests run in the Debug stage; here the library's.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run build/test-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DGOMAP_SANITIZE=address,undefined -DGOMAP_BUILD_TOOLS=OFF
echo "== ThreadSanitizer: the multi-threaded tests ==" >&2
TARGETS="safe_map_test concurrent_map_test concurrent_map_full_fence_test concurrent_visit_test" \
  TESTS="^(safe_map_test|concurrent_map_test|concurrent_map_full_fence_test|concurrent_visit_test)$" \
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  run build/test-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DGOMAP_SANITIZE=thread -DGOMAP_BUILD_TOOLS=OFF
echo "all tests passed" >&2
