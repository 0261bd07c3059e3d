#!/usr/bin/env bash
# Runs every test of roost from a clean clone: installs the Debian packages the
# tests use when they are missing, builds, runs the unit and integration tests
# (XCTest), then the shared conformance suites when ../shared is present.
set -euo pipefail
cd "$(dirname "$0")/.."
# CI may start this with no standard input at all; some tools (cfn-lint) then crash.
exec </dev/null

need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
command -v unshare >/dev/null || need+=(util-linux)
command -v tini >/dev/null || need+=(tini)
command -v dumb-init >/dev/null || need+=(dumb-init)
command -v python3 >/dev/null || need+=(python3)
[ -d /usr/share/nodejs/handlebars ] || need+=(handlebars)
if [ "${#need[@]}" -gt 0 ]; then
  echo "== installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The example runs as the `hab` service user, as in the container image.
getent group hab >/dev/null || groupadd --system hab
getent passwd hab >/dev/null || useradd --system --gid hab --no-create-home --shell /usr/sbin/nologin hab

echo "== swift build (release)"
swift build -c release 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" | tail -20

status=0
echo "== deployment files"
python3 -c "import yaml" 2>/dev/null || python3 -m pip install -q pyyaml
command -v cfn-lint >/dev/null || python3 -m pip install -q cfn-lint
cfn-lint deploy/ecs/tls-front.yaml && echo "cfn-lint: deploy/ecs/tls-front.yaml ok" || status=1
python3 deploy/check.py || status=1
# checkov, a standard scanner, on the files users copy; it lives in a venv of
# its own (its pinned dependencies would downgrade the system's).
checkov=$(command -v checkov || echo /opt/roost-tools/checkov/bin/checkov)
if [ ! -x "$checkov" ]; then
  python3 -m venv /opt/roost-tools/checkov && /opt/roost-tools/checkov/bin/pip install -q checkov >/dev/null
fi
for target in "-d deploy" "-f Dockerfile"; do
  # --skip-download: no network beyond the package registries here.
  if out=$("$checkov" $target --compact --quiet --skip-download 2>&1); then
    echo "checkov $target: $(grep -E 'Passed checks' <<<"$out" | sed 's/^/  /' | tr -d '\n')"
  else
    echo "checkov $target: FAILED"; echo "$out" | grep -E "Check:|FAILED|File:" | head -30; status=1
  fi
done

echo "== static roost in an empty root file system (as in a scratch image)"
# scripts/build-static.sh holds the flags the image uses (static, gc-sections, stripped).
scripts/build-static.sh 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" | tail -2
empty=$(mktemp -d)
cp .build-static/release/roost "$empty/roost"
printf 'port = {{cfg.port}}\n' > "$empty/t.hbs"
printf '{"cfg": {"port": 8443}}' > "$empty/d.json"
mkdir "$empty/proc"
# Nothing but the binary; /proc is mounted as every container runtime does,
# in a private mount namespace so it goes away with the command.
in_empty_root() { unshare --mount sh -c "mount -t proc proc '$empty/proc' && chroot '$empty' /roost $*"; }
if [ "$(in_empty_root template /t.hbs /d.json)" = "port = 8443" ] \
   && in_empty_root cert ensure --cert /c.pem --key /k.pem --subject /CN=scratch --san DNS:scratch >/dev/null \
   && openssl verify -CAfile "$empty/c.pem" "$empty/c.pem" >/dev/null; then
  echo "static binary: renders a template and makes a certificate in an empty root file system"
else
  echo "static binary: FAILED in an empty root"; status=1
fi
rm -rf "$empty"
# The static binary as PID 1 on this host, whose /etc/nsswitch.conf may name
# modules (systemd) that a static program must never load: roost reads the
# account files itself to switch to the service user.
svc=$(mktemp -d); chmod 755 "$svc"
mkdir -p "$svc/pkg/hooks"
printf 'pkg_name=static-check\npkg_origin=test\npkg_version=1.0.0\npkg_svc_user=nobody\npkg_svc_group=nogroup\n' > "$svc/pkg/plan.sh"
printf '#!/bin/sh\necho "service runs as $(id -un):$(id -gn)"\n' > "$svc/pkg/hooks/run"; chmod 755 "$svc/pkg/hooks/run"
if out=$(unshare --pid --fork --mount-proc .build-static/release/roost start "$svc/pkg" --svc-root "$svc/svc" --user-root "$svc/user" --restart never 2>&1) \
   && grep -q "service runs as nobody:nogroup" <<<"$out"; then
  echo "static binary: roost start as PID 1 runs the service as its user"
else
  echo "static binary: roost start FAILED:"; echo "$out" | tail -5; status=1
fi
rm -rf "$svc"

echo "== the image, built and run by podman as the README says"
scripts/container-test.sh .build-static/release/roost || status=1

# redis, memcached, nginx and haproxy from ../shared/corpus/core-plans,
# installed as `hab pkg build` does with Debian's binaries behind bin/, run by
# the static roost as PID 1 under --pkgs-root and under /hab. The script
# skips with a message when ../shared is absent.
echo "== real Habitat packages (core-plans) under the static roost"
scripts/real-packages-test.sh .build-static/release/roost || status=1

if [ -d ../shared ]; then
  echo "== Handlebars corpus (Habitat truth)"
  TRUTH=habitat ../shared/corpus/core-plans/run-corpus.sh .build/release/roost template | tail -3 || status=1
  TRUTH=habitat MANIFEST=manifest-compat.tsv ../shared/corpus/core-plans/run-corpus.sh .build/release/roost template | tail -3 || status=1
  if [ -x .build/release/toml-test-decoder ]; then
    # roost reads TOML 1.1; the decoder reads 1.0 when run.py's default
    # (1.0) case list is chosen, since nine 1.0-invalid cases are valid 1.1.
    echo "== toml-test (TOML 1.1, what roost reads)"
    TOML_VERSION=1.1.0 python3 ../shared/toml-test/run.py .build/release/toml-test-decoder | tail -1 || status=1
    echo "== toml-test (TOML 1.0, decoder in 1.0 mode)"
    TOML_VERSION=1.0.0 python3 ../shared/toml-test/run.py .build/release/toml-test-decoder | tail -1 || status=1
  fi
else
  echo "== ../shared is absent: skipping the Handlebars corpus and toml-test suites"
fi

# The Supervision tests make the test process a signal-blocking subreaper
# (as roost is); they run in a process of their own so the integration tests,
# which drive processes with Foundation, are not affected.
swift build --build-tests 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" | tail -2
set +e
echo "== swift test: Supervision"
swift test --skip-build --filter SupervisionTests 2>&1 | tee /tmp/roost-swift-test-1.log | grep -E "error:|failed \(|Executed [0-9]+ tests" | tail -4
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "== swift test: everything else"
swift test --skip-build --skip SupervisionTests 2>&1 | tee /tmp/roost-swift-test-2.log | grep -E "error:|failed \(|skipped|Executed [0-9]+ tests" | tail -8
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
set -e
exit $status
