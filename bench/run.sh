#!/usr/bin/env bash
# Side-by-side benchmarks (one run, same machine): roost vs tini and dumb-init
# as a supervisor, roost's own start-up work, roost cert ensure vs openssl, and
# template rendering vs handlebars.js and handlebars-rust. Needs: hyperfine
# tini dumb-init openssl node handlebars (Debian packages) and a release build;
# the handlebars-rust column only when HBS_RUST_BENCH names an already built
# harness (not in this repository, see BENCHMARKS.md):
#   swift build -c release && [HBS_RUST_BENCH=/path/to/hbs-rust-bench] bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOST=${ROOST:-$PWD/.build/release/roost}
# The container image ships the fully static build (no dynamic loading of the
# Swift runtime); build it with:
#   swift build -c release -Xswiftc -static-executable --product roost --scratch-path .build-static
STATIC=$PWD/.build-static/release/roost
work=$(mktemp -d)
chmod 755 "$work"   # the service runs as the package's user, who must reach it
trap 'rm -rf "$work"' EXIT
for tool in hyperfine tini dumb-init openssl node; do command -v $tool >/dev/null || { echo "missing $tool"; exit 1; }; done

# A package whose service is /bin/true, and one whose service sleeps.
mk() { mkdir -p "$work/$1/hooks"; printf 'pkg_name=%s\npkg_origin=bench\npkg_version=1.0.0\n' "$1" > "$work/$1/plan.sh"; printf '#!/bin/sh\nexec %s\n' "$2" > "$work/$1/hooks/run"; chmod +x "$work/$1/hooks/run"; }
mk truepkg /bin/true
mk sleeppkg "sleep 300"

echo "## start and reap /bin/true"
static_cmd=()
[ -x "$STATIC" ] && static_cmd=("$STATIC start $work/truepkg --svc-root $work/svc --user-root $work/user --restart never")
hyperfine -N --warmup 10 --runs 200 --export-markdown "$work/start.md" \
  "$ROOST start $work/truepkg --svc-root $work/svc --user-root $work/user --restart never" "${static_cmd[@]}" \
  "tini -s -- /bin/true" "dumb-init /bin/true" "/bin/true" >/dev/null
cat "$work/start.md"

echo; echo "## roost's own start-up work (package, config layers, all templates) on the bundled example"
# `--version` is the floor: exec, the Swift runtime and argument parsing.
own=("$ROOST --version" "$ROOST render . --check" "$ROOST config show .")
[ -x "$STATIC" ] && own+=("$STATIC --version" "$STATIC render . --check" "$STATIC config show .")
hyperfine -N --warmup 10 --runs 200 --export-markdown "$work/own.md" "${own[@]}" >/dev/null 2>&1
cat "$work/own.md"

echo; echo "## idle RSS while supervising sleep (kB: VmRSS, of which private RssAnon)"
rss() { awk '/^VmRSS/ {r=$2} /^RssAnon/ {a=$2} END {print r " (" a ")"}' /proc/$1/status; }
"$ROOST" start "$work/sleeppkg" --svc-root "$work/svc" --user-root "$work/user" >/dev/null 2>&1 & R=$!
S=""; [ -x "$STATIC" ] && { "$STATIC" start "$work/sleeppkg" --svc-root "$work/svc-static" --user-root "$work/user" >/dev/null 2>&1 & S=$!; }
tini -s -- sleep 300 & T=$!
dumb-init sleep 300 & D=$!
sleep 2
echo "roost $(rss $R)   roost (static) $([ -n "$S" ] && rss $S)   tini $(rss $T)   dumb-init $(rss $D)"
kill -TERM $R $T $D $S; wait $R $T $D $S 2>/dev/null || true

