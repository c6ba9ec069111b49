"""OpenTelemetry (issue 18): with OTEL_EXPORTER_OTLP_ENDPOINT set, the real `lancer api` and `lancer worker`
export spans over OTLP/HTTP to a local receiver (the real protocol), and one trace runs from the HTTP
request through PostgreSQL and Redis into the rq job the request enqueued; log lines inside a span carry
its trace id. The indexer's RPC client makes one span per call. Without the variable nothing is set up."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
from eth_account import Account

from api.settings import ApiSettings
from bench.loadgen import wait_until_up
from indexer.core import telemetry
from tests.support.api_client import bearer, login
from tests.support.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.support.processes import REPO, free_port, lancer, settings_env


def _in_trace(spans: list[ReceivedSpan], trace_id: str) -> list[ReceivedSpan]:
    return [s for s in spans if s.trace_id == trace_id]


def test_one_trace_from_http_request_to_job(api_settings: ApiSettings) -> None:
    with OtlpReceiver() as receiver:
        port = free_port()
        # A Redis prefix of its own: `worker --burst` must run this test's job, not jobs other tests left queued.
        env = settings_env(api_settings, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY="200",
                           OTEL_RESOURCE_ATTRIBUTES="deployment.environment=test", LOG_FORMAT="json",
                           REDIS_KEY_PREFIX=f"{api_settings.redis_key_prefix}tracing:")
        api = lancer(["api", "--port", str(port)], env, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base)
            with httpx.Client(base_url=base, timeout=30) as client:
                tokens = login(client, Account.create())["tokens"]  # type: ignore[arg-type]
                r = client.post("/v1/me/export", headers=bearer(tokens["access_token"]))
                assert r.status_code == 202, r.text
            worker = lancer(["worker", "--burst"], env, stderr=subprocess.PIPE)
            _, worker_log = worker.communicate(timeout=120)
            assert worker.returncode == 0, worker_log[-2000:]

            def complete(spans: list[ReceivedSpan]) -> bool:
                roots = [s for s in spans if s.name == "POST /v1/me/export" and s.service == "lancer-api"]
                return bool(roots) and any(s.service == "lancer-worker" and s.name.startswith("rq.job")
                                           and s.trace_id == roots[0].trace_id for s in spans)

            spans = receiver.wait_for(complete)
        finally:
            api.terminate()
            api.wait(timeout=30)
    root = next(s for s in spans if s.name == "POST /v1/me/export" and not s.parent_span_id)
    trace = _in_trace(spans, root.trace_id)
    api_side = [s for s in trace if s.service == "lancer-api"]
    assert any(s.attributes.get("db.system") == "postgresql" for s in api_side), [s.name for s in api_side]
    assert any(s.attributes.get("db.system") == "redis" for s in api_side), [s.name for s in api_side]
    job = next(s for s in trace if s.name == "rq.job api.privacy.jobs.build_export")
    assert job.service == "lancer-worker" and job.parent_span_id in {s.span_id for s in api_side}
    # The job's own work (its SQL) is inside the job's span.
    assert any(s.parent_span_id == job.span_id and s.attributes.get("db.system") == "postgresql" for s in trace)
    assert all(s.trace_id == root.trace_id for s in trace)
    # Standard variables are honoured (resource attributes), and log lines in the job carry its trace id.
    assert receiver.requests and all(h["content-type"] == "application/x-protobuf" for h in receiver.requests)
    lines = [json.loads(line) for line in worker_log.splitlines() if line.startswith("{")]
    done = [line for line in lines if line.get("event") == "job done"]
    assert done and done[0]["trace_id"] == root.trace_id and done[0]["span_id"] == job.span_id


RPC_SCRIPT = """
import json, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from indexer.core import telemetry
from indexer.rpc.client import RpcClient

