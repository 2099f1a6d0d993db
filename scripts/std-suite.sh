#!/usr/bin/env bash
# scripts/std-suite.sh — LLVM libc++'s own std::unordered_map conformance tests
# (libcxx/test/std/containers/unord/unord.map, every *.pass.cpp), run three
# ways with g++ -std=c++20 against this machine's standard library:
#
#   std       the tests as written, on std::unordered_map: the control;
#   map       the tests rewritten onto gomap::map;
#   node_map  the tests rewritten onto gomap::node_map (std's reference stability).
#
# It prints one line per test file and the totals: passed / total, and, for the
# gomap variants, passed among the files the control passes.
#
# USAGE
#   scripts/std-suite.sh [LLVM_DIR]
# LLVM_DIR is an llvm-project checkout (or its libcxx/ directory, or any tree
# holding libcxx/test/std/containers and libcxx/test/support). Default:
# $GOMAP_LIBCXX, else build/std-suite/llvm-project. The figures in
# docs/reliability.md are for the pinned release below; the script says whether
# the tree it was given is that one (by the git tree hashes of the two
# directories, computed from the files, so a plain copy is checked too).
# To get the pinned tree (two directories, a few MB):
#   git clone --depth 1 --branch llvmorg-17.0.6 --filter=blob:none --sparse \
#       https://github.com/llvm/llvm-project build/std-suite/llvm-project
#   git -C build/std-suite/llvm-project sparse-checkout set \
#       libcxx/test/std/containers libcxx/test/support
# (llvmorg-17.0.6 is commit 6009708b4367171ccdbf4b5905cb6a803753fe18.)
# Nothing of LLVM's is committed here: build/ is git-ignored.
#
# Environment: CXX (default g++), CXXFLAGS (added after the defaults),
# VARIANTS (default "std map node_map"), FILTER (an extended regex: only test
# paths matching it), TIMEOUT (seconds a test may run, default 120).
# Compiles run one at a time.
#
# THE REWRITE (mechanical, and nothing else): copies of the test tree and of
# libcxx/test/support get, in every file,
#     std::unordered_map  ->  gomap::map   (or gomap::node_map)
#     std::erase_if       ->  gomap::erase_if   (<unordered_map>'s erase_if)
# and are compiled with -include gomap/gomap.hpp. The support copy matters
# because container_test_types.h (TCT::unordered_map) names the type too.
# std::unordered_multimap is left alone (gomap has no multimap): a test that
# merges one into the map, or checks both, keeps using std's. Every variant,
# the control too, also force-includes build/std-suite/libstdcxx-compat.h,
# which gives libc++'s support headers the one libc++ internal they call
# (std::__libcpp_is_constant_evaluated, in min_allocator.h).
#
# HOW A FILE IS JUDGED. *.compile.pass.cpp: passes if it compiles
# (-fsyntax-only). Any other *.pass.cpp: passes if it compiles, links, and
# exits 0 within TIMEOUT. NDEBUG is not defined, so the tests' assert()s are
# live, and so is GOMAP_CHECKED (gomap's misuse and stale-iterator checks).
# Lit's annotations are not interpreted: a file whose header says
# "UNSUPPORTED: c++20" is still compiled, and is counted by the control like
# any other (the results file marks it). ADDITIONAL_COMPILE_FLAGS are added.
#
# OUTPUT (build/std-suite/): results-<variant>.txt, one line per file:
#   PASS <file> | FAIL compile|link|run|timeout <file> :: <first error line>
# (for a compile error, also the first line of the test file the error log
# names); logs/<variant>/<file>.log, the compiler's and the test's output;
# summary.txt, the totals and the files each gomap variant fails among the
# control's passes. gomap's per-map hash seeds make one file nondeterministic:
# unord.map.modifiers/erase_key.pass.cpp passes about 1 run in 20.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/std-suite
cxx=${CXX:-g++}
variants=${VARIANTS:-std map node_map}
filter=${FILTER:-}
timeout_s=${TIMEOUT:-120}

# The pinned suite: llvmorg-17.0.6's git trees of the two directories.
pin_tag=llvmorg-17.0.6
pin_commit=6009708b4367171ccdbf4b5905cb6a803753fe18
pin_containers=59d926ddaccc5475c4fa12f7be5129712a9e3a10  # libcxx/test/std/containers
pin_support=b08146deee4864028fca7cd42b650cc5170f562b     # libcxx/test/support

