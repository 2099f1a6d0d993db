#!/usr/bin/env bash
# scripts/bench-all.sh — the whole benchmark suite in one command: installs the
# peers, builds Release (-O2 -march=native), runs gomap, std/Abseil/Boost/tsl
# and the real Go 1.19 map side by side R times, and writes the raw JSON, the
# generated section of docs/benchmarks.md and the plots (docs/img/bench-*.svg).
#
#   scripts/bench-all.sh            full run: 1K..10M entries, R=3 (about 10-15 min on 2 cores)
#   scripts/bench-all.sh --quick    pipeline check: small sizes, R=1 (about a minute); writes
#                                   under build/bench/quick/ only, never into docs/
# Options:
#   --reps R          repetitions (medians are taken over them); default 3, --quick 1
#   --latency-reps L  runs of the 10M memory/latency workload (medians); default 3, --quick 1
#   --out DIR         write results.json, benchmarks.md and img/ into DIR instead
#   --no-setup        do not run scripts/setup.sh (the peers are installed)
#   --prebuilt DIR    use the binaries already built in DIR (the CMake targets
#                     `bench` / `bench-quick` pass this); no configure, no build
# Environment: GOMAP_BENCH_JOBS (build parallelism, default: all cores), GO (the go tool).
#
# Run it on a quiet machine: the figures are only as good as the machine is idle.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

quick=0 reps="" lat_reps="" out="" setup=1 prebuilt=0 build="$root/build/bench"
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --reps) reps=$2; shift ;;
    --latency-reps) lat_reps=$2; shift ;;
    --out) out=$2; shift ;;
    --no-setup) setup=0 ;;
    --prebuilt) prebuilt=1; setup=0; build=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
case $reps$lat_reps in *[!0-9]*) usage >&2; exit 2 ;; esac
build="$(mkdir -p "$build" && cd "$build" && pwd)"

if [ "$quick" = 1 ]; then
  reps=${reps:-1} lat_reps=${lat_reps:-1}
  sizes=1000,100000,1000000 max_others=100000 min_ops=200000
  lat_n=1000000 probe_reads=4000000
  out=${out:-$build/quick}
else
  reps=${reps:-3} lat_reps=${lat_reps:-3}
  sizes=1000,100000,1000000,10000000 max_others=1000000 min_ops=1000000
  lat_n=10000000 probe_reads=20000000
fi
(( reps >= 1 && lat_reps >= 1 )) || { echo "bench-all: --reps and --latency-reps must be at least 1" >&2; exit 2; }
stamp=$(date +%Y-%m-%d-%H%M%S)
if [ -n "$out" ]; then
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
  results="$out/results.json" md="$out/benchmarks.md" img="$out/img"
else
  results="$root/bench/results/$stamp.json" md="$root/docs/benchmarks.md" img="$root/docs/img"
fi
parts="$build/run-$stamp"
mkdir -p "$parts" "$(dirname "$results")" "$img"
log="$parts/log.txt"
settings="sizes=$sizes (types other than u64->u64 up to $max_others) min_ops=$min_ops reps=$reps latency_n=$lat_n latency_reps=$lat_reps probe_reads=$probe_reads"

say() { printf '%s\n' "$*" | tee -a "$log" >&2; }
t_start=$(date +%s)
started=$(date --iso-8601=seconds)
elapsed() { echo $(( $(date +%s) - t_start )); }

if [ "$quick" = 1 ]; then
  say "bench-all: --quick pipeline check ($settings); expect about a minute (plus the build)"
else
  # Estimated from pieces timed on the project's 2-core Xeon VM: one
  # repetition of peers_bench + go_bench ~3 min (10M uint64: ~1 min of it,
  # each string type at 1M ~20 s), one 10M latency run (6 C++ maps + Go)
  # ~1.5 min, setup + build ~1-2 min. The runner prints the time left after
  # each repetition.
  say "bench-all: full run ($settings)"
  say "bench-all: estimate: about $(( 2 + reps * 3 + (lat_reps * 3 + 1) / 2 )) min on a 2-core machine; results go to $results"
fi
say "bench-all: load average now: $(cut -d' ' -f1-3 /proc/loadavg) (the run is only as good as the machine is quiet)"

