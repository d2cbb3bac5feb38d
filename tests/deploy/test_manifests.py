"""The deployment files: every Kubernetes manifest is valid against the Kubernetes 1.37 schemas
(strict: an unknown field is an error), and the three flavours (image, compose, Kustomize) hold
what a production install needs. yamllint and hadolint run in `make lint`.

The Kustomize overlays are rendered with `kustomize build` or `kubectl kustomize`, whichever is on
the PATH; without either, the rendered checks are skipped (the base files are still validated).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.37.0"
KUSTOMIZATIONS = sorted(K8S.rglob("kustomization.yaml"))
# Resource files (the base's kustomization and its patches aside): valid documents by themselves.
RESOURCE_FILES = sorted(p for p in (K8S / "base").glob("*.yaml") if p.name != "kustomization.yaml")
OVERLAYS = sorted(p.parent for p in (K8S / "overlays").glob("*/kustomization.yaml"))

Manifest = dict[str, Any]


def validate(document: Manifest) -> None:
    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:  # its text would dump the whole schema
        where = "/".join(str(part) for part in error.absolute_path)
        problem = f"{document.get('kind')}/{document.get('metadata', {}).get('name')} at /{where}: {error.message}"
    else:
        return
    pytest.fail(problem, pytrace=False)


def load_all(text: str) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def renderer() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def render(kustomization_dir: Path, scratch: Path) -> list[Manifest]:
    """The rendered documents, on a copy of deploy/k8s whose overlays have their secrets.env made
    from the committed example (the real one is never committed)."""
    command = renderer()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is on the PATH: the overlays cannot be rendered")
    copy = scratch / "k8s"
    shutil.copytree(K8S, copy)
    for example in copy.rglob("secrets.env.example"):
        shutil.copy(example, example.with_name("secrets.env"))
    target = copy / kustomization_dir.relative_to(K8S)
    result = subprocess.run([*command, str(target)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return load_all(result.stdout)


def by_kind(documents: list[Manifest], kind: str) -> list[Manifest]:
    return [d for d in documents if d["kind"] == kind]


def one(documents: list[Manifest], kind: str, name: str) -> Manifest:
    [found] = [d for d in by_kind(documents, kind) if d["metadata"]["name"] == name]
    return found


def pod_templates(documents: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    for document in documents:
        if document["kind"] in {"Deployment", "Job"}:
            yield document["metadata"]["name"], document["spec"]["template"]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def matches_label_selector(selector: str, labels: dict[str, str]) -> bool:
    """kubectl's -l for the two forms rollout.sh may use: `key=value` and `key notin (a,b)`."""
    for term in re.findall(r"[^,(]+(?:\([^)]*\))?", selector):
        if match := re.fullmatch(r"\s*([\w./-]+)\s+notin\s+\(([^)]*)\)\s*", term):
            if labels.get(match[1]) in {v.strip() for v in match[2].split(",")}:
                return False
        elif match := re.fullmatch(r"\s*([\w./-]+)\s*==?\s*([\w.-]+)\s*", term):
            if labels.get(match[1]) != match[2]:
                return False
        else:
            raise AssertionError(f"selector term not understood by this test: {term!r}")
    return True


def compose() -> Manifest:
    loaded: Manifest = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


# --- Kubernetes: every file is valid ---------------------------------------------------------


@pytest.mark.parametrize("path", RESOURCE_FILES, ids=lambda p: str(p.relative_to(K8S)))
def test_every_base_resource_is_valid(path: Path) -> None:
    documents = load_all(path.read_text())
    assert documents
    for document in documents:
        validate(document)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS, ids=lambda p: str(p.parent.relative_to(K8S)))
def test_every_kustomization_renders_valid_manifests(kustomization: Path, tmp_path: Path) -> None:
    documents = render(kustomization.parent, tmp_path)
    assert {"Deployment", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"} <= {
        d["kind"] for d in documents
    }
    for document in documents:
        validate(document)


def test_the_validation_rejects_an_unknown_field() -> None:
    """The strict schemas catch a misspelt field (a lenient check would let a probe go missing)."""
    [deployment, _service] = load_all((K8S / "base" / "api.yaml").read_text())
    validate(deployment)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinessprobe"] = container.pop("readinessProbe")
    with pytest.raises(pytest.fail.Exception, match="'readinessprobe' was unexpected"):
        validate(deployment)


# --- Kubernetes: what a production install needs, in every overlay ------------------------------


# Rendered once per overlay for all the checks below (a rendering takes about 0.2 s).
@pytest.fixture(scope="module", params=OVERLAYS, ids=lambda p: p.name)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[Manifest]:
    overlay: Path = request.param
    return render(overlay, tmp_path_factory.mktemp(overlay.name))


