#!/usr/bin/env bash
# Real Habitat packages, unchanged: core-plans' redis, memcached, nginx and
# haproxy (../shared/corpus/core-plans) installed the way `hab pkg build`
# installs them, with Debian's build of the same software behind their bin/,
# each run by `roost start` as PID 1 until it answers its own protocol, then
# stopped with SIGTERM. Every case runs twice: under --pkgs-root/--svc-root in
# a temporary folder, and under the default /hab (a private mount namespace).
#
#   scripts/real-packages-test.sh path/to/roost
#
# One PASS/FAIL line per check; exits non-zero when any check fails. Needs
# root (unshare); installs the Debian packages it uses when they are missing,
# and the `hab` user and group the packages run as (as scripts/test.sh does).
# For the /hab run it makes an empty /hab mount point when there is none and
# removes it afterwards; everything else lives in a temporary folder.
#
# The service's and hooks' PATH holds no system folder, so every program comes
# from the package's RUNTIME_PATH or the interpreter package, as under the
# Supervisor. Where a core-plans template misrenders under Habitat itself, the
# case says so and adapts through configuration (HAB_<PKG>) only.
set -uo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 path/to/roost (an executable roost binary)" >&2; exit 2
fi
roost=$(realpath "$1")
repo=$(cd "$(dirname "$0")/.." && pwd)
plans=${ROOST_CORE_PLANS:-$repo/../shared/corpus/core-plans}
if [ ! -d "$plans" ]; then
  echo "SKIP real packages: $plans is absent (../shared is not here)"; exit 0
