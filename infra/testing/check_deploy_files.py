#!/usr/bin/env python3
"""Checks what can be checked of EDAL's deployment files without Docker or Kubernetes.

infra/Dockerfile, infra/docker-compose.yml and infra/k8s/*.yaml: they parse; every file they name
exists; every EDAL_* variable they set is one EDAL (or its LocalStack hook) reads; the Kubernetes
objects validate against the Kubernetes API's schemas and KEDA's and the Prometheus Operator's against
our own subset of their CRDs' schemas (custom_resource_schemas.py; both strict: no unknown field) and
agree with each other (probes on the metrics port, a grace period longer than the shutdown deadline, the
KEDA trigger on the configured queue, read with the workload's role). Prints each problem; exits 1 if
there is one.
"""
import json
import pathlib
import re
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
problems = []


def problem(text):
    problems.append(text)


def known_variables():
    """EDAL_* names read by the Swift sources or the ready-hook."""
    names = set()
    for path in list((ROOT / "Sources").rglob("*.swift")) + [ROOT / "localstack-init/ready.d/10-edal-setup.sh"]:
        names.update(re.findall(r"EDAL_[A-Z0-9_]+", path.read_text()))
    # Prefixes built at run time, e.g. "EDAL_TEST_…" are test-only and never set by deployment files.
    return {name for name in names if not name.endswith("_")}


KNOWN = known_variables()


def check_variables(where, environment):
    for name in environment or {}:
        if name.startswith("EDAL_") and name not in KNOWN:
            problem(f"{where}: {name} is not a setting EDAL reads")


def check_dockerfile():
    path = ROOT / "infra/Dockerfile"
    text = path.read_text()
    for source in re.findall(r"^COPY (?!--from)(\S+)", text, re.M):
        # .image/edal is the binary make image builds on the host, not a repository file.
        if not source.startswith(".image/") and not (ROOT / source).exists():
            problem(f"Dockerfile: COPY {source}: no such file in the repository")
    for name, reference in re.findall(r"^ARG ([A-Z_]+_IMAGE)=(\S+)", text, re.M):
        if not re.search(r"@sha256:[0-9a-f]{64}$", reference):
            problem(f"Dockerfile: {name}={reference} is not pinned by digest")
    if re.search(r"^# *syntax *=", text, re.M):
        problem("Dockerfile: a `# syntax=` line makes BuildKit pull a frontend image")
    # The Debian packages pinned in the Dockerfile are the ones infra/image.sh passes.
    pins = dict(
        line.split("=", 1) for line in (ROOT / "infra/image-pins.env").read_text().splitlines()
        if re.match(r"^[A-Z0-9_]+=", line))
    defaults = dict(re.findall(r"^ARG ([A-Z0-9_]+_VERSION)=(\S+)", text, re.M))
    for name, version in pins.items():
        if name.endswith("_VERSION") and defaults.get(name) != version:
            problem(f"Dockerfile: ARG {name}={defaults.get(name)} but infra/image-pins.env pins {version}")
    for line in re.findall(r"apt-get install[^&]*", text):
        for word in line.replace("\\", " ").split():
            # ca-certificates and tzdata: data whose newest is the correct one (infra/image-pins.env).
            unpinned = ("apt-get", "install", "pkg-config", "ca-certificates", "tzdata")
            if not word.startswith("-") and word not in unpinned and "=" not in word \
                    and not word.startswith("DEBIAN_FRONTEND"):
                problem(f"Dockerfile: {word} is installed without a pinned version")
    # The Swift packages the image builds with are the ones the tests' build resolved.
    lock = json.loads((ROOT / "infra/swift-packages.lock").read_text())
    resolved = ROOT / "Package.resolved"
    if resolved.exists():
        tested = {pin["identity"]: pin["state"] for pin in json.loads(resolved.read_text())["pins"]}
        locked = {pin["identity"]: pin["state"] for pin in lock["pins"]}
        if tested != locked:
            changed = sorted(name for name in tested.keys() | locked.keys() if tested.get(name) != locked.get(name))
            problem(f"infra/swift-packages.lock differs from the build's Package.resolved in {changed}: copy it over")
    ignore = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
              if line.strip() and not line.lstrip().startswith("#")]
    if not ignore or ignore[0] != "*" and not any(entry.startswith(".build") for entry in ignore):
        problem(".dockerignore must keep .build*, the virtual environments and test state out of the context")
    if not re.search(r"^USER (?!root|0\b)", text, re.M):
        problem("Dockerfile: the image must run as a non-root USER")
    if "HEALTHCHECK" not in text or "edal\", \"health" not in text:
        problem("Dockerfile: HEALTHCHECK should run `edal health`")
    if not re.search(r'^ENTRYPOINT \["edal"\]', text, re.M):
        problem("Dockerfile: edal must be the ENTRYPOINT")
    check_variables("Dockerfile", {name: "" for name in re.findall(r"(EDAL_[A-Z_]+)=", text)})


