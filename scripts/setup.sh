#!/usr/bin/env bash
# Installs what gomap's build, tests and lab need on a fresh Debian 12 machine.
# Idempotent: installs only the packages that are missing.
set -euo pipefail

# librsvg2-bin and python3: the tests render the lab's SVG plots and check the pixels.
# chromium: the tests load `gomap-lab explore`'s page in a real browser (headless) and
# check its DOM and a screenshot (tests/lab/lab_explore_test.cpp).
pkgs=(cmake g++ make libgtest-dev libgmock-dev golang-go librsvg2-bin python3 chromium)
# The flat maps the lab compares with (scripts/gomap-lab).
[ "${GOMAP_SETUP_LAB:-0}" = 1 ] && pkgs+=(libabsl-dev libboost1.81-dev)
# The peers the benchmarks measure gomap against.
[ "${GOMAP_SETUP_BENCH:-0}" = 1 ] && pkgs+=(libbenchmark-dev libabsl-dev libboost1.81-dev libtsl-hopscotch-map-dev \
  libcuckoo-dev libtbb-dev)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "gomap setup: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