fi
plans=$(cd "$plans" && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP real packages: needs root (unshare --pid, mount)"; exit 0
fi

# --- what the test uses ----------------------------------------------------
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
command -v memcached >/dev/null || need+=(memcached)
command -v nginx >/dev/null || need+=(nginx-light)
command -v haproxy >/dev/null || need+=(haproxy)
command -v curl >/dev/null || need+=(curl)
command -v ip >/dev/null || need+=(iproute2)
command -v nsenter >/dev/null || need+=(util-linux)
[ -x /bin/busybox ] || need+=(busybox-static)
# Habitat's core/busybox-static has chpst; Debian's busybox does not, runit's does.
command -v chpst >/dev/null || need+=(runit)
if [ "${#need[@]}" -gt 0 ]; then
  echo "== installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Supervisor refuses to start a service whose user is missing; so does roost.
getent group hab >/dev/null || groupadd --system hab
getent passwd hab >/dev/null || useradd --system --gid hab --no-create-home --shell /usr/sbin/nologin hab

failures=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
note() { echo "NOTE $*"; }

work=$(mktemp -d /tmp/roost-real-packages.XXXXXX)
chmod 755 "$work"
backend_pid=
made_hab_dir=
cleanup() {
  [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null
  [ -n "$made_hab_dir" ] && rmdir /hab 2>/dev/null
  if [ -n "${ROOST_KEEP_WORK:-}" ]; then echo "kept $work (ROOST_KEEP_WORK)"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# A TCP port nothing listens on, on any address (redis and nginx bind them all).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'
}

release=20240101000000

# install_dep PKGS ORIGIN/NAME: an installed package with no files but its
# metadata, standing in for a runtime dependency (core/glibc…).
install_dep() {
  local pkgs=$1 dep=$2
  local dir="$pkgs/$dep/0.0.0/$release"
  mkdir -p "$dir"
  echo "$dep/0.0.0/$release" > "$dir/IDENT"
  echo "x86_64-linux" > "$dir/TARGET"
}

# The interpreter package the Supervisor puts on every PATH: busybox's applets
# and chpst, each a link to this system's tool.
install_busybox_static() {
  local pkgs=$1 prefix_root=$2
  local rel="core/busybox-static/1.35.0/$release"
  mkdir -p "$pkgs/$rel/bin"
  for applet in $(/bin/busybox --list); do ln -sf /bin/busybox "$pkgs/$rel/bin/$applet"; done
  ln -sf "$(command -v chpst)" "$pkgs/$rel/bin/chpst"
  echo "$rel" > "$pkgs/$rel/IDENT"
  echo "x86_64-linux" > "$pkgs/$rel/TARGET"
  echo "$prefix_root/$rel/bin" > "$pkgs/$rel/PATH"
}

# install_plan NAME PKGS PREFIX_ROOT SVC_ROOT: lays out core/NAME as
# hab-plan-build's metadata and do_default_build_service write it. PKGS is
# where files go; PREFIX_ROOT and SVC_ROOT are the paths the package records
# (/hab/pkgs and /hab/svc for the /hab run). The plan is sourced as
# hab-plan-build sources it (its defaults set first), never changed.
# shellcheck disable=SC2034,SC2154  # the plan reads the pkg_svc_* paths and sets pkg_origin…
install_plan() (
  local plan=$1 pkgs=$2 prefix_root=$3 svc_root=$4
  local plan_dir="$plans/$plan"
  set +u
  declare -A pkg_exports=() pkg_binds=() pkg_binds_optional=()
  pkg_bin_dirs=(); pkg_deps=(); pkg_exposes=(); pkg_svc_run=''
  pkg_svc_user=hab
  pkg_svc_group=$pkg_svc_user
  pkg_svc_path="$svc_root/@__pkg_name__@"
  pkg_svc_data_path="$pkg_svc_path/data"
  pkg_svc_files_path="$pkg_svc_path/files"
  pkg_svc_var_path="$pkg_svc_path/var"
  pkg_svc_config_path="$pkg_svc_path/config"
  pkg_svc_config_install_path="$pkg_svc_path/config_install"
  pkg_svc_static_path="$pkg_svc_path/static"
  # shellcheck disable=SC1091
  source "$plan_dir/plan.sh"
  pkg_svc_run="${pkg_svc_run//@__pkg_name__@/$pkg_name}"
  pkg_svc_path="$svc_root/$pkg_name"
  pkg_svc_data_path="$pkg_svc_path/data"

  local ident="$pkg_origin/$pkg_name/$pkg_version/$release"
  local dir="$pkgs/$ident" prefix="$prefix_root/$ident"
  mkdir -p "$dir"
  [ -f "$plan_dir/default.toml" ] && cp "$plan_dir/default.toml" "$dir/"
  [ -d "$plan_dir/config" ] && cp -r "$plan_dir/config" "$dir/"
  [ -d "$plan_dir/hooks" ] && cp -r "$plan_dir/hooks" "$dir/"

  # Debian's build behind the package's bin dirs.
  local program
  case $plan in
    redis) program=redis-server ;;
    *) program=$plan ;;
  esac
  local paths=() d
  for d in "${pkg_bin_dirs[@]}"; do
    mkdir -p "$dir/$d"
    ln -sf "$(command -v "$program")" "$dir/$d/$program"
    paths+=("$prefix/$d")
  done
  local runtime_path
  runtime_path=$(IFS=:; echo "${paths[*]}")

  echo "$ident" > "$dir/IDENT"
  echo "x86_64-linux" > "$dir/TARGET"
  [ -n "$runtime_path" ] && echo "$runtime_path" > "$dir/PATH"
  [ -n "$runtime_path" ] && echo "$runtime_path" > "$dir/RUNTIME_PATH"
  # Kept for Habitat releases before 0.56, which read PATH from here.
  [ -n "$runtime_path" ] && echo "PATH=$runtime_path" > "$dir/RUNTIME_ENVIRONMENT"
  local k
  for k in "${!pkg_exports[@]}"; do echo "$k=${pkg_exports[$k]}"; done > "$dir/EXPORTS"
  for k in "${!pkg_binds[@]}"; do echo "$k=${pkg_binds[$k]}"; done > "$dir/BINDS"
  for k in "${!pkg_binds_optional[@]}"; do echo "$k=${pkg_binds_optional[$k]}"; done > "$dir/BINDS_OPTIONAL"
  local f; for f in EXPORTS BINDS BINDS_OPTIONAL; do [ -s "$dir/$f" ] || rm -f "$dir/$f"; done
  if [ "${#pkg_exposes[@]}" -gt 0 ]; then
    local keys=()
    for k in "${pkg_exposes[@]}"; do keys+=("${pkg_exports[$k]}"); done
    python3 - "$dir/default.toml" "${keys[@]}" > "$dir/EXPOSES" <<'EOF'
import sys, tomllib
cfg = tomllib.load(open(sys.argv[1], "rb"))
ports = []
for key in sys.argv[2:]:
    v = cfg
    for part in key.split("."):
        v = v[part]
    ports.append(str(v))
print(" ".join(ports))
EOF
  fi
  local deps=()
  for d in "${pkg_deps[@]}"; do
    install_dep "$pkgs" "$d"
    deps+=("$d/0.0.0/$release")
  done
  if [ "${#deps[@]}" -gt 0 ]; then
    printf '%s\n' "${deps[@]}" > "$dir/DEPS"
    printf '%s\n' "${deps[@]}" > "$dir/TDEPS"
  fi
  [ -n "${pkg_shutdown_signal:-}" ] && echo "$pkg_shutdown_signal" > "$dir/SHUTDOWN_SIGNAL"
  [ -n "${pkg_shutdown_timeout_sec:-}" ] && echo "$pkg_shutdown_timeout_sec" > "$dir/SHUTDOWN_TIMEOUT"
  if [ -f "$plan_dir/hooks/run" ] || [ -n "$pkg_svc_run" ]; then
    echo "$pkg_svc_user" > "$dir/SVC_USER"
    echo "$pkg_svc_group" > "$dir/SVC_GROUP"
  fi
  # do_default_build_service, verbatim in what it writes.
  if [ ! -f "$plan_dir/hooks/run" ] && [ -n "$pkg_svc_run" ]; then
    cat <<EOT >> "$dir/run"
#!/bin/sh
export HOME=$pkg_svc_data_path
cd $pkg_svc_path

if [ "\$(whoami)" = "root" ]; then
  exec chpst \\
    -U ${pkg_svc_user}:${pkg_svc_group} \\
    -u ${pkg_svc_user}:${pkg_svc_group} \\
    ${pkg_svc_run} 2>&1
else
  exec ${pkg_svc_run} 2>&1
fi
EOT
    chmod 755 "$dir/run"
  fi
)

