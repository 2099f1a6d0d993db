#!/usr/bin/env bash
# Builds the benchmarks (Release, -O2 -march=native: the flags of
# scripts/bench-all.sh) with the peers installed from Debian, and runs one:
#   scripts/bench.sh core_bench [args] | memory_latency [args] | peers_bench [args] | random_access [args]
#                    | concurrent_bench [args]
# The whole side-by-side suite, with the Go map and the report: scripts/bench-all.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
GOMAP_SETUP_BENCH=1 "$root/scripts/setup.sh"
cmake -S "$root" -B "$root/build/bench" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DGOMAP_BUILD_BENCH=ON -DGOMAP_BUILD_TESTS=OFF -DGOMAP_BUILD_TOOLS=OFF -DCMAKE_CXX_FLAGS="-march=native" >/dev/null
target=${1:-core_bench}
shift || true
cmake --build "$root/build/bench" --target "$target" -j"${GOMAP_BENCH_JOBS:-$(nproc 2>/dev/null || echo 2)}" >/dev/null
# The programs live under build/bench/bench/ or one of its folders (concurrent/).
bin=$(find "$root/build/bench/bench" -type f -name "$target" -perm -u+x | head -n 1)
[ -n "$bin" ] || { echo "scripts/bench.sh: no program '$target' was built" >&2; exit 2; }
exec "$bin" "$@"