def test_every_pod_runs_as_non_root_on_a_read_only_filesystem_within_limits(rendered: list[Manifest]) -> None:
    templates = dict(pod_templates(rendered))
    assert set(templates) == {"microcredit-api", "microcredit-worker", "microcredit-migrate"}
    for name, template in templates.items():
        spec = template["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), (name, bound)
            # The overlay names the registry's image; a bare name would be pulled from Docker Hub.
            assert "/" in container["image"] and ":" in container["image"], name
            # A read-only root filesystem still needs a writable /tmp.
            assert {"mountPath": "/tmp", "name": "tmp"} in container["volumeMounts"], name  # noqa: S108


def test_the_api_has_its_probes_on_the_health_routes(rendered: list[Manifest]) -> None:
    api = one(rendered, "Deployment", "microcredit-api")
    [container] = api["spec"]["template"]["spec"]["containers"]
    [port] = [p for p in container["ports"] if p["name"] == "http"]
    paths = {
        probe: container[probe]["httpGet"]["path"] for probe in ("startupProbe", "livenessProbe", "readinessProbe")
    }
    assert paths == {"startupProbe": "/health/live", "livenessProbe": "/health/live", "readinessProbe": "/health/ready"}
    assert {container[probe]["httpGet"]["port"] for probe in paths} == {port["name"]}
    assert port["containerPort"] == 8000


def test_the_autoscaler_owns_the_api_replicas(rendered: list[Manifest]) -> None:
    api = one(rendered, "Deployment", "microcredit-api")
    [hpa] = by_kind(rendered, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "microcredit-api"}
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert "replicas" not in api["spec"]  # an applied count would undo the autoscaler's


def test_the_disruption_budget_and_the_service_select_the_api_pods_only(rendered: list[Manifest]) -> None:
    labels = {name: template["metadata"]["labels"] for name, template in pod_templates(rendered)}
    [pdb] = by_kind(rendered, "PodDisruptionBudget")
    [service] = by_kind(rendered, "Service")
    for selector in (pdb["spec"]["selector"]["matchLabels"], service["spec"]["selector"]):
        assert {name for name, pod in labels.items() if selects(selector, pod)} == {"microcredit-api"}
    assert (
        one(rendered, "Deployment", "microcredit-api")["spec"]["selector"]["matchLabels"]
        == pdb["spec"]["selector"]["matchLabels"]
    )


def test_the_network_policies_deny_by_default_and_open_the_api_and_metrics_ports(rendered: list[Manifest]) -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in by_kind(rendered, "NetworkPolicy")}
    labels = {name: template["metadata"]["labels"] for name, template in pod_templates(rendered)}
    deny = policies["microcredit-default-deny"]
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"} and "ingress" not in deny and "egress" not in deny
    assert all(selects(deny["podSelector"]["matchLabels"], pod) for pod in labels.values())
    metrics = policies.pop("microcredit-metrics-ingress")
    opened = [p for p in policies.values() if p.get("ingress")]
    assert [
        name for name, pod in labels.items() if any(selects(p["podSelector"]["matchLabels"], pod) for p in opened)
    ] == ["microcredit-api"]
    assert [port["port"] for p in opened for rule in p["ingress"] for port in rule["ports"]] == [8000]
    # The metrics port of every pod, from the monitoring namespace only.
    assert all(selects(metrics["podSelector"]["matchLabels"], pod) for pod in labels.values())
    [rule] = metrics["ingress"]
    assert [port["port"] for port in rule["ports"]] == [9100]
    assert [source["namespaceSelector"]["matchLabels"] for source in rule["from"]] == [
        {"kubernetes.io/metadata.name": "monitoring"}
    ]


def test_every_pod_serves_its_metrics_on_the_configured_port(rendered: list[Manifest]) -> None:
    [config] = by_kind(rendered, "ConfigMap")
    port = int(config["data"]["METRICS_PORT"])
    for name, template in pod_templates(rendered):
        if name == "microcredit-migrate":
            continue  # a one-shot job: nothing to scrape
        [container] = template["spec"]["containers"]
        assert {"name": "metrics", "containerPort": port, "protocol": "TCP"} in container["ports"], name
        assert template["metadata"]["annotations"]["prometheus.io/port"] == str(port), name


