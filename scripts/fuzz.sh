#!/usr/bin/env bash
# Differential fuzzing of gomap::map and gomap::go_map against std::unordered_map
# (fuzz/map_fuzz.hpp) with libFuzzer, AddressSanitizer and UBSan.
#
#   scripts/fuzz.sh [SECONDS] [libFuzzer flags...]     (default: 60 seconds)
#
# Installs clang-14 and its runtimes when missing, builds build/fuzz/map_fuzz
# (again only when a source is newer), runs it for SECONDS on a scratch copy
# of fuzz/corpus/, and prints the executions and operations it ran. Exit
# status: 0 when nothing diverged or crashed; non-zero otherwise, with the
# crashing input left in build/fuzz/ (crash-*), which
#   GOMAP_FUZZ_REPLAY=<file> <build dir>/fuzz/fuzz_replay_test --gtest_filter='*Files'
# or build/fuzz/map_fuzz <file> replays.
#
# Environment: GOMAP_FUZZ_KEEP=1 keeps the scratch corpus (to merge new inputs
# into fuzz/corpus/ with -merge=1).
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [libFuzzer flags...]" >&2; exit 2 ;; esac

# ---- tools ---------------------------------------------------------------------
pkgs=(clang-14 libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "gomap fuzz: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# libFuzzer's runtime normally comes with libclang-rt-14-dev; fall back to libfuzzer-14-dev.
if ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 &&
   ! dpkg-query -W -f='${Status}' libfuzzer-14-dev 2>/dev/null | grep -q "install ok installed"; then
  echo "gomap fuzz: installing libfuzzer-14-dev" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libfuzzer-14-dev >/dev/null
fi

# ---- build ---------------------------------------------------------------------
out=build/fuzz
bin=$out/map_fuzz
mkdir -p "$out"
if [ ! -x "$bin" ] || [ -n "$(find include fuzz/map_fuzz.hpp fuzz/map_fuzz.cpp -newer "$bin" -type f | head -1)" ]; then
  echo "gomap fuzz: building $bin (clang++-14, ASan + UBSan + libFuzzer; a few minutes)" >&2
  clang++-14 -std=c++20 -O1 -g -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -Iinclude fuzz/map_fuzz.cpp -o "$bin.tmp"
  mv "$bin.tmp" "$bin"
fi

# ---- run -----------------------------------------------------------------------
work=$(mktemp -d "$out/corpus.XXXXXX")
if [ "${GOMAP_FUZZ_KEEP:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi
cp fuzz/corpus/* "$work"/
log=$out/fuzz.log
echo "gomap fuzz: running for ${secs}s on a copy of fuzz/corpus/ ($(ls "$work" | wc -l) inputs); log: $log" >&2

set +e
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$bin" -max_total_time="$secs" -max_len=4096 -timeout=60 -print_final_stats=1 \
  -artifact_prefix="$out/" "$@" "$work" >"$log" 2>&1
rc=$?
set -e

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
totals=$(grep '^gomap fuzz totals:' "$log" | tail -1 || true)
ops=$(sed -n 's/.* ops=\([0-9]*\) .*/\1/p' <<<"$totals")
corpus_now=$(ls "$work" | wc -l)
if [ $rc -ne 0 ]; then
  echo "gomap fuzz: CRASH or DIVERGENCE (libFuzzer exit status $rc). The end of $log:" >&2
  grep -v '^#[0-9]' "$log" | tail -40 >&2
  artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
  [ -n "$artifact" ] && echo "gomap fuzz: the input: $artifact" >&2
  exit $rc
fi
echo "gomap fuzz: ${execs:-?} executions in ${secs}s, ${ops:-?} operations ($(( ${ops:-0} / (secs > 0 ? secs : 1) )) ops/s), corpus ${corpus_now} inputs"
echo "gomap fuzz: $totals"
echo "gomap fuzz: no divergence, no sanitizer report"
[ "${GOMAP_FUZZ_KEEP:-0}" = 1 ] && echo "gomap fuzz: scratch corpus kept in $work"
exit 0