# --- one service -------------------------------------------------------------
# Globals a case sets before `run_case`: name, env_cfg (HAB_<PKG> TOML), netns
# (1: a private network namespace), extra_args, and the functions
# `answers` (exit 0 once the service answers) and `check_setting`.
upid=
roost_pid=
in_ns() { if [ "$netns" = 1 ]; then nsenter -t "$upid" -n "$@"; else "$@"; fi; }

# Host pids of every process in the PID namespace whose PID 1 is $1.
namespace_pids() {
  local ns
  ns=$(readlink "/proc/$1/ns/pid") || return 0
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
  done
}

# The users that processes named $1 in roost's PID namespace run as, and how
# many there are (a host's own redis or nginx does not count).
ns_processes() {
  local p
  for p in $(namespace_pids "$roost_pid"); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] && ps -o user=,args= -p "$p"
  done
}

run_case() {
  local mode=$1   # root | hab
  local label="$name ($mode)"
  local base="$work/$name-$mode" pkgs prefix_root svc_root args=()
  mkdir -p "$base"
  if [ "$mode" = root ]; then
    # As if built with HAB_ROOT_PATH in the temporary folder: the paths the
    # package records (RUNTIME_PATH, the run file's cd) are that folder's.
    pkgs="$base/pkgs"; prefix_root=$pkgs; svc_root="$base/svc"
    args=(--pkgs-root "$pkgs" --svc-root "$svc_root" --user-root "$base/user")
  else
    pkgs="$base/hab/pkgs"; prefix_root=/hab/pkgs; svc_root=/hab/svc
    mkdir -p "$base/hab/svc"
  fi
  [ -n "$adapted" ] && note "$label: $adapted"
  install_busybox_static "$pkgs" "$prefix_root"
  install_plan "$name" "$pkgs" "$prefix_root" "$svc_root" || { fail "$label: installing the package"; return; }
  prepare_case "$base" "$mode"

  local host_svc=$svc_root
  [ "$mode" = hab ] && host_svc="$base/hab/svc"
  local log="$base/roost.log"
  local envname
  envname="HAB_$(echo "$name" | tr '[:lower:]-' '[:upper:]_')"
  # The service's and hooks' PATH has no system folder: the package's
  # RUNTIME_PATH and the interpreter package must provide every program.
  local cfg_var=""
  [ -n "$env_cfg" ] && cfg_var="$envname=\"\$ROOST_CFG\""
  local inner
  inner="exec env -i PATH=/nonexistent $cfg_var $(printf '%q ' "$roost" start "core/$name" "${args[@]}" "${extra_args[@]}")"
  local setup="mount -t tmpfs tmpfs /run"   # Debian's nginx writes /run/nginx.pid
  [ "$mode" = hab ] && setup="$setup && mount --bind $(printf '%q' "$base/hab") /hab"
  [ "$netns" = 1 ] && setup="$setup && ip link set lo up"
  local ns_flags=(--mount --pid --fork --mount-proc)
  [ "$netns" = 1 ] && ns_flags+=(--net)
  ROOST_CFG=$env_cfg unshare "${ns_flags[@]}" sh -c "$setup && $inner" >"$log" 2>&1 &
  upid=$!

  local up=0
  for _ in $(seq 1 300); do
    if answers "$host_svc"; then up=1; break; fi
    kill -0 "$upid" 2>/dev/null || break
    sleep 0.2
  done
  roost_pid=$(cut -d' ' -f1 "/proc/$upid/task/$upid/children" 2>/dev/null)
  if [ "$up" = 1 ]; then
    pass "$label: answers ($protocol)"
    check_setting "$host_svc" "$label"
  else
    fail "$label: did not answer ($protocol) within 60 s; roost's output:"
    sed 's/^/    /' "$log" | tail -25
  fi
  # Nothing roost owns under the service's own folders (issue 13); for a
  # service that is not root's, nothing of root's at all.
  local stray svc_user root_owned=()
  svc_user=$(cat "$pkgs"/core/"$name"/*/*/SVC_USER)
  [ "$svc_user" != root ] && root_owned=(-o -user 0)
  stray=$(find "$host_svc/$name/var" "$host_svc/$name/data" "$host_svc/$name/files" "$host_svc/$name/static" \
               \( -name '*roost*' "${root_owned[@]}" \) 2>/dev/null)
  if [ -z "$stray" ]; then pass "$label: roost wrote nothing into var/, data/, files/ or static/"
  else fail "$label: roost's files in the service's folders: $stray"; fi

  local pids="" early=0
  [ -n "$roost_pid" ] && pids=$(namespace_pids "$roost_pid")
  if [ -n "$roost_pid" ] && kill -0 "$upid" 2>/dev/null; then kill -TERM "$roost_pid"; else early=1; fi
  local status=
  for _ in $(seq 1 150); do
    kill -0 "$upid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$upid" 2>/dev/null; then
    fail "$label: still running 30 s after SIGTERM"
    kill -KILL "$upid" 2>/dev/null
  fi
  wait "$upid"; status=$?
  if [ "$early" = 1 ]; then
    fail "$label: roost exited with status $status before SIGTERM"
  else case $status in
    0|143) pass "$label: SIGTERM ends it with status $status" ;;
    *) fail "$label: SIGTERM ended it with status $status"; sed 's/^/    /' "$log" | tail -10 ;;
  esac; fi
  # The service ended on the shutdown signal, not on roost's SIGKILL after
  # the timeout (nor on the kernel's when PID 1 exits).
  if [ "$early" = 0 ]; then
    grep -q "^roost: service gracefully terminated" "$log" \
      && pass "$label: the service ended on SIGTERM: $(grep -m1 '^roost: service gracefully terminated' "$log" | sed 's/^roost: service //')" \
      || { fail "$label: roost did not report a graceful end of the service"; sed 's/^/    /' "$log" | tail -5; }
  fi
  local left="" p
  for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
  if [ -z "$left" ]; then pass "$label: no process left on the host ($(echo "$pids" | wc -w) were running)"
  else fail "$label: processes left:$left"; fi
}