def test_the_settings_come_from_the_generated_config_map_and_secret(rendered: list[Manifest]) -> None:
    config_maps = {d["metadata"]["name"]: d for d in by_kind(rendered, "ConfigMap")}
    secrets = {d["metadata"]["name"] for d in by_kind(rendered, "Secret")}
    for name, template in pod_templates(rendered):
        [container] = template["spec"]["containers"]
        sources = container["envFrom"]
        assert [s["configMapRef"]["name"] for s in sources if "configMapRef" in s] == list(config_maps), name
        assert [s["secretRef"]["name"] for s in sources if "secretRef" in s] == list(secrets), name
    [config] = config_maps.values()
    assert {"APP_ENV", "HOST", "PORT", "FORWARDED_ALLOW_IPS"} <= set(config["data"])
    assert config["data"]["APP_ENV"] == "production"
    # Secrets never sit in the ConfigMap.
    assert not {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} & set(config["data"])


def test_the_roles_run_the_same_commands_as_in_compose(rendered: list[Manifest]) -> None:
    commands = {name: template["spec"]["containers"][0]["command"] for name, template in pod_templates(rendered)}
    compose_commands = compose()["x-commands"]
    assert commands == {
        "microcredit-api": compose_commands["api"],
        "microcredit-worker": compose_commands["worker"],
        "microcredit-migrate": compose_commands["migrate"],
    }
    assert commands["microcredit-migrate"][-1] == "migrate"


def test_the_migration_job_runs_before_the_rollout(rendered: list[Manifest]) -> None:
    job = one(rendered, "Job", "microcredit-migrate")
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    component = job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
    script = (K8S / "rollout.sh").read_text()
    # The script waits for the Job (found by its label) before it applies the Deployments.
    assert f"migration='app.kubernetes.io/component={component}'" in script
    assert script.index('wait job -l "$migration"') < script.index('kubectl apply -k "$overlay"\n')
    # Its first apply (a label selector) takes the Job and what the Job needs, not the Deployments.
    [selector] = re.findall(r"before_rollout='([^']*)'", script)
    first = {
        (d["kind"], d["metadata"]["name"].rsplit("-", 1)[0] if d["kind"] in {"ConfigMap", "Secret"} else "")
        for d in rendered
        if matches_label_selector(selector, d["metadata"].get("labels", {}))
    }
    assert {("Job", ""), ("ConfigMap", "microcredit-config"), ("Secret", "microcredit-secrets")} <= first
    assert ("ServiceAccount", "") in first
    assert not {kind for kind, _ in first} & {"Deployment", "HorizontalPodAutoscaler"}


# --- Compose ----------------------------------------------------------------------------------


def test_compose_runs_every_role_with_health_checks_and_restart_policies() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker"}
    for name in ("postgres", "redis", "api", "worker"):
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    for name in ("migrate", "api", "worker"):
        assert services[name]["read_only"] is True and services[name]["cap_drop"] == ["ALL"], name
    # The data outlives the containers.
    assert set(compose()["volumes"]) == {"pgdata", "redisdata"}
    assert services["postgres"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert services["redis"]["volumes"] == ["redisdata:/data"]


# --- The image --------------------------------------------------------------------------------


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined, comments dropped), per stage."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    stages: list[list[str]] = []
    for instruction in (line.strip() for line in text.splitlines()):
        if not instruction or instruction.startswith("#"):
            continue
        if instruction.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def test_the_image_is_multi_stage_non_root_with_a_health_check() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    runtime = stages[-1]
    [user] = [i.split()[1] for i in runtime if i.upper().startswith("USER ")]
    assert user.split(":")[0] not in {"root", "0"} and user.split(":")[0].isdigit()  # runAsNonRoot checks a number
    assert any(i.upper().startswith("HEALTHCHECK ") and "/health/live" in i for i in runtime)
    # Nothing in the runtime stage but the build stage's result: no compiler, no uv, no sources copied from the context.
    copies = [i for i in runtime if i.upper().startswith(("COPY ", "ADD "))]
    assert copies and all("--from=build" in i for i in copies)
    assert not any(re.search(r"apt-get|gcc|\bpip\b|\buv\b", i) for i in runtime if i.upper().startswith("RUN "))
    # The locked dependencies, the compiled engine.
    build = "\n".join(stages[0])
    assert "uv sync --locked" in build and "--no-dev" in build
    assert "tools.compile_engine" in build
    assert "m.__file__.endswith('.so')" in build  # the build fails rather than ship the pure-Python engine


def test_the_image_gets_no_tests_and_no_local_build() -> None:
    copied = [i.split()[1:] for stage in dockerfile_stages() for i in stage if i.upper().startswith(("COPY ", "ADD "))]
    assert not any("tests" in part for parts in copied for part in parts)
    ignore = [line for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert ignore[0] == "*"  # everything is left out but what is listed
    assert not any(line.startswith("!") and "tests" in line for line in ignore)
    assert "**/*.so" in ignore  # a compiled engine of this machine would pass for up to date
