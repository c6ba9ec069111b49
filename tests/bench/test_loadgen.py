import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.loadgen import parse_wrk, run_mix

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/health/liveness
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.10ms    1.20ms  40.00ms   90.00%
    Req/Sec     2.60k   200.00     3.00k    70.00%
  Latency Distribution
     50%    5.90ms
     75%    6.50ms
     90%    7.20ms
     99%   12.40ms
  52000 requests in 10.01s, 8.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   5194.81
Transfer/sec:    818.00KB
"""


def test_parse_wrk_reads_counts_and_percentiles() -> None:
    result = parse_wrk("http://x", WRK_OUTPUT)
    assert result.requests == 52000
    assert abs(result.seconds - 10.01) < 1e-9
    assert result.p50_ms == 5.9 and result.p99_ms == 12.4
    assert result.errors == 3
    assert round(result.rps) == 5195


@contextmanager
def _serving(respond: Callable[[BaseHTTPRequestHandler], tuple[int, bytes]]) -> Iterator[str]:
    """A real keep-alive HTTP server on a free port answering GETs with ``respond``; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the API

        def do_GET(self) -> None:  # noqa: N802
            status, body = respond(self)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_run_mix_cycles_paths_over_keep_alive_connections() -> None:
    with _serving(lambda h: (200 if h.path == "/ok" else 404, b'{"ok":true}')) as url:
        result = run_mix(url, ["/ok", "/missing"], 0.5, 2)
    assert result.requests > 10 and set(result.per_path_p99_ms) == {"/ok", "/missing"}
    assert abs(result.errors - result.requests / 2) <= 2  # every other request is a 404
    assert 0 <= result.cpu_share <= 1.5 and result.p50_ms <= result.p99_ms


def test_run_mix_distinct_sends_each_path_once_with_each_connections_headers() -> None:
    seen: Counter[str] = Counter()
    users: Counter[str] = Counter()
    lock = threading.Lock()

    def respond(h: BaseHTTPRequestHandler) -> tuple[int, bytes]:
        with lock:
            seen[h.path] += 1
            users[h.headers.get("Authorization", "")] += 1
        return 200, b"{}"

    paths = [f"/p?n={i}" for i in range(200_000)]  # more than 0.5 s can send
    with _serving(respond) as url:
        result = run_mix(url, paths, 0.5, 2, distinct=True,
                         headers=[{"Authorization": "Bearer a"}, {"Authorization": "Bearer b"}],
                         label=lambda p: "even" if int(p.split("=")[1]) % 2 == 0 else "odd")
    assert result.requests > 10 and result.errors == 0
    assert set(seen.values()) == {1} and len(seen) == result.requests == result.sent_distinct
    assert set(seen) == set(paths[:result.requests])  # taken in order from the one sequence
    assert set(users) == {"Bearer a", "Bearer b"}  # one user per connection, both used
    assert set(result.per_path_p99_ms) == {"even", "odd"}