src=${1:-${GOMAP_LIBCXX:-$out/llvm-project}}
if [[ -d $src/libcxx/test ]]; then libcxx=$src/libcxx
elif [[ -d $src/test/std/containers ]]; then libcxx=$src
else
  cat >&2 <<EOF
std-suite: no libc++ test tree at '$src'.
Get the pinned one ($pin_tag), then run this script again:
  git clone --depth 1 --branch $pin_tag --filter=blob:none --sparse \\
      https://github.com/llvm/llvm-project $out/llvm-project
  git -C $out/llvm-project sparse-checkout set libcxx/test/std/containers libcxx/test/support
or pass the path of an llvm-project checkout as the first argument.
EOF
  exit 2
fi
libcxx=$(cd "$libcxx" && pwd)
containers=$libcxx/test/std/containers
support=$libcxx/test/support
suite=$containers/unord/unord.map
[[ -d $suite && -d $support ]] || { echo "std-suite: $suite or $support is missing" >&2; exit 2; }

# The git tree hash of a directory's files, whether or not it is a git checkout.
tree_of() {
  local g; g=$(mktemp -d)
  (cd "$1" && export GIT_DIR=$g GIT_WORK_TREE=$1 && git init -q && git add -A -f . && git write-tree)
  rm -rf "$g"
}
have_containers=$(tree_of "$containers")
have_support=$(tree_of "$support")
if [[ $have_containers == "$pin_containers" && $have_support == "$pin_support" ]]; then
  pinned="yes: $pin_tag ($pin_commit)"
else
  pinned="NO: containers tree $have_containers, support tree $have_support; the figures in docs/reliability.md are for $pin_tag"
fi

mkdir -p "$out"
# libc++'s support headers call a few libc++ internals; with another standard
# library (libstdc++ here) this header, force-included in every variant, the
# control too, gives them their meaning. It adds nothing under libc++.
compat=$out/libstdcxx-compat.h
cat >"$compat" <<'EOF'
#pragma once
#include <version>
#ifndef _LIBCPP_VERSION
#include <type_traits>
namespace std {
constexpr bool __libcpp_is_constant_evaluated() noexcept { return std::is_constant_evaluated(); }
}  // namespace std
#endif
EOF
mapfile -t files < <(cd "$suite" && find . -name '*.pass.cpp' | sed 's|^\./||' | LC_ALL=C sort)
if [[ -n $filter ]]; then
  mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -E -- "$filter")