# --- the four packages ---------------------------------------------------------

case_redis() {
  name=redis; netns=0; extra_args=(); protocol="redis PING"
  adapted="core/redis's template glues its bind line onto the comment above it ({{~#if cfg.bind}}), under Habitat too: bind left unset, redis listens in protected mode"
  port=$(free_port)
  # core/redis's template glues its `bind` line onto the comment above it
  # (`{{~#if cfg.bind}}` after a comment line), in Habitat too: `bind` cannot
  # be set. Redis then listens on every address in protected mode (loopback
  # only), which is what this test needs.
  env_cfg=$(printf 'port = %s\ndatabases = 7\n' "$port")
  prepare_case() { :; }
  answers() { [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; }
  check_setting() {
    local got; got=$(redis-cli -h 127.0.0.1 -p "$port" config get databases | tail -1)
    [ "$got" = 7 ] && pass "$2: databases = 7 from HAB_REDIS reached redis" || fail "$2: CONFIG GET databases gave '$got', wanted 7"
    local user; user=$(ns_processes redis-server | awk '{ print $1 }' | sort -u | tr '\n' ' ')
    [ "$user" = "hab " ] && pass "$2: redis-server runs as hab (SVC_USER)" || fail "$2: redis-server runs as '$user', wanted hab"
  }
}

case_memcached() {
  name=memcached; netns=1; extra_args=(); protocol="memcached stats"
  adapted="pkg_svc_run is a bare 'memcached' (always port 11211): it runs in a network namespace of its own"
  # `memcached` with no flags: it always listens on 11211, so it gets a
  # network namespace of its own (its default.toml port renders nothing).
  env_cfg=""
  prepare_case() { :; }
  mc() { in_ns bash -c 'exec 3<>/dev/tcp/127.0.0.1/11211 && printf "$1\r\nquit\r\n" >&3 && cat <&3' _ "$1" 2>/dev/null; }
  answers() { mc stats | grep -q '^STAT pid '; }
  check_setting() {
    local tcpport; tcpport=$(mc "stats settings" | tr -d '\r' | awk '$2 == "tcpport" { print $3 }')
    [ "$tcpport" = 11211 ] && pass "$2: stats settings: tcpport 11211" || fail "$2: stats settings gave tcpport '$tcpport'"
    local user; user=$(ns_processes memcached | awk '{ print $1 }' | sort -u | tr '\n' ' ')
    [ "$user" = "hab " ] && pass "$2: memcached runs as hab (SVC_USER)" || fail "$2: memcached runs as '$user', wanted hab"
    note "$2: memcached's package has no config templates; nothing rendered to check"
  }
}

case_nginx() {
  name=nginx; netns=0; extra_args=(); protocol="HTTP GET /"
  adapted="Debian's nginx writes /run/nginx.pid (core/nginx: var/nginx.pid): /run is a private tmpfs"
  port=$(free_port)
  env_cfg=$(printf 'worker_processes = 1\n[http.listen]\nport = %s\n' "$port")
  prepare_case() {
    # The operator's content in the data folder, which roost leaves alone.
    local svc=$1/svc; [ "$2" = hab ] && svc=$1/hab/svc
    mkdir -p "$svc/nginx/data"
    echo "served by core/nginx under roost" > "$svc/nginx/data/index.html"
  }
  answers() { curl -fsS "http://127.0.0.1:$port/" 2>/dev/null | grep -q "served by core/nginx under roost"; }
  check_setting() {
    grep -q "listen       $port;" "$1/nginx/config/nginx.conf" \
      && pass "$2: HAB_NGINX's http.listen.port rendered into config/nginx.conf and answered" \
      || fail "$2: config/nginx.conf does not listen on $port"
    local workers; workers=$(ns_processes nginx | grep -c "worker process")
    [ "$workers" = 1 ] && pass "$2: worker_processes = 1 from HAB_NGINX" || fail "$2: $workers nginx workers, wanted 1"
  }
}

case_haproxy() {
  name=haproxy; netns=0; protocol="HTTP through the bound backend"
  adapted="core/haproxy's template glues 'option httpchk' and each server line into one line, and ends without a newline when the stats page is on, under Habitat too: httpchk = \"\", one backend member, stats page off"
  port=$(free_port); backend_port=$(free_port)
  # core/haproxy's template glues `option httpchk` and every `server` line
  # onto one line (`{{~/if}}`, `{{~#eachAlive}}`), and with the stats page
  # enabled it ends without a newline (`{{~/if}}` last), in Habitat too;
  # haproxy 2.6 rejects both. Configuration only: no httpchk, one backend
  # member, the stats page left off (its default).
  env_cfg=$(printf 'maxconn = 16\nhttpchk = ""\n[front-end]\nlisten = "127.0.0.1"\nport = %s\n' "$port")
  extra_args=(--bind "backend=127.0.0.1:$backend_port")
  prepare_case() {
    mkdir -p "$1/backend"
    echo "backend behind core/haproxy" > "$1/backend/index.html"
    [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null
    python3 -m http.server --bind 127.0.0.1 --directory "$1/backend" "$backend_port" >/dev/null 2>&1 &
    backend_pid=$!
  }
  answers() { curl -fsS "http://127.0.0.1:$port/" 2>/dev/null | grep -q "backend behind core/haproxy"; }
  check_setting() {
    pass "$2: the front-end port from HAB_HAPROXY answered"
    # The run file runs `chpst -U root:root -u root:root haproxy …` when
    # `whoami` says root; both come only from the interpreter package here
    # (the PATH has no system folder), and chpst -U leaves UID and GID set.
    local p env_ok=0
    for p in $(namespace_pids "$roost_pid"); do
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = haproxy ] || continue
      tr '\0' '\n' < "/proc/$p/environ" | grep -qx "UID=0" && env_ok=1
    done
    [ "$env_ok" = 1 ] && pass "$2: the run file ran chpst (from core/busybox-static on PATH)" \
      || fail "$2: haproxy was not started through chpst (no UID=0 in its environment): the interpreter package is not on PATH"
    grep -q "^    maxconn 16$" "$1/haproxy/config/haproxy.conf" \
      && pass "$2: maxconn = 16 from HAB_HAPROXY rendered" || fail "$2: haproxy.conf has no 'maxconn 16'"
    grep -q "server 127.0.0.1 127.0.0.1:$backend_port" "$1/haproxy/config/haproxy.conf" \
      && pass "$2: the bind's member rendered as a server line" || fail "$2: no server line for the bind in haproxy.conf"
  }
}

if [ ! -d /hab ]; then mkdir /hab && made_hab_dir=1; fi
for pkg in redis memcached nginx haproxy; do
  for mode in root hab; do
    "case_$pkg"
    run_case "$mode"
  done
  if [ -n "$backend_pid" ]; then kill "$backend_pid" 2>/dev/null; wait "$backend_pid" 2>/dev/null; backend_pid=; fi
done

if [ "$failures" -eq 0 ]; then
  echo "real packages: all checks passed"
else
  echo "real packages: $failures check(s) FAILED"
  exit 1
fi
