#!/bin/sh
# run_go.sh — build and run the Go fidelity probe (tests/fidelity/go), writing
# its facts to a file.
#
# usage: run_go.sh OUTPUT_FILE [GO_EXECUTABLE] [WORK_DIR]
#
#   OUTPUT_FILE    where the facts go (written atomically: temp file + rename)
#   GO_EXECUTABLE  the go tool; default: $GO, else `go` on PATH, else
#                  /usr/lib/go-1.19/bin/go
#   WORK_DIR       scratch space for GOCACHE, GOPATH and the binary;
#                  default: ${TMPDIR:-/tmp}/gomap-fidelity-go
#
# Nothing is written into $HOME and no network access is attempted: the probe
# uses only the standard library (GOPROXY=off, GOFLAGS=-mod=mod is not needed).
set -eu

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
    echo "usage: $0 OUTPUT_FILE [GO_EXECUTABLE] [WORK_DIR]" >&2
    exit 2
fi

out=$1
gobin=${2:-${GO:-}}
work=${3:-${TMPDIR:-/tmp}/gomap-fidelity-go}
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
src=$here/go

if [ -z "$gobin" ]; then
    if command -v go >/dev/null 2>&1; then
        gobin=$(command -v go)
    elif [ -x /usr/lib/go-1.19/bin/go ]; then
        gobin=/usr/lib/go-1.19/bin/go
    fi
fi
if [ -z "$gobin" ] || ! "$gobin" version >/dev/null 2>&1; then
    echo "run_go.sh: error: the Go toolchain was not found (looked for \$GO, 'go' on PATH" \
         "and /usr/lib/go-1.19/bin/go). Install Go 1.18-1.23 (e.g. apt-get install golang-go)" \
         "or pass its path as the second argument." >&2
    exit 1
fi

mkdir -p "$work/gocache" "$work/gopath" "$work/bin" "$(dirname -- "$out")"
work=$(CDPATH= cd -- "$work" && pwd)

# A hermetic environment: caches under WORK_DIR, no user go env file, no
# module downloads, no toolchain switching, no cgo (no C compiler needed).
GOCACHE=$work/gocache
GOPATH=$work/gopath
GOMODCACHE=$work/gopath/pkg/mod
GOENV=off
GOFLAGS=
GOPROXY=off
GOTOOLCHAIN=local
GO111MODULE=on
GOWORK=off
CGO_ENABLED=0
export GOCACHE GOPATH GOMODCACHE GOENV GOFLAGS GOPROXY GOTOOLCHAIN GO111MODULE GOWORK CGO_ENABLED

(cd "$src" && "$gobin" build -o "$work/bin/gomapfidelity" .) || {
    echo "run_go.sh: error: building the Go probe in $src with $gobin failed" >&2
    exit 1
}

tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
"$work/bin/gomapfidelity" >"$tmp" || {
    echo "run_go.sh: error: the Go probe failed" >&2
    exit 1
}
# A complete run ends with the big-map facts.
if ! grep -q '^btraj_final ' "$tmp" || ! grep -q '^bigbytes ' "$tmp"; then
    echo "run_go.sh: error: the Go probe's output is incomplete" >&2
    exit 1
fi
mv -f "$tmp" "$out"
trap - EXIT
echo "run_go.sh: wrote $(wc -l <"$out") Go facts to $out ($("$gobin" version))"
