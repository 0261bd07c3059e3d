#!/usr/bin/env bash
# The image as users get it: podman builds the project's Dockerfile and runs
# the container the way the README says, with a real engine. Only the Swift
# build stage is swapped for the static roost already built by the caller
# (--build-context roost-binary=DIR); the runtime stage is the one users get.
#
#   scripts/container-test.sh .build-static/release/roost
#
# No registry is reachable here, so the base image `debian:bookworm-slim` is
# made once from Debian's archive (mmdebstrap, then `podman import`) and
# reused while it exists. Prints one PASS/FAIL line per check; exits 1 if any
# check failed.
set -uo pipefail
cd "$(dirname "$0")/.."
binary=${1:?usage: scripts/container-test.sh STATIC_ROOST_BINARY}
[ -x "$binary" ] || { echo "container test: $binary is not an executable"; exit 1; }

need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
  echo "== installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/roost-container-test.XXXXXX)
# Rootful podman on these machines: root lacks CAP_SYS_RESOURCE (podman's
# default ulimits fail), crun refuses the hybrid cgroup layout, no systemd.
cat > "$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF="$work/containers.conf"

image=localhost/roost-test/tls-front
prefix=roost-test
failures=0
passes=0
pass() { echo "PASS $*"; passes=$((passes + 1)); }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
cleanup_containers() { podman rm -f -t 0 $(podman ps -aq --filter "name=^$prefix-") >/dev/null 2>&1; true; }
cleanup() {
  cleanup_containers
  podman volume rm -f $prefix-data $prefix-ro-data >/dev/null 2>&1
  podman volume prune -f >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
cleanup_containers

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits until the example answers https://127.0.0.1:PORT/healthz (60 s at most).
wait_serving() {
  local port=$1 name=$2
  for _ in $(seq 600); do
    [ "$(curl -sk --max-time 2 "https://127.0.0.1:$port/healthz" 2>/dev/null)" = "ok" ] && return 0
    [ "$(podman inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = "true" ] || return 1
    sleep 0.1
  done
  return 1
}
fingerprint() { podman exec "$1" cat /hab/svc/tls-front/data/cert.pem | openssl x509 -noout -fingerprint -sha256; }
exit_code() { podman inspect -f '{{.State.ExitCode}}' "$1"; }
# `podman stop NAME` (SIGTERM, SIGKILL after 10 s), then the container's exit code.
stop_code() { podman stop "$1" >/dev/null 2>&1; exit_code "$1"; }
# The engine's health check, called by hand (no systemd timers here): true
# once `podman healthcheck run NAME` passes, within SECONDS.
healthy_within() {
  for _ in $(seq $(($2 * 10))); do podman healthcheck run "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
# Seconds with millisecond precision, for elapsed times.
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.1f}')"; }
zombies() { podman exec "$1" sh -c 'grep -l "^State:[[:space:]]*Z" /proc/[0-9]*/status 2>/dev/null | wc -l'; }
# The capabilities roost needs as root: chown the service's directories to
# it (CHOWN), write into them (DAC_OVERRIDE), switch to it (SETUID, SETGID)
# and signal it (KILL). Everything else is dropped.
hardened=(--cap-drop ALL --cap-add CHOWN --cap-add DAC_OVERRIDE --cap-add SETUID --cap-add SETGID --cap-add KILL
          --security-opt no-new-privileges)

echo "== base image debian:bookworm-slim"
if podman image exists docker.io/library/debian:bookworm-slim; then
  echo "reusing the local debian:bookworm-slim"
else
  echo "making it from Debian's archive with mmdebstrap (about 2 minutes, once)"
  if ! mmdebstrap --quiet --variant=minbase --include=ca-certificates \
         --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
         --dpkgopt='path-exclude=/usr/share/locale/*' bookworm "$work/base.tar" \
     || ! podman import -q "$work/base.tar" docker.io/library/debian:bookworm-slim >/dev/null; then
    echo "FAIL cannot make the base image"; exit 1
  fi
  rm -f "$work/base.tar"
fi

echo "== podman build (runtime stage from the Dockerfile, roost from $binary)"
mkdir "$work/roost-binary"
cp "$binary" "$work/roost-binary/roost"
strip "$work/roost-binary/roost" 2>/dev/null || true
if podman build -q --format docker --pull=never --build-context roost-binary="$work/roost-binary" -t "$image" . >"$work/build.log" 2>&1; then
  size() { podman image inspect -f '{{.Size}}' "$1" | awk '{printf "%.1f MB", $1/1e6}'; }
  pass "the image builds from the Dockerfile: $(size "$image"), of which the base $(size docker.io/library/debian:bookworm-slim) and roost $(stat -c %s "$work/roost-binary/roost" | awk '{printf "%.1f MB", $1/1e6}')"
else
  tail -20 "$work/build.log"; fail "the image builds from the Dockerfile"; exit 1
fi

echo "== docker run -p 8443:8443 -v tls-front-data:/hab/svc/tls-front/data tls-front (as the README says)"
port=$(free_port)
podman volume rm -f $prefix-data >/dev/null 2>&1
start=$(now)
podman run -d --name $prefix-named -p "127.0.0.1:$port:8443" -v $prefix-data:/hab/svc/tls-front/data "$image" 2>/dev/null >/dev/null
if wait_serving "$port" $prefix-named; then
  served=$(now)
  pass "on a fresh named volume: curl -k gets the page ($(elapsed "$start" "$served") s after run)"
  healthy=""
  healthy_within $prefix-named 10 && healthy=$(now)
  if [ -n "$healthy" ] && python3 -c "import sys; sys.exit(0 if $healthy - $served < 5 else 1)"; then
    pass "podman healthcheck run: healthy $(elapsed "$served" "$healthy") s after the service first answered ($(elapsed "$start" "$healthy") s after run)"
  else
    fail "podman healthcheck run: not healthy within 5 s of the service answering"; podman logs $prefix-named 2>&1 | tail -5
  fi
else
  fail "on a fresh named volume: the page is not served"; podman logs $prefix-named 2>&1 | tail -10
fi

first=$(fingerprint $prefix-named)
old_master=$(podman exec $prefix-named cat /hab/svc/tls-front/var/nginx.pid)
before=$(podman logs $prefix-named 2>&1 | grep -c "reconfigured" || true)
podman exec $prefix-named sh -c 'mkdir -p /hab/user/tls-front/config && echo "worker_processes = 2" > /hab/user/tls-front/config/user.toml'
podman kill -s HUP $prefix-named >/dev/null
reloaded=""
for _ in $(seq 100); do
  [ "$(podman logs $prefix-named 2>&1 | grep -c "reconfigured" || true)" -gt "$before" ] && { reloaded=yes; break; }
  sleep 0.1
done
new_master=$(podman exec $prefix-named cat /hab/svc/tls-front/var/nginx.pid)
if [ -n "$reloaded" ] && [ "$old_master" = "$new_master" ] \
   && podman exec $prefix-named grep -q '^worker_processes 2;' /hab/svc/tls-front/config/nginx.conf && wait_serving "$port" $prefix-named; then
  pass "user.toml edit + kill -s HUP: re-rendered and reconfigured without restarting nginx (master pid $new_master kept)"
else
  fail "kill -s HUP: reconfigured '$reloaded', nginx master $old_master -> $new_master"; podman logs $prefix-named 2>&1 | tail -5
fi

podman rm -f -t 0 $prefix-named >/dev/null 2>&1
podman run -d --name $prefix-again -p "127.0.0.1:$port:8443" -v $prefix-data:/hab/svc/tls-front/data "$image" >/dev/null 2>&1
if wait_serving "$port" $prefix-again && [ -n "$first" ] && [ "$(fingerprint $prefix-again)" = "$first" ]; then
  pass "rm -f and a new container on the same volume: the certificate is reused ($first)"
else
  fail "the certificate changed or the new container does not serve: '$first' vs '$(fingerprint $prefix-again 2>/dev/null)'"
fi

# A request in flight: a TLS client that has sent half a request and waits.
# nginx drains it for shutdown_grace, roost's shutdown timeout is shorter
# than the engine's 10 s, so roost and the service end the stop, with 0.
(printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n'; sleep 30) \
  | timeout 40 openssl s_client -quiet -connect "127.0.0.1:$port" >/dev/null 2>&1 &
client=$!
sleep 1
start=$(now)
code=$(stop_code $prefix-again)
took=$(elapsed "$start" "$(now)")
kill $client 2>/dev/null; wait $client 2>/dev/null
if [ "$code" = "0" ] && python3 -c "import sys; sys.exit(0 if $took < 10 else 1)"; then
  pass "podman stop with a request in flight: exit 0 after $took s (the engine waits 10 s)"
else
  fail "podman stop with a request in flight: exit $code after $took s"; podman logs $prefix-again 2>&1 | tail -5
fi

echo "== docker run -p 8443:8443 tls-front (anonymous volume)"
port=$(free_port)
podman run -d --name $prefix-anon -p "127.0.0.1:$port:8443" -e 'HAB_TLS_FRONT=worker_processes = 3' \
  "$image" /hab/plans/tls-front --health-interval 1 >/dev/null 2>&1
if wait_serving "$port" $prefix-anon; then
  pass "on an anonymous volume: curl -k gets the page"
else
  fail "on an anonymous volume: the page is not served"; podman logs $prefix-anon 2>&1 | tail -10
fi
if podman exec $prefix-anon grep -q '^worker_processes 3;' /hab/svc/tls-front/config/nginx.conf; then
  pass "HAB_TLS_FRONT='worker_processes = 3' reaches nginx.conf"
else
  fail "HAB_TLS_FRONT does not reach nginx.conf"
fi
# A minute of health checks every second: roost's own (--health-interval 1,
# each a curl) and the engine's (`roost health` run by podman exec).
for _ in $(seq 60); do podman healthcheck run $prefix-anon >/dev/null 2>&1; sleep 1; done
left=$(zombies $prefix-anon)
if [ "$left" = "0" ] && [ "$(podman inspect -f '{{.State.Health.Status}}' $prefix-anon)" = "healthy" ]; then
  pass "no zombie after a minute of health checks every second (healthy; processes: $(podman exec $prefix-anon sh -c 'ls -d /proc/[0-9]* | wc -l'))"
else
  fail "after a minute of health checks: $left zombies, health $(podman inspect -f '{{.State.Health.Status}}' $prefix-anon)"
fi
code=$(stop_code $prefix-anon)
[ "$code" = "0" ] && pass "podman stop: exit 0" || fail "podman stop: exit $code"

echo "== bad configuration"
out=$(podman run --rm --name $prefix-bad -e 'HAB_TLS_FRONT=port = 84 43' "$image" 2>&1)
code=$?
if [ "$code" = "78" ] && grep -qE 'HAB_TLS_FRONT:1:[0-9]+' <<<"$out"; then
  pass "a bad HAB_TLS_FRONT exits 78 naming line and column: $(grep -m1 -E 'HAB_TLS_FRONT:1:' <<<"$out")"
else
  fail "a bad HAB_TLS_FRONT: exit $code: $out"
fi

echo "== hardened: --read-only, --tmpfs /hab/svc/tls-front:exec, --cap-drop ALL + ${hardened[*]:2:10}"
port=$(free_port)
podman volume rm -f $prefix-ro-data >/dev/null 2>&1
podman run -d --name $prefix-ro --read-only --tmpfs /hab/svc/tls-front:exec,mode=0755 "${hardened[@]}" \
  -p "127.0.0.1:$port:8443" -v $prefix-ro-data:/hab/svc/tls-front/data "$image" >/dev/null 2>&1
if wait_serving "$port" $prefix-ro && healthy_within $prefix-ro 5; then
  code=$(stop_code $prefix-ro)
  [ "$code" = "0" ] && pass "read-only root, minimal capabilities: serves, healthy, stops with 0" \
    || fail "read-only root: stop exited $code"
else
  fail "read-only root with the documented tmpfs does not serve"; podman logs $prefix-ro 2>&1 | tail -10
fi

port=$(free_port)
if ! podman build -q --format docker --pull=never --build-context roost-binary="$work/roost-binary" \
       --target service-user -t "$image-service-user" . >"$work/build-user.log" 2>&1; then
  tail -5 "$work/build-user.log"; fail "the service-user target builds"
fi
podman run -d --name $prefix-user --read-only --cap-drop ALL --security-opt no-new-privileges \
  -p "127.0.0.1:$port:8443" "$image-service-user" >/dev/null 2>&1
if wait_serving "$port" $prefix-user && [ "$(podman exec $prefix-user sh -c 'stat -c %U /proc/1')" = "hab" ] \
   && healthy_within $prefix-user 5; then
  code=$(stop_code $prefix-user)
  [ "$code" = "0" ] && pass "--target service-user: PID 1 is hab, no capability, read-only root: serves, healthy, stops with 0" \
    || fail "as the service user: stop exited $code"
else
  fail "as the service user: does not serve"; podman logs $prefix-user 2>&1 | tail -10
fi

# Docker's --tmpfs is noexec by default; say it explicitly for podman's.
# (--restart never: the init hook would fail the same way on each retry.)
out=$(podman run --rm --name $prefix-noexec --read-only --tmpfs /hab/svc/tls-front:rw,noexec,mode=0755 \
        "$image" /hab/plans/tls-front --restart never 2>&1)
code=$?
if [ "$code" != "0" ] && grep -q "/hab/svc/tls-front is mounted noexec" <<<"$out"; then
  pass "--tmpfs /hab/svc/tls-front without :exec: exit $code, and the error names the mount: $(grep -m1 -o '/hab/svc/tls-front is mounted noexec[^)]*' <<<"$out")"
else
  fail "--tmpfs /hab/svc/tls-front without :exec: exit $code: $(tail -3 <<<"$out")"
fi

echo "container test: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
