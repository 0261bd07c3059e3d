#!/usr/bin/env bash
# Runs the bundled example, an nginx TLS front, with `roost dev`: it builds
# roost, installs nginx and curl when they are missing, and serves
# https://localhost:8443 (try: curl -k https://localhost:8443/healthz).
# Edit default.toml or config/nginx.conf while it runs to see it reconfigure;
# Ctrl-C stops it. Extra arguments go to `roost dev` (e.g. --bind backend=HOST:PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
swift build -c release --product roost 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" | tail -3
export PATH="$PWD/.build/release:$PATH"
exec roost dev . "$@"
