#!/usr/bin/env bash
# Builds the fully static, stripped release roost that the container image
# ships, and prints the path of the binary (build output goes to stderr).
# The one place for its flags: scripts/test.sh, bench/run.sh and the
# Dockerfile all build it this way.
#   -static-executable   no dynamic loading of the Swift runtime or libc
#   --gc-sections        drop unreferenced code and data sections
#   -use-ld=lld, -function-sections, --symbol-ordering-file
#                        every function in a section of its own, and the
#                        functions and data a start touches placed side by
#                        side (scripts/start-order.txt, made by
#                        scripts/start-order.sh): a start takes about 75
#                        page faults fewer (BENCHMARKS.md, "Start")
#   -s                   no symbol tables (55 MB → see BENCHMARKS.md);
#                        KEEP_SYMBOLS=1 keeps them (for profilers)
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${SCRATCH_PATH:-.build-static}
strip=(-Xlinker -s)
[ "${KEEP_SYMBOLS:-}" = 1 ] && strip=()
swift build -c release --product roost --scratch-path "$scratch" \
  -Xswiftc -static-executable -Xswiftc -use-ld=lld -Xswiftc -Xfrontend -Xswiftc -function-sections \
  -Xlinker --gc-sections \
  -Xlinker --symbol-ordering-file="$PWD/scripts/start-order.txt" -Xlinker --no-warn-symbol-ordering \
  "${strip[@]}" "$@" >&2
echo "$PWD/$scratch/release/roost"