class Node(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": "0x7a69"}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)

node = HTTPServer(("127.0.0.1", 0), Node)
threading.Thread(target=node.serve_forever, daemon=True).start()
assert telemetry.setup("lancer-indexer")
client = RpcClient([f"http://127.0.0.1:{node.server_address[1]}/v3/secret-key"], chain="anvil-1")
@telemetry.traced("sync tick", lambda n: {"lancer.tick": n})
def tick(n):
    return client.call("eth_chainId")

assert tick(1) == "0x7a69"
telemetry.shutdown()
"""


def test_rpc_calls_are_spans_without_their_url() -> None:
    with OtlpReceiver() as receiver:
        env = {**settings_env(ApiSettings.model_construct()), "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint}
        done = subprocess.run([sys.executable, "-c", RPC_SCRIPT], env=env, cwd=REPO, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        spans = receiver.wait_for(lambda spans: any(s.name == "rpc eth_chainId" for s in spans))
    rpc = next(s for s in spans if s.name == "rpc eth_chainId")
    parent = next(s for s in spans if s.name == "sync tick")
    assert rpc.parent_span_id == parent.span_id and rpc.service == "lancer-indexer"
    assert parent.attributes == {"lancer.tick": 1}
    assert rpc.attributes == {"rpc.system": "jsonrpc", "rpc.method": "eth_chainId", "lancer.chain": "anvil-1"}
    assert "secret-key" not in repr(spans)


WEB3_SCRIPT = RPC_SCRIPT.split("node = HTTPServer")[0] + """
node = HTTPServer(("127.0.0.1", 0), Node)
threading.Thread(target=node.serve_forever, daemon=True).start()
assert telemetry.setup("lancer-worker")
from web3 import Web3
from api.kit.web3rpc import TracedHTTPProvider
w3 = Web3(TracedHTTPProvider(f"http://127.0.0.1:{node.server_address[1]}/v3/secret-key", chain="anvil-1"))
with telemetry.span("rq.job api.attestations.jobs.publish"):
    assert w3.eth.chain_id == 31337
telemetry.shutdown()
"""


def test_web3_calls_of_the_api_are_spans_without_their_url() -> None:
    """Jobs and routes that reach a chain through web3 (attestations, offsets, contract-wallet sign-in) trace
    each call inside the job's or request's span, naming the chain and never the URL."""
    with OtlpReceiver() as receiver:
        env = {**settings_env(ApiSettings.model_construct()), "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint}
        done = subprocess.run([sys.executable, "-c", WEB3_SCRIPT], env=env, cwd=REPO, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        spans = receiver.wait_for(lambda spans: any(s.name == "rpc eth_chainId" for s in spans))
    rpc = next(s for s in spans if s.name == "rpc eth_chainId")
    job = next(s for s in spans if s.name.startswith("rq.job"))
    assert rpc.parent_span_id == job.span_id and rpc.service == "lancer-worker"
    assert rpc.attributes == {"rpc.system": "jsonrpc", "rpc.method": "eth_chainId", "lancer.chain": "anvil-1"}
    assert "secret-key" not in repr(spans)


def test_every_web3_provider_of_the_api_is_traced() -> None:
    plain = [f"{p.relative_to(REPO)}:{n}" for p in sorted((REPO / "api").rglob("*.py")) if p.name != "web3rpc.py"
             for n, line in enumerate(p.read_text().splitlines(), 1)
             if "HTTPProvider(" in line and "TracedHTTPProvider(" not in line]
    assert plain == [], "use api.kit.web3rpc.TracedHTTPProvider"


def test_off_without_an_endpoint_at_no_cost() -> None:
    # This test process never set OTEL_EXPORTER_OTLP_ENDPOINT: no provider, no patching, null spans.
    assert not telemetry.enabled() and not telemetry.configured({})
    assert telemetry.configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318"})
    assert not telemetry.configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318", "OTEL_SDK_DISABLED": "true"})
    assert telemetry.span("x") is telemetry.span("y")  # one shared null context
    carrier: dict[str, str] = {}
    telemetry.inject(carrier)
    assert carrier == {} and telemetry.current_ids() is None
    # (redis 8 imports opentelemetry.sdk.metrics by itself when the SDK is installed; that is redis's, and
    # sets nothing up.) Lancer installs no exporter, no instrumentation, no provider, no Sentry client.
    script = ("import sys, api.app, indexer.rpc.client, api.kit.queue, sentry_sdk; from opentelemetry import trace; "
              "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.instrumentation', "
              "'opentelemetry.exporter'))), type(trace.get_tracer_provider()).__name__, "
              "sentry_sdk.get_client().is_active())")
    env = settings_env(ApiSettings.model_construct())
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[] ProxyTracerProvider False", out.stdout + out.stderr[-1000:]
