"""Checks the deployment files: the Kubernetes manifests load and say what the
README promises (image, probes on `roost health`, volumes, env); the ECS task
runs roost with HAB_TLS_FRONT, EFS data, Cloud Map and the health check; and
the Dockerfile builds, checked without a Docker engine (none runs on these
machines): each COPY source exists in the build context (minus .dockerignore),
the build stage's files laid out as `docker build` copies them load as a Swift
package (SwiftPM rejects a package whose declared target folders are missing,
even when it builds one product), and the runtime stage declares what the
README promises. cfn-lint checks the CloudFormation template itself
(scripts/test.sh).

    python3 deploy/check.py
"""
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

failures = []
checks = 0


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        failures.append(message)


docs = [d for d in yaml.safe_load_all(open("deploy/kubernetes/tls-front.yaml")) if d]
kinds = {d["kind"]: d for d in docs}
for kind in ["ConfigMap", "Secret", "StatefulSet"]:
    check(kind in kinds, f"kubernetes: no {kind}")
services = [d for d in docs if d["kind"] == "Service"]
check(any(s["spec"].get("clusterIP") == "None" for s in services), "kubernetes: no headless Service for the bind")
sts = kinds["StatefulSet"]
pod = sts["spec"]["template"]["spec"]
container = pod["containers"][0]
check(container["image"] == "tls-front:0.1.0", "kubernetes: image")
governing = [s for s in services if s["metadata"]["name"] == sts["spec"]["serviceName"]]
check(governing and governing[0]["spec"].get("clusterIP") == "None", "kubernetes: the StatefulSet's serviceName is a headless Service")
check(container["livenessProbe"]["exec"]["command"][:2] == ["roost", "health"], "kubernetes: liveness probe runs roost health")
check(container["readinessProbe"]["exec"]["command"] == ["roost", "health"], "kubernetes: readiness probe runs roost health")
mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
check(mounts.get("data") == "/hab/svc/tls-front/data", "kubernetes: data volume at the svc data path")
check(mounts.get("user-config") == "/hab/user/tls-front/config", "kubernetes: ConfigMap mounted where user.toml is read")
check("user.toml" in kinds["ConfigMap"]["data"], "kubernetes: ConfigMap holds user.toml")
env = {e["name"]: e.get("value") for e in container["env"]}
check(env.get("HAB_TLS_FRONT__backend_token_FILE", "").startswith("/run/secrets/"), "kubernetes: secret through _FILE")
check(env.get("ROOST_BIND_BACKEND", "").startswith("backend."), "kubernetes: backend bind from the headless Service")
check(sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data", "kubernetes: PVC for data")
check(mounts.get("svc") == "/hab/svc/tls-front", "kubernetes: a writable service directory under the read-only root")
check(container["securityContext"]["readOnlyRootFilesystem"] is True, "kubernetes: read-only root")
check(container["securityContext"]["capabilities"]["drop"] == ["ALL"], "kubernetes: every capability dropped")
check(all(d.get("metadata", {}).get("namespace") == "tls-front" for d in docs if d["kind"] != "Namespace"),
      "kubernetes: every object in the tls-front namespace")
variant = yaml.safe_load(open("deploy/kubernetes/tls-front-as-service-user.yaml"))
vpod = variant["spec"]["template"]["spec"]
check(variant["metadata"]["name"] == sts["metadata"]["name"], "kubernetes variant: replaces the same StatefulSet")
check("add" not in vpod["containers"][0]["securityContext"]["capabilities"], "kubernetes variant: no capability added")


class Loader(yaml.SafeLoader):
    pass


def tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}


Loader.add_multi_constructor("!", tag)
cfn = yaml.load(open("deploy/ecs/tls-front.yaml"), Loader=Loader)
task = cfn["Resources"]["TaskDefinition"]["Properties"]
c = task["ContainerDefinitions"][0]
envs = {e["Name"]: e["Value"] for e in c["Environment"]}
check("Sub" in envs["HAB_TLS_FRONT"], "ecs: HAB_TLS_FRONT built with !Sub")
check(c["HealthCheck"]["Command"] == ["CMD", "roost", "health"], "ecs: health check runs roost health")
ecs_mounts = {m["SourceVolume"]: m["ContainerPath"] for m in c["MountPoints"]}
ecs_volumes = {v["Name"]: v for v in task["Volumes"]}
check(ecs_mounts.get("data") == "/hab/svc/tls-front/data", "ecs: EFS at the svc data path")
check("EFSVolumeConfiguration" in ecs_volumes.get("data", {}), "ecs: data volume is EFS")
check(ecs_mounts.get("svc") == "/hab/svc/tls-front" and c.get("ReadonlyRootFilesystem") is True,
      "ecs: read-only root with task storage for the service directory")
check("ROOST_BIND_BACKEND" in envs, "ecs: backend bind from service discovery")
check(cfn["Resources"].get("DiscoveryService", {}).get("Type") == "AWS::ServiceDiscovery::Service", "ecs: a Cloud Map service")
service = cfn["Resources"]["Service"]["Properties"]
check(service.get("ServiceRegistries", [{}])[0].get("RegistryArn") == {"GetAtt": "DiscoveryService.Arn"}, "ecs: tasks registered in Cloud Map")


# The Dockerfile.
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

named = {rest.split(" AS ")[-1]: (rest, body) for rest, body in stages if " AS " in rest}
check(list(named) == ["swift-build", "roost-binary", "runtime", "service-user"] and stages[-1][0] == "runtime",
      f"Dockerfile: stages swift-build, roost-binary (the one a test swaps), runtime, service-user, then the default "
      f"target FROM runtime; found {[rest for rest, _ in stages]}")
build_from, build = stages[0]
runtime_from, runtime = named.get("runtime", stages[-1])
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
    script = open("scripts/build-static.sh").read()
    check("scripts/build-static.sh" in run and "-static-executable" in script and "--product roost" in script,
          "Dockerfile: builds a fully static roost with scripts/build-static.sh")
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
check("-Xlinker -s" in open("scripts/build-static.sh").read(), "Dockerfile: the binary is stripped")

# One service user id everywhere: the image, ECS (task user, EFS access
# point) and Kubernetes (fsGroup, the service-user variant).
runtime_run = " ".join(rest for word, rest in runtime if word == "RUN")
check("--gid 10042" in runtime_run and "--uid 10042" in runtime_run, "Dockerfile: hab is uid/gid 10042")
user_stage = dict(named.get("service-user", ("", []))[1])
check(user_stage.get("USER") == "hab", "Dockerfile: the service-user target runs as hab")
check(user_stage.get("VOLUME") == "/hab/svc/tls-front", "Dockerfile: the service-user target's service directory is a volume")
check(c.get("User") == "10042:10042", "ecs: the task runs as 10042:10042")
access = cfn["Resources"]["DataAccessPoint"]["Properties"]
check(access["PosixUser"] == {"Uid": "10042", "Gid": "10042"}, "ecs: EFS access point as 10042")
check(pod["securityContext"]["fsGroup"] == 10042, "kubernetes: fsGroup 10042")
check(vpod["securityContext"]["runAsUser"] == 10042 and vpod["securityContext"]["runAsGroup"] == 10042,
      "kubernetes variant: runs as 10042")

for f in failures:
    print("FAIL", f)
print(f"{checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
