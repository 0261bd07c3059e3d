#!/usr/bin/env bash
# Side-by-side benchmarks (one run, same machine): roost vs tini and dumb-init
# as a supervisor (start, idle memory, SIGTERM to exit), change-to-reconfigure,
# roost's own start-up work, roost cert ensure vs openssl, and template
# rendering vs handlebars.js and handlebars-rust. Needs: hyperfine tini
# dumb-init openssl node handlebars linux-perf (Debian packages; valgrind
# too for instruction counts, when installed), the static binary the image
# ships and a release build; the handlebars-rust column only
# when HBS_RUST_BENCH names an already built harness (not in this repository,
# see BENCHMARKS.md):
#   scripts/build-static.sh && swift build -c release && [HBS_RUST_BENCH=/path/to/hbs-rust-bench] bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOST=${ROOST:-$PWD/.build/release/roost}
# The fully static, stripped binary (scripts/build-static.sh holds its flags).
STATIC=${STATIC:-$PWD/.build-static/release/roost}
work=$(mktemp -d)
chmod 755 "$work"   # the service runs as the package's user, who must reach it
trap 'rm -rf "$work"' EXIT
for tool in hyperfine tini dumb-init openssl node perf; do command -v $tool >/dev/null || { echo "missing $tool"; exit 1; }; done
[ -x "$STATIC" ] || { echo "no static build: run scripts/build-static.sh"; exit 1; }
DYNAMIC=(); [ -x "$ROOST" ] && DYNAMIC=("$ROOST")

# A package whose service is /bin/true, and one whose service sleeps; both run
# as nobody (roost runs them as the package's user when it is root).
mk() { mkdir -p "$work/$1/hooks"; printf 'pkg_name=%s\npkg_origin=bench\npkg_version=1.0.0\npkg_svc_user=nobody\npkg_svc_group=nogroup\n' "$1" > "$work/$1/plan.sh"; printf '#!/bin/sh\nexec %s\n' "$2" > "$work/$1/hooks/run"; chmod +x "$work/$1/hooks/run"; }
mk truepkg /bin/true
mk sleeppkg "sleep 300"
start_args() { echo "start $work/$1 --svc-root $work/svc --user-root $work/user"; }

echo "## start and reap /bin/true (7 alternated rounds of hyperfine, 100 runs each; medians, ratio to tini per round)"
# The static binaries are timed from fresh copies: how a file's pages sit in
# the page cache (as written, or read back after being evicted under memory
# pressure) moved one and the same binary by 5 %, more than most changes.
cp "$STATIC" "$work/roost-static"
cmds=("$work/roost-static $(start_args truepkg) --restart never")
for r in "${DYNAMIC[@]}"; do cmds+=("$r $(start_args truepkg) --restart never"); done
# BASELINE=/path/to/an/older/roost puts that binary in the same rounds.
if [ -n "${BASELINE:-}" ]; then
  cp "$BASELINE" "$work/roost-baseline"
  cmds+=("$work/roost-baseline $(start_args truepkg) --restart never")
fi
# tini running the very run hook roost runs (a /bin/sh script that execs
# /bin/true): the same service for both, so the difference is the supervisor.
cmds+=("tini -s -- /bin/true" "dumb-init /bin/true" "tini -s -- $work/truepkg/hooks/run" "/bin/true")
# Rounds, not one long run: a shared VM drifts by a third from minute to
# minute, and alternating puts every command in the same conditions.
for round in 1 2 3 4 5 6 7; do
  hyperfine -N --warmup 10 --runs 100 --export-json "$work/start-$round.json" "${cmds[@]}" >/dev/null 2>&1
done
python3 - "$work" <<'PY'
import json, statistics, sys, glob
rounds = [json.load(open(f))["results"] for f in sorted(glob.glob(sys.argv[1] + "/start-*.json"))]
print("| command | median | vs tini (median of rounds) | range |\n| --- | ---: | ---: | ---: |")
for i, first in enumerate(rounds[0]):
    medians = [r[i]["median"] for r in rounds]
    ratios = [r[i]["median"] / next(x for x in r if x["command"].startswith("tini"))["median"] for r in rounds]
    name = first["command"].split(" --svc-root")[0].replace(sys.argv[1] + "/", "")
    print(f"| `{name}` | {statistics.median(medians)*1000:.2f} ms | {statistics.median(ratios):.2f}x | {min(ratios):.2f}x to {max(ratios):.2f}x |")