# ---- peers, build ------------------------------------------------------------------
[ "$setup" = 1 ] && GOMAP_SETUP_BENCH=1 "$root/scripts/setup.sh"
if [ "$prebuilt" = 0 ]; then
  say "bench-all: building (Release, -O2 -march=native) in $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS="-march=native" -DGOMAP_BUILD_BENCH=ON -DGOMAP_BUILD_TESTS=OFF \
    -DGOMAP_BUILD_TOOLS=OFF >>"$log"
  cmake --build "$build" --target peers_bench memory_latency random_access \
    -j"${GOMAP_BENCH_JOBS:-$(nproc 2>/dev/null || echo 2)}" >>"$log"
fi
bin="$build/bench"
for b in peers_bench memory_latency random_access; do
  [ -x "$bin/$b" ] || { say "bench-all: $bin/$b is missing"; exit 1; }
done

# The Go program: a hermetic build (caches under the build directory, no
# network, no cgo), as tests/fidelity/run_go.sh does.
gobin=${GO:-}
if [ -z "$gobin" ]; then
  if command -v go >/dev/null 2>&1; then gobin=$(command -v go); else gobin=/usr/lib/go-1.19/bin/go; fi
fi
gowork="$build/go-work"
mkdir -p "$gowork/gocache" "$gowork/gopath"
(cd "$root/bench/go" && GOCACHE="$gowork/gocache" GOPATH="$gowork/gopath" GOMODCACHE="$gowork/gopath/pkg/mod" \
  GOENV=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local GO111MODULE=on GOWORK=off CGO_ENABLED=0 \
  "$gobin" build -o "$gowork/go_bench" .)
gob="$gowork/go_bench"
python3 "$root/bench/report.py" machine --build "$build" --go "$gobin" --out "$parts/machine.json"
say "bench-all: built in $(elapsed) s"

# ---- the runs ------------------------------------------------------------------------
# Repetitions are interleaved (one process per repetition, the Go map between
# or before the C++ maps, alternately), so that a slow minute of the machine
# lands on every map rather than on one.
run() { # name, command...
  local name=$1; shift
  local t0; t0=$(date +%s)
  "$@" > >(tee -a "$log") 2> >(tee -a "$log" >&2)
  say "bench-all: $name done in $(( $(date +%s) - t0 )) s (total $(elapsed) s)"
}
cxx_peers() { run "peers_bench rep $1" "$bin/peers_bench" --sizes "$sizes" --max-n-others "$max_others" \
  --min-ops "$min_ops" --rep "$1" --json "$parts/peers-$1.json"; }
go_peers() { run "go_bench peers rep $1" "$gob" peers -sizes "$sizes" -max-n-others "$max_others" \
  -min-ops "$min_ops" -rep "$1" -json "$parts/go-$1.json"; }
for ((r = 0; r < reps; r++)); do
  t_rep=$(date +%s)
  run "random_access rep $r" "$bin/random_access" --map-n 10000000 --reads "$probe_reads" --rep "$r" \
    --json "$parts/probe-$r.json"
  if (( r % 2 == 0 )); then cxx_peers "$r"; go_peers "$r"; else go_peers "$r"; cxx_peers "$r"; fi
  left=$(( ( $(date +%s) - t_rep ) * (reps - r - 1) ))
  say "bench-all: repetition $((r + 1))/$reps done; about $(( left / 60 )) min of repetitions left, then the latency runs"
done
for ((r = 0; r < lat_reps; r++)); do
  run "memory_latency rep $r" "$bin/memory_latency" --n "$lat_n" --rep "$r" --json "$parts/latency-$r.json" \
    --csv "$parts/memory-$r.csv"
  run "go_bench latency rep $r" "$gob" latency -n "$lat_n" -rep "$r" -json "$parts/golatency-$r.json"
done

# ---- the report -------------------------------------------------------------------------
mode=full; [ "$quick" = 1 ] && mode=quick
python3 "$root/bench/report.py" merge --machine "$parts/machine.json" --mode "$mode" --reps "$reps" \
  --started "$started" --settings "$settings" --out "$results" \
  "$parts"/probe-*.json "$parts"/peers-*.json "$parts"/go-*.json "$parts"/latency-*.json "$parts"/golatency-*.json
template="$root/docs/benchmarks.md"
python3 "$root/bench/report.py" render "$results" --template "$template" --md "$md" --img "$img"
say "bench-all: done in $(( $(elapsed) / 60 )) min $(( $(elapsed) % 60 )) s"
say "bench-all:   raw JSON    $results"
say "bench-all:   report      $md"
say "bench-all:   plots       $img/bench-*.svg"
say "bench-all:   logs        $parts/"
