#!/usr/bin/env bash
# Mutation testing: each plausible bug in scripts/mutate/mutants.py is injected
# into a copy of the sources (build/mutate), the test suite is built and run,
# and some test must fail. Prints the score; exit 0 only if every mutant dies.
# Takes about 3-4 minutes per mutant on 2 cores. Options: --list, --only NAME, --keep.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec python3 scripts/mutate/run.py "$@"
