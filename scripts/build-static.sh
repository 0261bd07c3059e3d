#!/usr/bin/env bash
# Builds the fully static, stripped release roost that the container image
# ships, and prints the path of the binary (build output goes to stderr).
# The one place for its flags: scripts/test.sh, bench/run.sh and the
# Dockerfile all build it this way.
#   -static-executable   no dynamic loading of the Swift runtime or libc
#   --gc-sections        drop unreferenced code and data sections
#   -s                   no symbol tables (55 MB → see BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${SCRATCH_PATH:-.build-static}
swift build -c release --product roost --scratch-path "$scratch" \
  -Xswiftc -static-executable -Xlinker --gc-sections -Xlinker -s "$@" >&2
echo "$PWD/$scratch/release/roost"
