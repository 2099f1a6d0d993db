#!/usr/bin/env bash
# ab_revisions.sh — compare two revisions of concurrent_map in one process
# (see ab_revisions.cpp for why and how). A revision is a git revision of
# this repository, "." for the working tree's include/, or a directory
# holding include/gomap or gomap (an experiment's copy); A may also be
# "libcuckoo" (Debian libcuckoo-dev), to compare with the peer the same way.
#
#   bench/prototype/ab_revisions.sh A B [read% threads rounds ms] ...
#   bench/prototype/ab_revisions.sh HEAD~1 . 100 1      # read-only, 1 thread
#   bench/prototype/ab_revisions.sh HEAD HEAD 100 1     # A/A: the noise
#   bench/prototype/ab_revisions.sh libcuckoo HEAD 90 2 # against libcuckoo
#
# Several measurements may follow the two revisions, each as four numbers
# (read% threads rounds ms); the default is 100 1 60 60.
set -euo pipefail
if [[ $# -lt 2 ]]; then
    sed -n '2,15p' "$0" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
defs=()
for side in a:"$1" b:"$2"; do
    name=${side%%:*}
    rev=${side#*:}
    if [[ $name == a && $rev == libcuckoo ]]; then
        defs=(-DAB_A_LIBCUCKOO=1)
        continue
    fi
    mkdir -p "$work/$name/src" "$work/$name/inc"
    if [[ $rev == "." ]]; then
        cp -r "$repo/include/gomap" "$work/$name/src/"
    elif [[ -d $rev/include/gomap ]]; then
        cp -r "$rev/include/gomap" "$work/$name/src/"
    elif [[ -d $rev/gomap ]]; then
        cp -r "$rev/gomap" "$work/$name/src/"
    else
        git -C "$repo" archive "$rev" include/gomap | tar -x -C "$work/$name/src" --strip-components=1
    fi
    mv "$work/$name/src/gomap" "$work/$name/inc/gomap_$name"
    # The namespace and the include paths become gomap_a / gomap_b, so both
    # revisions compile into one program. Macros are shared (same texts).
    find "$work/$name/inc" -name '*.hpp' -exec sed -i -E \
        -e "s/namespace gomap(::|\b)/namespace gomap_$name\1/g" \
        -e "s/\bgomap::/gomap_$name::/g" \
        -e "s/#include <gomap\//#include <gomap_$name\//g" {} +
done
shift 2
"${CXX:-g++}" -std=c++20 -O2 -DNDEBUG -march=native -pthread "${defs[@]}" -I"$work/a/inc" -I"$work/b/inc" -I"$repo/bench" \
    "$here/ab_revisions.cpp" -o "$work/ab"
if [[ $# -eq 0 ]]; then set -- 100 1 60 60; fi
while [[ $# -gt 0 ]]; do
    "$work/ab" "$1" "${2:-1}" "${3:-60}" "${4:-60}"
    shift $(($# < 4 ? $# : 4))
done