echo; echo "## SIGTERM to child exit (median of 30, ms)"
python3 - "$ROOST" "$work" "$STATIC" <<'PY'
import subprocess, sys, time, statistics, os, signal, shutil
roost, work, static = sys.argv[1], sys.argv[2], sys.argv[3]
cmds = {
  "roost": [roost, "start", f"{work}/sleeppkg", "--svc-root", f"{work}/svc", "--user-root", f"{work}/user"],
  "roost (static)": [static, "start", f"{work}/sleeppkg", "--svc-root", f"{work}/svc", "--user-root", f"{work}/user"],
  "tini": ["tini", "-s", "--", "sleep", "300"],
  "dumb-init": ["dumb-init", "sleep", "300"],
}
for name, cmd in cmds.items():
    if shutil.which(cmd[0]) is None:   # no static build
        continue
    times = []
    for _ in range(30):
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # wait until the child (sleep) exists
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                kids = open(f"/proc/{p.pid}/task/{p.pid}/children").read().split()
            except FileNotFoundError:
                kids = []
            if kids and "sleep" in open(f"/proc/{kids[0]}/cmdline").read(): break
            time.sleep(0.005)
        time.sleep(0.05)
        t0 = time.perf_counter(); p.send_signal(signal.SIGTERM); p.wait()
        times.append((time.perf_counter() - t0) * 1000)
    print(f"{name:15s} {statistics.median(times):.2f} ms (exit {p.returncode})")
PY

echo; echo "## certificate: roost cert ensure vs openssl req (RSA-2048, self-signed)"
hyperfine -N --warmup 3 --runs 30 \
  --prepare "rm -f $work/c.pem $work/k.pem" "$ROOST cert ensure --cert $work/c.pem --key $work/k.pem --subject /C=US/O=bench/CN=localhost --san DNS:localhost" \
  --prepare "rm -f $work/oc.pem $work/ok.pem" "openssl req -newkey rsa:2048 -nodes -x509 -days 3650 -subj /C=US/O=bench/CN=localhost -keyout $work/ok.pem -out $work/oc.pem" \
  2>/dev/null | grep -E "Time|±|Benchmark" | head -8
"$ROOST" cert ensure --cert "$work/c.pem" --key "$work/k.pem" >/dev/null
hyperfine -N --warmup 5 --runs 100 "$ROOST cert ensure --cert $work/c.pem --key $work/k.pem" 2>/dev/null | grep -E "Time|Benchmark" | head -3

echo; echo "## template rendering, whole core-plans corpus, parsed once, 400 rounds; 5 runs, interleaved"
# roost, handlebars.js and, when HBS_RUST_BENCH names an already built
# handlebars-rust harness (`hbs-rust-bench CORPUS_DIR ROUNDS`), handlebars-rust.
# A shared VM's speed drifts: alternate the engines and compare medians.
HBS_RUST=${HBS_RUST_BENCH:-}
if [ -n "$HBS_RUST" ] && [ ! -x "$HBS_RUST" ]; then echo "HBS_RUST_BENCH=$HBS_RUST is not an executable"; exit 1; fi
[ -n "$HBS_RUST" ] || echo "handlebars-rust left out: set HBS_RUST_BENCH to an already built harness to include it"
for i in 1 2 3 4 5; do
  .build/release/roost-bench render ../shared/corpus/core-plans 400
  node bench/hbs-bench.js ../shared/corpus/core-plans 400
  if [ -n "$HBS_RUST" ]; then "$HBS_RUST" ../shared/corpus/core-plans 400 2>/dev/null; fi
done | tee "$work/render.txt"
python3 - "$work/render.txt" <<'PY'
import re, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    m = re.match(r"(.+?)(?: [0-9.]+)?( \(Habitat's call\))?: .* (\d+) renders/s", line)
    if m: rates.setdefault(m.group(1) + (m.group(2) or ""), []).append(int(m.group(3)))
r = statistics.median(rates["roost"])
print(f"median renders/s: roost {r:.0f}")
for name, values in rates.items():
    if name == "roost": continue
    ratios = [a / b for a, b in zip(rates["roost"], values)]
    print(f"  {name}: {statistics.median(values):.0f}; roost is {r / statistics.median(values):.2f}x (per run {min(ratios):.2f}x to {max(ratios):.2f}x)")
PY