PY

echo
echo "## the same, every command once per iteration in random order (800 iterations; medians of wall time, ru_minflt of the whole command)"
# hyperfine runs one command's 100 runs in a block, so the VM's drift from
# minute to minute lands on some commands and not others; here every
# iteration runs each command once, in a new random order.
python3 - "$work" 800 "${cmds[@]}" <<'PY'
import os, sys, time, random, statistics, shlex
work, n, cmds = sys.argv[1], int(sys.argv[2]), [shlex.split(c) for c in sys.argv[3:]]
null = os.open("/dev/null", os.O_RDWR)
times, faults = [[] for _ in cmds], [[] for _ in cmds]
for i in range(n + 10):
    for k in random.sample(range(len(cmds)), len(cmds)):
        t = time.perf_counter()
        pid = os.posix_spawnp(cmds[k][0], cmds[k], os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
        _, _, usage = os.wait4(pid, 0)
        if i >= 10:
            times[k].append(time.perf_counter() - t)
            faults[k].append(usage.ru_minflt)
tini = statistics.median(times[next(k for k, c in enumerate(cmds) if c[0] == "tini")])
print("| command | median | vs tini | page faults |\n| --- | ---: | ---: | ---: |")
for c, t, f in zip(cmds, times, faults):
    name = shlex.join(c).split(" --svc-root")[0].replace(work + "/", "")
    print(f"| `{name}` | {statistics.median(t) * 1000:.2f} ms | {statistics.median(t) / tini:.2f}x | {statistics.median(f):.0f} |")
PY

echo; echo "## CPU time and page faults of the same (perf stat, 200 runs; alone: -i, the supervisor's process only)"
for c in "$STATIC $(start_args truepkg) --restart never" "tini -s -- /bin/true" "dumb-init /bin/true" "tini -s -- $work/truepkg/hooks/run"; do
  printf '%-28s ' "${c%% *}"; perf stat -r 200 -x, -e task-clock,page-faults $c 2>&1 >/dev/null | awk -F, '/task-clock/ {printf "%.2f ms CPU, ", $1} /page-faults/ {printf "%d faults", $1}'
  perf stat -r 200 -x, -i -e task-clock,page-faults $c 2>&1 >/dev/null | awk -F, '/task-clock/ {printf "; alone %.2f ms CPU, ", $1} /page-faults/ {printf "%d faults\n", $1}'
done 2>/dev/null

echo; echo "## roost's own start-up work (package, config layers, all templates) on the bundled example"
# `--version` is the floor: exec, the Swift runtime and argument parsing.
own=("$STATIC --version" "$STATIC render . --check" "$STATIC config show .")
for r in "${DYNAMIC[@]}"; do own+=("$r --version" "$r render . --check"); done
hyperfine -N --warmup 20 --runs 300 --export-markdown "$work/own.md" "${own[@]}" >/dev/null 2>&1
cat "$work/own.md"
# Instructions do not depend on the machine's load (this VM has no hardware
# counters, so callgrind counts them); the work is the difference.
if command -v valgrind >/dev/null; then
  for c in "--version" "render . --check"; do
    printf '%-18s ' "$c"; valgrind --tool=callgrind --callgrind-out-file=/dev/null "$STATIC" $c 2>&1 >/dev/null | awk '/Collected/ {print $4 " instructions"}'
  done
fi

echo; echo "## idle memory while supervising sleep 300 (kB from /proc/PID/status: VmRSS (private RssAnon / file RssFile)), over 120 s"
rss() { awk '/^VmRSS/ {r=$2} /^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {printf "%6d (%d/%d)", r, a, f}' /proc/$1/status; }
mk checkedpkg "sleep 300"; printf '#!/bin/sh\nexit 0\n' > "$work/checkedpkg/hooks/health-check"; chmod +x "$work/checkedpkg/hooks/health-check"
# Each roost from its own copy of the binary: the kernel does not page out
# pages another process maps too, as several roosts of one file would.
declare -A idle
n=0
for setting in "sleeppkg 30" "checkedpkg 30" "checkedpkg 5"; do
  set -- $setting; n=$((n + 1))
  cp "$STATIC" "$work/roost-$n"
  "$work/roost-$n" start "$work/$1" --svc-root "$work/svc-$n" --user-root "$work/user-$n" --health-interval $2 >/dev/null 2>&1 &
  idle["roost (static), $1 (health-check hook: $([ $1 = checkedpkg ] && echo yes || echo no)), --health-interval $2"]=$!
done
tini -s -- sleep 300 & idle[tini]=$!
dumb-init sleep 300 & idle[dumb-init]=$!
# Sampled every 0.5 s: a health check every 5 s brings pages back for about
# a second, and samples at fixed times would see only one phase of that.
declare -A samples
end=$(( $(date +%s) + 120 )); sleep 3
for k in "${!idle[@]}"; do samples[$k]="$(rss ${idle[$k]})"; done
while [ "$(date +%s)" -lt "$end" ]; do
  sleep 0.5
  for k in "${!idle[@]}"; do samples[$k]+=" $(awk '/^VmRSS/ {print $2}' /proc/${idle[$k]}/status)"; done
done
echo "| | 3 s | median, 3 to 120 s | highest | share of samples over 4,000 kB | at 120 s |"
for k in "${!idle[@]}"; do
  set -- ${samples[$k]}
  first="$1 $2"; shift 2
  printf '%s\n' "$@" | sort -n | awk -v k="$k" -v first="$first" -v last="$(rss ${idle[$k]})" \
    '{v[NR]=$1; if ($1 > 4000) over++} END {printf "| %s | %s | %d | %d | %d %% | %s |\n", k, first, v[int((NR+1)/2)], v[NR], 100*over/NR, last}'
done | sort
kill -TERM "${idle[@]}"; wait "${idle[@]}" 2>/dev/null || true
for c in "$STATIC $(start_args truepkg) --restart never" "tini -s -- /bin/true" "dumb-init /bin/true"; do
  printf '%-28s peak RSS ' "${c%% *}"; /usr/bin/time -v $c 2>&1 >/dev/null | awk '/Maximum resident/ {print $6 " kB"}'
done

echo; echo "## SIGTERM to exit while supervising sleep, 2 s after start (median of 20, ms)"
python3 - "$STATIC" "$work" <<'PY'
import subprocess, sys, time, statistics, signal
static, work = sys.argv[1], sys.argv[2]
cmds = {
  "roost (static)": [static, "start", f"{work}/sleeppkg", "--svc-root", f"{work}/svc", "--user-root", f"{work}/user"],
  "tini": ["tini", "-s", "--", "sleep", "300"],
  "dumb-init": ["dumb-init", "sleep", "300"],
}
medians = {}
for name, cmd in cmds.items():
    times = []
    for _ in range(20):
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 5
        while time.time() < deadline:   # until the child (sleep) runs
            try:
                kids = open(f"/proc/{p.pid}/task/{p.pid}/children").read().split()
            except FileNotFoundError:
                kids = []
            if kids and "sleep" in open(f"/proc/{kids[0]}/cmdline").read(): break
            time.sleep(0.005)
        time.sleep(2)   # a running container: roost's file watches are armed
        t0 = time.perf_counter(); p.send_signal(signal.SIGTERM); p.wait()
        times.append((time.perf_counter() - t0) * 1000)
    medians[name] = statistics.median(times)
    print(f"{name:15s} {medians[name]:.2f} ms (exit {p.returncode})")
for name in ("roost (static)", "dumb-init"):
    print(f"{name} / tini: {medians[name] / medians['tini']:.2f}x")
PY

echo; echo "## change to reconfigure: from the write to the reconfigure hook's start"
python3 bench/reconfigure-latency.py "$STATIC" "$work" 20

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