def check_compose():
    path = ROOT / "infra/docker-compose.yml"
    compose = yaml.safe_load(path.read_text())
    services = compose.get("services") or {}
    for required in ("localstack", "mongodb", "setup", "worker", "generate"):
        if required not in services:
            problem(f"compose: no {required} service")
    for name, service in services.items():
        build = service.get("build")
        # A pulled image names an exact version (x.y.z) or a digest, never a floating tag.
        image = service.get("image", "")
        if not build and not re.search(r"(:v?\d+\.\d+\.\d+$)|(@sha256:[0-9a-f]{64}$)", image):
            problem(f"compose {name}: image {image or '(none)'} is not pinned to an exact version or digest")
        if isinstance(build, dict):
            context = (path.parent / build.get("context", ".")).resolve()
            if not (context / build.get("dockerfile", "Dockerfile")).exists():
                problem(f"compose {name}: dockerfile {build.get('dockerfile')} not found from {context}")
        for volume in service.get("volumes") or []:
            source = str(volume).split(":")[0]
            if source.startswith(".") and not (path.parent / source).exists():
                problem(f"compose {name}: volume source {source} does not exist")
        check_variables(f"compose {name}", service.get("environment"))
        for dependency in service.get("depends_on") or {}:
            if dependency not in services:
                problem(f"compose {name}: depends on unknown service {dependency}")
    worker = services.get("worker", {})
    if (worker.get("deploy") or {}).get("replicas", 1) < 2:
        problem("compose worker: the demo runs several replicas")


# The Kubernetes version whose API schemas the manifests are validated against (PyPI's
# kubernetes-validate bundles them). Custom resources (KEDA's, the Prometheus Operator's) and the
# Kustomization are not in them: the custom resources are validated against our own subset of their
# CRDs' schemas (custom_resource_schemas.py) and, like the Kustomization, checked below by hand.
KUBERNETES_VERSION = "1.33.0"
CUSTOM_KINDS = {"Kustomization", "ScaledObject", "TriggerAuthentication", "PodMonitor"}


def check_custom_resource(where, document):
    """A ScaledObject, TriggerAuthentication or PodMonitor against its CRD schema subset: each error."""
    import jsonschema
    from custom_resource_schemas import SCHEMAS  # beside this script, which Python puts on sys.path

    kind = document.get("kind")
    name = (document.get("metadata") or {}).get("name")
    validator = jsonschema.Draft202012Validator(SCHEMAS[kind])
    for error in sorted(validator.iter_errors(document), key=lambda error: error.json_path):
        problem(f"{where}: {kind} {name} does not validate against its CRD schema at {error.json_path}: "
                f"{error.message}")


def check_schema(where, document):
    if document.get("kind") in CUSTOM_KINDS:
        if document.get("kind") != "Kustomization":
            check_custom_resource(where, document)
        return
    import kubernetes_validate

    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        problem(f"{where}: {document.get('kind')} does not validate against Kubernetes {KUBERNETES_VERSION}: "
                f"{str(error).splitlines()[0]}")


