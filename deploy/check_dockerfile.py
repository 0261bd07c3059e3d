"""Checks the Dockerfile without a Docker engine (none runs on these machines).

Each stage's COPY sources must exist in the build context (minus what
.dockerignore drops); the build stage's context, laid out in a scratch folder
exactly as `docker build` would copy it, must load as a Swift package (SwiftPM
rejects a package whose declared target folders are missing, even when it
builds one product); the runtime stage must declare what the README promises.

    python3 deploy/check_dockerfile.py
"""
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile

failures = []
checks = 0


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        failures.append(message)


ignored = [line.strip() for line in open(".dockerignore") if line.strip() and not line.startswith("#")]


def is_ignored(path):
    return any(fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/") for pattern in ignored)


# Stages: a list of (FROM line, instructions), with continuation lines joined.
stages = []
for raw in open("Dockerfile").read().replace("\\\n", " ").splitlines():
    line = raw.strip()
    if not line or line.startswith("#"):
        continue
    word, _, rest = line.partition(" ")
    if word.upper() == "FROM":
        stages.append((rest, []))
    elif stages:
        stages[-1][1].append((word.upper(), rest.strip()))

check(len(stages) == 2, f"Dockerfile: two stages (build, runtime), found {len(stages)}")
build_from, build = stages[0]
runtime_from, runtime = stages[-1]
check(build_from.startswith("swift:"), "Dockerfile: the build stage uses the official Swift image")

# The build stage's context, copied as docker would.
context = tempfile.mkdtemp(prefix="roost-docker-context-")
try:
    for word, rest in build:
        if word != "COPY" or rest.startswith("--from"):
            continue
        *sources, destination = rest.split()
        for source in sources:
            check(os.path.exists(source) and not is_ignored(source), f"Dockerfile: COPY {source} is not in the build context")
            target = os.path.join(context, destination, os.path.basename(source.rstrip("/"))) if destination.endswith("/") \
                else os.path.join(context, destination)
            if os.path.isdir(source):
                shutil.copytree(source, target, ignore=lambda d, names: [n for n in names if is_ignored(os.path.join(d, n))])
            elif os.path.exists(source):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy(source, target)
    run = " ".join(rest for word, rest in build if word == "RUN")
    check("-static-executable" in run and "--product roost" in run, "Dockerfile: builds a fully static roost")
    describe = subprocess.run(["swift", "package", "--package-path", context, "describe", "--type", "json"],
                              capture_output=True, text=True)
    first_error = next((l for l in describe.stderr.splitlines() if "error" in l), describe.stderr.strip()[-300:])
    check(describe.returncode == 0, f"Dockerfile: the build stage's files do not load as a package: {first_error}")
finally:
    shutil.rmtree(context, ignore_errors=True)

for word, rest in runtime:
    if word == "COPY" and not rest.startswith("--from"):
        for source in rest.split()[:-1]:
            check(os.path.exists(source) and not is_ignored(source), f"Dockerfile: COPY {source} is not in the build context")
words = {word: rest for word, rest in runtime}
check(words.get("ENTRYPOINT") == '["roost", "start"]', "Dockerfile: ENTRYPOINT [\"roost\", \"start\"]")
check('CMD ["roost", "health"]' in words.get("HEALTHCHECK", ""), "Dockerfile: HEALTHCHECK runs roost health")
check(words.get("VOLUME") == "/hab/svc/tls-front/data", "Dockerfile: the data directory is a volume")
check(words.get("CMD") == '["/hab/plans/tls-front"]', "Dockerfile: CMD names the example package")

for f in failures:
    print("FAIL", f)
print(f"Dockerfile: {checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
