#!/usr/bin/env bash
# Regenerates scripts/start-order.txt, the functions and data that a start of
# roost touches, in the order it first touches them. scripts/build-static.sh
# has the linker place them side by side, so every start maps fewer pages of
# the 20 MB binary (BENCHMARKS.md, "Start").
#
# Run it (valgrind installed; as root the traced service runs as root too)
# after changes that rename much of what a start runs, and commit the result.
# An outdated list only costs speed: the linker skips the names it no longer
# finds.
#
# It traces, under valgrind's lackey, the commands a container runs most:
# `roost start` of a service whose run hook execs `true` (with its vfork
# child), the rendering of the bundled example's templates, `roost health`,
# and `roost cert ensure` on an existing certificate (the example's init hook).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "start-order.sh: needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
binary=$(KEEP_SYMBOLS=1 SCRATCH_PATH=.build-order scripts/build-static.sh -Xlinker -Map="$work/map")
# valgrind cannot read the DWARF Swift emits; the symbol table is enough.
strip --strip-debug -o "$work/roost" "$binary"
nm -S --defined-only "$work/roost" > "$work/symbols"

mkdir -p "$work/pkg/hooks"
printf 'pkg_name=order\npkg_origin=roost\npkg_version=1.0.0\npkg_svc_user=%s\npkg_svc_group=%s\n' \
  "$(id -un)" "$(id -gn)" > "$work/pkg/plan.sh"
printf '#!/bin/sh\nexec true\n' > "$work/pkg/hooks/run"
chmod +x "$work/pkg/hooks/run"

trace() { valgrind --tool=lackey --trace-mem=yes --log-file="$work/$1.%p" "${@:2}" >/dev/null 2>&1 || true; }
# A first start creates the service directories; the traced one finds them, as a restart does.
"$work/roost" start "$work/pkg" --svc-root "$work/svc" --user-root "$work/user" --restart never >/dev/null 2>&1
trace 1-start "$work/roost" start "$work/pkg" --svc-root "$work/svc" --user-root "$work/user" --restart never
# The bundled example's templates: what a real package's start adds (TOML, helpers).
trace 2-render "$work/roost" render . --check
trace 3-health "$work/roost" health order --svc-root "$work/svc"
cert=(cert ensure --cert "$work/cert.pem" --key "$work/key.pem" --subject /CN=order.test --key-type rsa --san DNS:order.test)
"$work/roost" "${cert[@]}" >/dev/null 2>&1
trace 4-cert "$work/roost" "${cert[@]}"

# The parent's trace before its vfork child's, then the other commands.
traces=$(cd "$work" && ls [0-9]-*.* | sort -t. -k1,1 -k2,2n | sed "s|^|$work/|")
python3 scripts/start-order.py "$work/symbols" "$work/map" $traces > scripts/start-order.txt
echo "scripts/start-order.txt: $(wc -l < scripts/start-order.txt) symbols"
