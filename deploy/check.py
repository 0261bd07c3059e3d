"""Checks the deployment files: the Kubernetes manifests load and say what the
README promises (image, probes on `roost health`, volumes, env), and the ECS
task runs roost with HAB_TLS_FRONT, EFS data and the health check.
cfn-lint checks the CloudFormation template itself (scripts/test.sh)."""
import sys
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
check(container["image"] == "tls-front:latest", "kubernetes: image")
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
check(c["MountPoints"][0]["ContainerPath"] == "/hab/svc/tls-front/data", "ecs: EFS at the svc data path")
check("EFSVolumeConfiguration" in task["Volumes"][0], "ecs: data volume is EFS")
check("ROOST_BIND_BACKEND" in envs, "ecs: backend bind from service discovery")
check(cfn["Resources"].get("DiscoveryService", {}).get("Type") == "AWS::ServiceDiscovery::Service", "ecs: a Cloud Map service")
service = cfn["Resources"]["Service"]["Properties"]
check(service.get("ServiceRegistries", [{}])[0].get("RegistryArn") == {"GetAtt": "DiscoveryService.Arn"}, "ecs: tasks registered in Cloud Map")

for f in failures:
    print("FAIL", f)
print(f"{checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
