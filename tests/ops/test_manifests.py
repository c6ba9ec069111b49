"""Static validation of deploy/: nothing here needs Docker, a cluster, Prometheus or Grafana.

- every YAML file under deploy/ parses; generated files (k8s base, Grafana dashboard) are current;
- compose: services reference only defined services/volumes; the Lancer services set only variables
  the settings classes know (or the documented list below); the compose registry is a valid registry;
- Kubernetes: every object passes the Kubernetes 1.30 OpenAPI schema (kubernetes-validate, offline,
  strict); every long-running container has probes, requests/limits and a non-root, read-only
  security context; one indexer Deployment per chain of chains.yaml, each chain in the registry;
- Prometheus rules and Grafana queries name only metrics defined in the code (indexer/metrics.py,
  api/) or, until those land on this branch, in the explicit allow-list below.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from api.settings import ApiSettings
from indexer.core.registry import load_registry
from indexer.core.settings import ChainSettings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s" / "base"
LANCER_IMAGE_SERVICES = {"deploy-contracts", "migrate", "api", "indexer-anvil-1", "indexer-anvil-2", "worker",
                         "scheduler", "webhooks", "chainfeed"}
# The `lancer` commands that run for good in production: each needs a compose service and a k8s Deployment.
LONG_RUNNING = {"api", "index", "worker", "scheduler", "webhooks", "chainfeed", "notifications"}

# Variables the API reads that this branch's ApiSettings does not declare yet (they are fields of the
# ApiSettings being written on the identity branch: JWT/TOTP key rings, proxy trust).
DOCUMENTED_ENV = {"JWT_KEYS", "JWT_ACTIVE_KID", "TOTP_ENCRYPTION_KEYS", "TOTP_ACTIVE_KID"}
# Read by the Python runtime or other services in the same env file, not by Lancer's settings.
RUNTIME_ENV = {"PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED",
               "POSTGRES_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD"}
ADDRESS_OVERRIDE = re.compile(r"^(TOKEN|TREASURY|ESCROW_FACTORY|ESCROW_IMPLEMENTATION)_ADDRESS_\d+$")

# Metrics the dashboards and alerts use that no module on this branch defines yet. The indexer's come
# from indexer/metrics.py on the indexer branch; the API's from the API's metrics middleware (names
# fixed by the platform brief). Once defined in code they are found by the scan and this list is moot.
METRIC_ALLOW_LIST = {
    "lancer_indexer_head_lag_blocks", "lancer_indexer_head_lag_seconds", "lancer_indexer_block",
    "lancer_indexer_head_block", "lancer_indexer_confirmed_block", "lancer_indexer_blocks_total",
    "lancer_indexer_events_total", "lancer_indexer_reorgs_total", "lancer_indexer_reorg_depth_blocks",
    "lancer_indexer_rpc_errors_total", "lancer_indexer_rpc_seconds", "lancer_indexer_batch_seconds",
    "lancer_indexer_range_blocks",
    "lancer_http_requests_total", "lancer_http_request_duration_seconds",
    "lancer_cache_hits_total", "lancer_cache_misses_total",
}
PROMQL_BUILTINS = {"up"}


def _yaml_docs(path: Path) -> list:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def _known_env() -> set[str]:
    fields = set(ChainSettings.model_fields) | set(ApiSettings.model_fields)
    return {f.upper() for f in fields} | DOCUMENTED_ENV | RUNTIME_ENV


def _env_ok(name: str) -> bool:
    return name in _known_env() or bool(ADDRESS_OVERRIDE.match(name))


def _metrics_in_code() -> set[str]:
    names: set[str] = set()
    pattern = re.compile(r"\b(?:Counter|Gauge|Histogram|Summary)\(\s*[\"'](lancer_\w+)[\"']")
    for folder in ("indexer", "api"):
        for path in (REPO / folder).rglob("*.py"):
            names.update(pattern.findall(path.read_text()))
    return names


def _known_metric(series: str) -> bool:
    known = _metrics_in_code() | METRIC_ALLOW_LIST | PROMQL_BUILTINS
    if series in known:
        return True
    base = re.sub(r"_(bucket|count|sum|created)$", "", series)  # histogram/summary series
    return base in known


def _series_in(expr: str) -> set[str]:
    return set(re.findall(r"\b(lancer_\w+)", expr)) | ({"up"} if re.search(r"\bup\{", expr) else set())


# --- YAML and generated files -------------------------------------------------------------------------

def test_every_yaml_under_deploy_parses() -> None:
    files = sorted(DEPLOY.rglob("*.yml")) + sorted(DEPLOY.rglob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        assert _yaml_docs(path), f"{path} is empty"


def test_generated_files_are_current() -> None:
    for script in (DEPLOY / "k8s" / "generate.py", DEPLOY / "grafana" / "build_dashboard.py"):
        result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


# --- compose ---------------------------------------------------------------------------------------------

def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_references_only_defined_services_and_volumes() -> None:
    compose = _compose()
    services, volumes = compose["services"], set(compose.get("volumes") or {})
    assert {"postgres", "redis", "migrate", "api", "worker", "prometheus", "grafana"} <= set(services)
    for name, svc in services.items():
        assert "image" in svc, f"{name} has no image"
        deps = svc.get("depends_on") or {}
        for dep in deps:
            assert dep in services, f"{name} depends on undefined service {dep}"
        for mount in svc.get("volumes") or []:
            source = mount.split(":", 1)[0] if isinstance(mount, str) else mount["source"]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).resolve().exists(), f"{name} mounts missing path {source}"
            else:
                assert source in volumes, f"{name} uses undefined volume {source}"
    for name in ("api", "worker", "indexer-anvil-1", "indexer-anvil-2"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    indexers = [n for n in services if n.startswith("indexer-")]
    assert len(indexers) == 2
    for name in indexers:
        cmd = services[name]["command"]
        assert cmd[:3] == ["index", "--chain", name.removeprefix("indexer-")] and "--metrics-port" in cmd


def test_compose_uses_only_known_environment_variables() -> None:
    services = _compose()["services"]
    assert LANCER_IMAGE_SERVICES <= set(services)
    for name in LANCER_IMAGE_SERVICES:
        env = services[name].get("environment") or {}
        unknown = sorted(k for k in env if not _env_ok(k))
        assert not unknown, f"compose service {name} sets variables no settings class reads: {unknown}"
        for secret in ("JWT_KEYS", "TOTP_ENCRYPTION_KEYS", "DATABASE_URL"):
            assert secret not in env, f"{name}: {secret} must come from the secrets env file, not inline"
    example = (DEPLOY / "compose" / "secrets.env.example").read_text()
    names = re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.M)
    assert names and all(_env_ok(n) for n in names), names


def test_compose_chain_registry_is_the_default_local_chains() -> None:
    """The default registry is the one list of chains: compose's file may only point the local chains'
    RPC URLs at the compose services."""
    registry = load_registry(str(DEPLOY / "compose" / "chains.compose.json"))
    assert {c.name for c in registry.chains} == {"anvil-1", "anvil-2"}
    default = load_registry()
    for chain in registry.chains:
        assert chain.model_copy(update={"rpc_urls": []}) == default.by_name(chain.name).model_copy(
            update={"rpc_urls": []}), chain.name


# --- Kubernetes ---------------------------------------------------------------------------------------

def _k8s_objects() -> list[tuple[str, dict]]:
    objects = []
    for path in sorted(K8S.glob("*.yaml")) + [DEPLOY / "k8s" / "secret.template.yaml"]:
        objects.extend((path.name, doc) for doc in _yaml_docs(path) if doc.get("kind") != "Kustomization")
    return objects


def test_k8s_objects_match_the_kubernetes_schema() -> None:
    objects = _k8s_objects()
    assert len(objects) >= 12
    for name, obj in objects:
        try:
            kubernetes_validate.validate(obj, "1.30.0", strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name} {obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}")


def _pod_specs() -> list[tuple[str, str, dict]]:
    out = []
    for _, obj in _k8s_objects():
        if obj["kind"] == "Deployment":
            out.append((obj["kind"], obj["metadata"]["name"], obj["spec"]["template"]["spec"]))
        elif obj["kind"] == "Job":
            out.append((obj["kind"], obj["metadata"]["name"], obj["spec"]["template"]["spec"]))
    return out


def test_k8s_pods_are_hardened_probed_and_bounded() -> None:
    pods = _pod_specs()
    assert pods
    for kind, name, spec in pods:
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] != 0
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, name
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][bound]), f"{name}: {bound}"
            if kind == "Deployment":
                assert "livenessProbe" in c and "readinessProbe" in c, f"{name} lacks probes"
            for ref in c.get("envFrom", []):
                assert set(ref) <= {"configMapRef", "secretRef"}
            assert not any("value" in e for e in c.get("env", [])
                           if e["name"] in {"DATABASE_URL", "JWT_KEYS", "TOTP_ENCRYPTION_KEYS"}), name


def test_k8s_api_has_service_hpa_pdb_and_health_probes() -> None:
    kinds = {(o["kind"], o["metadata"]["name"]) for _, o in _k8s_objects()}
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert (kind, "lancer-api") in kinds
    assert ("Job", "lancer-migrate") in kinds and ("Deployment", "lancer-worker") in kinds
    api = next(o for _, o in _k8s_objects() if o["kind"] == "Deployment" and o["metadata"]["name"] == "lancer-api")
    c = api["spec"]["template"]["spec"]["containers"][0]
    assert c["livenessProbe"]["httpGet"]["path"] == "/health/liveness"
    assert c["readinessProbe"]["httpGet"]["path"] == "/health/readiness"


def test_k8s_one_indexer_per_registered_chain() -> None:
    config = yaml.safe_load((DEPLOY / "k8s" / "chains.yaml").read_text())
    registry_names = {c.name for c in load_registry().chains}
    indexers = {o["metadata"]["labels"]["lancer.io/chain"]: o for _, o in _k8s_objects()
                if o["kind"] == "Deployment" and o["metadata"]["labels"]["app.kubernetes.io/component"] == "indexer"}
    assert set(indexers) == {e["chain"] for e in config["indexers"]}
    for chain, obj in indexers.items():
        assert chain in registry_names, f"{chain} is not in the chain registry"
        args = obj["spec"]["template"]["spec"]["containers"][0]["args"]
        assert args[:3] == ["index", "--chain", chain] and args[args.index("--metrics-port") + 1] == "9102"


def test_k8s_config_keys_are_known_and_secrets_are_templates() -> None:
    for _, obj in _k8s_objects():
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == "lancer-config":
            unknown = sorted(k for k in obj["data"] if not _env_ok(k))
            assert not unknown, f"lancer-config keys no settings class reads: {unknown}"
        if obj["kind"] == "Secret":
            assert obj["metadata"]["name"] in {"lancer-secrets", "lancer-chain-registry"}
            for key, value in obj["stringData"].items():
                assert "REPLACE_ME" in value or "USER:PASSWORD@HOST" in value or ":PASSWORD@HOST" in value, key
                if obj["metadata"]["name"] == "lancer-secrets":
                    assert _env_ok(key), key
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert set(kustomization["resources"]) == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def test_k8s_every_deployment_has_a_pdb_and_the_scheduler_runs() -> None:
    objects = [o for _, o in _k8s_objects()]
    deployments = [o for o in objects if o["kind"] == "Deployment"]
    pdbs = [o for o in objects if o["kind"] == "PodDisruptionBudget"]
    assert any(d["metadata"]["name"] == "lancer-scheduler" and d["spec"]["template"]["spec"]["containers"][0]["args"]
               == ["scheduler"] for d in deployments)
    for d in deployments:
        pod_labels = d["spec"]["template"]["metadata"]["labels"]
        covering = [p for p in pdbs if p["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()]
        assert len(covering) == 1, f"{d['metadata']['name']}: {len(covering)} PodDisruptionBudgets"
        if d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "indexer":
            assert d["spec"]["replicas"] == 2 and covering[0]["spec"]["maxUnavailable"] == 1
    hpa = next(o for o in objects if o["kind"] == "HorizontalPodAutoscaler")
    assert {m["type"] for m in hpa["spec"]["metrics"]} == {"Resource", "Pods"}


def test_every_long_running_process_is_deployed() -> None:
    """Each long-running `lancer` command runs in compose and in Kubernetes (chainfeed once ran nowhere, so no
    chain-derived webhook was ever emitted in a deployment)."""
    from scripts.cli import LancerGroup

    assert LONG_RUNNING <= set(LancerGroup.lazy)
    k8s = {o["spec"]["template"]["spec"]["containers"][0]["args"][0] for _, o in _k8s_objects()
           if o["kind"] == "Deployment"}
    compose = {svc["command"][0] for svc in _compose()["services"].values()
               if svc.get("command") and svc["command"][0] in LancerGroup.lazy}
    assert LONG_RUNNING - k8s == set(), "no Deployment in deploy/k8s (edit generate.py, then run it)"
    assert LONG_RUNNING - compose == set(), "no service in deploy/compose.yaml"
    assert k8s <= LONG_RUNNING, "a Deployment runs a command LONG_RUNNING does not list"


def test_k8s_network_policies_open_metrics_only_to_prometheus() -> None:
    policies = {o["metadata"]["name"]: o["spec"] for _, o in _k8s_objects() if o["kind"] == "NetworkPolicy"}
    deny = policies["lancer-default-deny-ingress"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"] and deny["ingress"] == []
    metrics_ports = {p["name"] for _, o in _k8s_objects() if o["kind"] == "Deployment"
                     for c in o["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])} - {"http"}
    assert metrics_ports == {"metrics"}
    for name, spec in policies.items():
        for rule in spec.get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if "metrics" in ports:
                assert ports == {"metrics"} and rule["from"], name
                for peer in rule["from"]:
                    assert peer["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "prometheus"}, name
                    assert "namespaceSelector" in peer, name
            else:
                assert ports == {"http"} and policies[name]["podSelector"]["matchLabels"][
                    "app.kubernetes.io/component"] == "api", name


def test_k8s_kustomize_renders_the_base() -> None:
    """`kubectl kustomize` (kustomize built into kubectl) renders the base offline into valid objects."""
    import shutil

    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed (apt-get install kubectl); the per-file schema check still ran")
    out = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert len(docs) == len(_k8s_objects()) - 2  # every base object; the two secret templates are applied apart
    for doc in docs:
        assert doc["metadata"].get("namespace", "lancer") == "lancer"
        kubernetes_validate.validate(doc, "1.30.0", strict=True)


# --- Prometheus and Grafana -------------------------------------------------------------------------

def test_prometheus_rules_reference_known_metrics() -> None:
    groups = yaml.safe_load((DEPLOY / "prometheus" / "rules" / "lancer.rules.yml").read_text())["groups"]
    alerts = {r["alert"]: r for g in groups for r in g["rules"]}
    assert {"IndexerHeadLagBlocks", "IndexerReorgSpike", "IndexerRpcErrorRate", "ApiHigh5xxRate",
            "ApiP99LatencyHigh"} <= set(alerts)
    for name, rule in alerts.items():
        series = _series_in(rule["expr"])
        assert series, f"{name} names no metric"
        unknown = sorted(s for s in series if not _known_metric(s))
        assert not unknown, f"alert {name} uses unknown metrics {unknown}"
        assert rule["labels"]["severity"] in {"warning", "critical"}
    for config in ("prometheus.yml", "prometheus.k8s.yml"):
        doc = yaml.safe_load((DEPLOY / "prometheus" / config).read_text())
        assert doc["rule_files"] and {j["job_name"] for j in doc["scrape_configs"]}


def test_hpa_requests_metric_is_served_from_a_metric_the_api_exports() -> None:
    """The API HPA's Pods metric is what the prometheus-adapter rule produces, from a counter the API really
    defines, on series carrying the namespace and pod labels the in-cluster Prometheus sets."""
    hpa = next(o for _, o in _k8s_objects() if o["kind"] == "HorizontalPodAutoscaler")
    pods_metric = next(m["pods"]["metric"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Pods")
    rules = yaml.safe_load((DEPLOY / "prometheus" / "prometheus-adapter.values.yaml").read_text())["rules"]["custom"]
    rule = next(r for r in rules if r["name"]["as"] == pods_metric)
    series = _series_in(rule["seriesQuery"])
    assert series == {"lancer_http_requests_total"} and series <= _metrics_in_code()
    assert set(rule["resources"]["overrides"]) == {"namespace", "pod"}
    scrape = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.k8s.yml").read_text())["scrape_configs"][0]
    targets = {r.get("target_label") for r in scrape["relabel_configs"]}
    assert {"namespace", "pod"} <= targets
    api = next(o for _, o in _k8s_objects() if o["kind"] == "Deployment" and o["metadata"]["name"] == "lancer-api")
    port = api["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]
    assert {"name": "metrics", "containerPort": int(port), "protocol": "TCP"} in \
        api["spec"]["template"]["spec"]["containers"][0]["ports"]


def test_prometheus_compose_scrapes_api_and_every_indexer() -> None:
    doc = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = {t for job in doc["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    services = _compose()["services"]
    assert "api:9100" in targets  # METRICS_PORT, not the public port
    for name in services:
        if name.startswith("indexer-"):
            assert f"{name}:9102" in targets
    for target in targets:
        assert target.split(":")[0] in services


def test_grafana_dashboard_queries_known_metrics() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "lancer.json").read_text())
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    titles = {p["title"] for p in panels}
    for needed in ("Head lag (blocks)", "Head lag (seconds)", "Blocks / s", "Events / s", "RPC errors / s by kind",
                   "Batch write latency", "Latency p99 by route", "Cache hit ratio"):
        assert needed in titles
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            series = _series_in(target["expr"])
            assert series, f"{panel['title']}: query names no metric"
            unknown = sorted(s for s in series if not _known_metric(s))
            assert not unknown, f"panel {panel['title']!r} queries unknown metrics {unknown}"