def check_kubernetes():
    directory = ROOT / "infra/k8s"
    objects = {}
    for path in sorted(directory.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if not document:
                continue
            kind = document.get("kind")
            if kind is None:
                problem(f"{path.name}: a document without kind")
                continue
            if kind != "Kustomization":
                if not document.get("apiVersion") or not (document.get("metadata") or {}).get("name"):
                    problem(f"{path.name}: {kind} without apiVersion or metadata.name")
            objects.setdefault(kind, []).append((path.name, document))
            check_schema(path.name, document)

    for name, kustomization in objects.get("Kustomization", []):
        for resource in kustomization.get("resources", []):
            if not (directory / resource).exists():
                problem(f"{name}: resource {resource} does not exist")

    config = {}
    for name, configmap in objects.get("ConfigMap", []):
        config.update(configmap.get("data") or {})
        check_variables(name, configmap.get("data"))
    deadline = int(config.get("EDAL_SHUTDOWN_DEADLINE", 20))
    address = str(config.get("EDAL_METRICS_ADDRESS", "0.0.0.0:9464"))
    port = int(address.rsplit(":", 1)[-1]) if address != "off" else 0
    if not port or not address.startswith("0.0.0.0:"):
        problem("configmap: EDAL_METRICS_ADDRESS must listen on every interface (0.0.0.0:PORT) for the probes")

    accounts = {d["metadata"]["name"] for _, d in objects.get("ServiceAccount", [])}
    for _, account in objects.get("ServiceAccount", []):
        if "eks.amazonaws.com/role-arn" not in (account["metadata"].get("annotations") or {}):
            problem("serviceaccount: no eks.amazonaws.com/role-arn annotation (IAM roles for service accounts)")

    for kind in ("Deployment", "Job"):
        for name, workload in objects.get(kind, []):
            spec = workload["spec"]["template"]["spec"]
            if spec.get("serviceAccountName") not in accounts:
                problem(f"{name}: serviceAccountName {spec.get('serviceAccountName')} is not defined")
            grace = spec.get("terminationGracePeriodSeconds", 30)
            if grace <= deadline:
                problem(f"{name}: terminationGracePeriodSeconds {grace} must exceed EDAL_SHUTDOWN_DEADLINE {deadline}")
            for container in spec["containers"]:
                if kind == "Deployment":
                    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
                    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                        get = (container.get(probe) or {}).get("httpGet")
                        if not get:
                            problem(f"{name}: no {probe}")
                            continue
                        if get.get("path") not in ("/healthz", "/readyz"):
                            problem(f"{name}: {probe} path {get.get('path')} is not served")
                        probe_port = ports.get(get.get("port"), get.get("port"))
                        if probe_port != port:
                            problem(f"{name}: {probe} port {probe_port} is not EDAL_METRICS_ADDRESS's port {port}")
                    if (container.get("readinessProbe") or {}).get("httpGet", {}).get("path") != "/readyz":
                        problem(f"{name}: the readiness probe must use /readyz")
                if "limits" not in (container.get("resources") or {}):
                    problem(f"{name}: container {container['name']} has no resource limits")

    scaled = objects.get("ScaledObject", [])
    if not scaled:
        problem("k8s: no KEDA ScaledObject")
    for name, scaler in scaled:
        deployments = {d["metadata"]["name"] for _, d in objects.get("Deployment", [])}
        if scaler["spec"]["scaleTargetRef"]["name"] not in deployments:
            problem(f"{name}: scaleTargetRef is not a Deployment here")
        for trigger in scaler["spec"]["triggers"]:
            if trigger["type"] != "aws-sqs-queue":
                problem(f"{name}: trigger {trigger['type']} is not aws-sqs-queue")
            metadata = trigger["metadata"]
            if metadata.get("queueURLFromEnv") != "EDAL_QUEUE" or "queueURL" in metadata:
                problem(f"{name}: the trigger must read the queue from the workload (queueURLFromEnv: EDAL_QUEUE)")
            if not str(config.get("EDAL_QUEUE", "")).startswith("https://sqs."):
                problem("configmap: EDAL_QUEUE must be the queue's URL (KEDA's trigger reads it)")
            if not metadata.get("awsRegion"):
                problem(f"{name}: the trigger needs awsRegion")
        if "cooldownPeriod" in scaler["spec"] and scaler["spec"].get("minReplicaCount", 0) > 0:
            problem(f"{name}: cooldownPeriod acts only when scaling to zero; minReplicaCount is not 0")
    for name, authentication in objects.get("TriggerAuthentication", []):
        identity = authentication["spec"].get("podIdentity") or {}
        if identity.get("provider") == "aws" and identity.get("identityOwner") != "workload":
            problem(f"{name}: podIdentity.identityOwner must be workload (else KEDA uses its own role)")
    if not objects.get("PodDisruptionBudget"):
        problem("k8s: no PodDisruptionBudget")
    for name, budget in objects.get("PodDisruptionBudget", []):
        if budget["spec"].get("unhealthyPodEvictionPolicy") != "AlwaysAllow":
            problem(f"{name}: unhealthyPodEvictionPolicy must be AlwaysAllow (an unready replica must not block a drain)")
    policies = objects.get("NetworkPolicy", [])
    if not any(9464 in [p.get("port") for rule in n["spec"].get("ingress", []) for p in rule.get("ports", [])]
               for _, n in policies):
        problem("k8s: no NetworkPolicy admitting only the metrics port")
    monitors = objects.get("PodMonitor", [])
    if not monitors:
        problem("k8s: no PodMonitor")
    for name, monitor in monitors:
        endpoints = monitor["spec"].get("podMetricsEndpoints", [])
        if not any({"action": "replace", "targetLabel": "job", "replacement": "edal"} in e.get("relabelings", []) for e in endpoints):
            problem(f"{name}: the scrape job must be named edal (the alert rules select job=\"edal\")")
    if not any("drain" in d["spec"]["template"]["spec"]["containers"][0].get("args", []) for _, d in objects.get("Job", [])):
        problem("k8s: no Job running edal drain")


def check_cloudformation():
    """cfn-lint on the template: the resource specification's types, properties and values."""
    lint = pathlib.Path(sys.executable).parent / "cfn-lint"
    template = ROOT / "infra/cloudformation/edal.yaml"
    result = subprocess.run([str(lint), "--format", "parseable", str(template)], capture_output=True, text=True)
    for line in (result.stdout + result.stderr).splitlines():
        problem(f"cfn-lint: {line}")
    if result.returncode != 0 and not result.stdout and not result.stderr:
        problem(f"cfn-lint exited {result.returncode}")


check_dockerfile()
check_compose()
check_cloudformation()
check_kubernetes()
for line in problems:
    print(line)
print(f"{len(problems)} problem(s) in the deployment files")
sys.exit(1 if problems else 0)
