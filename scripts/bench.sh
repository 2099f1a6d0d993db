#!/usr/bin/env bash
# Builds the benchmarks (Release, -march=native) with the peers installed from
# Debian, and runs one: scripts/bench.sh core_bench [args] | memory_latency [args]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
GOMAP_SETUP_BENCH=1 "$root/scripts/setup.sh"
cmake -S "$root" -B "$root/build/bench" -DCMAKE_BUILD_TYPE=Release -DGOMAP_BUILD_BENCH=ON \
  -DGOMAP_BUILD_TESTS=OFF -DGOMAP_BUILD_TOOLS=OFF -DCMAKE_CXX_FLAGS="-march=native" >/dev/null
target=${1:-core_bench}
shift || true
cmake --build "$root/build/bench" --target "$target" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
exec "$root/build/bench/bench/$target" "$@"