fi
((${#files[@]})) || { echo "std-suite: no test file matches" >&2; exit 2; }

echo "libc++ tests: $suite"
echo "pinned suite: $pinned"
echo "compiler: $($cxx --version | head -1); flags: -std=c++20 -O1 ${CXXFLAGS:-}"
echo "files: ${#files[@]} *.pass.cpp"

# rewrite <variant> <gomap type>: the rewritten copies, under $out/src/<variant>.
rewrite() {
  local dir=$out/src/$1 ty=$2
  rm -rf "$dir"; mkdir -p "$dir/std"
  cp -R "$containers" "$dir/std/containers"
  cp -R "$support" "$dir/support"
  grep -rlE 'std::(unordered_map|erase_if)\b' "$dir" | while read -r f; do
    sed -i -E "s/std::unordered_map\b/$ty/g; s/std::erase_if\b/gomap::erase_if/g" "$f"
  done
}

# first_error <log> <test file>: the line that says why a compile failed.
first_error() {
  local log=$1 base; base=$(basename "$2")
  local e; e=$(grep -m1 -E '(error|Error):' "$log" | sed -E 's#(^|[ ])/[^ :]*/#\1#g')
  # The first diagnostic placed in the test file itself (file:line:column).
  local at; at=$(grep -m1 -oE "/${base//./\\.}:[0-9]+:[0-9]+" "$log" | sed -E 's|^/||; s|:[0-9]+$||')
  [[ -n $at && $e != "$at"* ]] && e="$e [test: $at]"
  e=${e:-$(grep -m1 . "$log")}
  printf '%s' "${e:0:400}"
}

# run_one <variant> <file>: prints "PASS" or "FAIL <stage> :: <reason>".
run_one() {
  local v=$1 f=$2 dir inc
  if [[ $v == std ]]; then dir=$suite; inc=(-I"$support" -include "$compat")
  else dir=$out/src/$v/std/containers/unord/unord.map; inc=(-I"$root/include" -I"$out/src/$v/support" -include "$compat" -include gomap/gomap.hpp)
  fi
  local log=$out/logs/$v/$f.log bin=$out/bin/$v/${f%.cpp}
  mkdir -p "$(dirname "$log")" "$(dirname "$bin")"
  local extra; extra=$(sed -nE 's|^// *ADDITIONAL_COMPILE_FLAGS: *||p' "$dir/$f" | tr '\n' ' ')
  # shellcheck disable=SC2206  # both split on purpose
  local cc=("$cxx" -std=c++20 -O1 -pthread "${inc[@]}" $extra ${CXXFLAGS:-})
  if [[ $f == *.compile.pass.cpp ]]; then
    if timeout 600 "${cc[@]}" -fsyntax-only "$dir/$f" >"$log" 2>&1; then echo PASS
    else echo "FAIL compile :: $(first_error "$log" "$f")"; fi
    return
  fi
  if ! timeout 600 "${cc[@]}" -c "$dir/$f" -o "$bin.o" >"$log" 2>&1; then
    echo "FAIL compile :: $(first_error "$log" "$f")"; return
  fi
  if ! "$cxx" -pthread "$bin.o" -o "$bin" >>"$log" 2>&1; then
    echo "FAIL link :: $(grep -m1 -E 'undefined reference|error' "$log")"; return
  fi
  rm -f "$bin.o"
  echo "--- run" >>"$log"
  (cd "$(dirname "$bin")" && timeout "$timeout_s" "$bin") >>"$log" 2>&1
  local rc=$?
  if ((rc == 0)); then echo PASS; return; fi
  if ((rc == 124)); then echo "FAIL timeout :: over ${timeout_s}s"; return; fi
  local why; why=$(sed -n '/^--- run$/,$p' "$log" | grep -m1 -E 'Assertion|fatal error|terminate|what\(\)|Sanitizer|error' |
    sed -E 's#(^|[ ])/[^ :]*/#\1#g; s#^[^ :]+: ([^ :]+:[0-9]+: )#\1#')
  ((rc > 128)) && why="${why:+$why; }signal $((rc - 128))"
  why=${why:-exit $rc}
  echo "FAIL run :: ${why:0:400}"
}

declare -A result
for v in $variants; do
  case $v in
    std) ;;
    map) rewrite map gomap::map ;;
    node_map) rewrite node_map gomap::node_map ;;
    *) echo "std-suite: unknown variant '$v' (std, map, node_map)" >&2; exit 2 ;;
  esac
  rm -rf "${out:?}/logs/$v" "${out:?}/bin/$v"
  res=$out/results-$v.txt; : >"$res"
  echo; echo "== $v =="
  for f in "${files[@]}"; do
    r=$(run_one "$v" "$f")
    grep -qE '^// *UNSUPPORTED:.*c\+\+20' "$suite/$f" && r="$r  (its header: UNSUPPORTED in c++20)"
    result[$v,$f]=$r
    if [[ $r == PASS* ]]; then line="PASS $f${r#PASS}"
    else stage=${r#FAIL }; stage=${stage%% *}; line="FAIL $stage $f :: ${r#* :: }"; fi
    echo "$line" | tee -a "$res"
  done
done

# Totals.
{
  echo "libc++ tests: $suite"
  echo "pinned suite: $pinned"
  echo "compiler: $($cxx --version | head -1)"
  total=${#files[@]}
  for v in $variants; do
    p=0; for f in "${files[@]}"; do [[ ${result[$v,$f]} == PASS* ]] && ((p++)); done
    echo "$v: passed $p / $total"
  done
  if [[ " $variants " == *" std "* ]]; then
    n=0; for f in "${files[@]}"; do [[ ${result[std,$f]} == PASS* ]] && ((n++)); done
    for v in $variants; do
      [[ $v == std ]] && continue
      y=0; fails=()
      for f in "${files[@]}"; do
        [[ ${result[std,$f]} == PASS* ]] || continue
        if [[ ${result[$v,$f]} == PASS* ]]; then ((y++)); else fails+=("$f"); fi
      done
      pct=$(awk -v y="$y" -v n="$n" 'BEGIN { printf "%.0f", n ? 100 * y / n : 0 }')
      echo "$v: passed $y of the $n the control passes ($pct%; the target is 90%)"
      for f in "${fails[@]}"; do echo "  $v fails $f: ${result[$v,$f]#FAIL }"; done
    done
  fi
} | tee "$out/summary.txt"
echo "results: $out/results-*.txt, logs: $out/logs/, totals: $out/summary.txt"
