"""`lancer bench api`'s report: a goal verdict only when the server, not the load generator, was the
bottleneck; CPU per request next to req/s; the multi-process figure."""

from __future__ import annotations

from bench.api import ApiBench, Row, verdict
from bench.loadgen import LoadResult, MixResult
from bench.search import SearchBench


def _result(rps: float, p99: float, *, tool: str = "wrk", generator_cores: float = 0.3) -> LoadResult:
    return LoadResult("http://x", tool, int(rps * 10), 0, 10.0, p99 / 2, p99, generator_cores * 10.0)


def _bench(routes: dict[str, tuple[float, float]], *, tool: str = "wrk", generator_cores: float = 0.3,
           api_cores: float = 0.95, many: bool = False) -> ApiBench:
    ceiling = _result(5000, 5.0, tool=tool, generator_cores=generator_cores)
    rows = [Row("constant JSON (/health/liveness)", ceiling, ceiling, api_cores * 10, api_cores * 10)]
    for name, (rps, p99) in routes.items():
        rows.append(Row(name, _result(rps, p99, tool=tool, generator_cores=generator_cores), ceiling,
                        api_cores * 10, api_cores * 10))
    return ApiBench(16, 10, tool, 2, rows, rows if many else [], 2, (0.5, 0.4, 0.3))


def test_met_only_when_every_read_is_at_60_percent_with_a_short_tail() -> None:
    assert verdict(_bench({"balances": (3500, 8.0), "escrow list": (3100, 9.0)})).endswith(": met")
    missed = verdict(_bench({"balances": (3500, 8.0), "escrow list": (2900, 9.0), "search": (4000, 25.0)}))
    assert "NOT met on escrow list, search" in missed


def test_no_verdict_when_the_load_generator_is_the_bottleneck() -> None:
    # The Python generator on one core (GIL) at 95%: it measured itself, whatever the ratios say.
    text = verdict(_bench({"balances": (4900, 8.0)}, tool="python", generator_cores=0.95, api_cores=0.6))
    assert text.startswith("goal: NO VERDICT") and "met" not in text.replace("NO VERDICT", "")
    # wrk using more CPU than the API it loads: not a measure of the API either.
    assert verdict(_bench({"balances": (4900, 8.0)}, generator_cores=0.9, api_cores=0.7)).startswith("goal: NO VERDICT")


def test_report_gives_cpu_per_request_and_the_multi_process_scale() -> None:
    bench = _bench({"balances": (2500, 8.0)}, many=True)
    text = bench.report()
    assert "API cpu ms/req" in text and "2 uvicorn processes" in text and "scale: " in text
    row = bench.one[1]
    assert abs(row.cpu_ms - 1000 * 9.5 / 25_000) < 1e-9 and abs(row.cpu_ratio - 0.5) < 1e-9


def test_search_report_refuses_a_verdict_when_the_generator_is_busier_than_the_api() -> None:
    result = MixResult(requests=12_000, errors=0, seconds=20.0, p50_ms=8.0, p99_ms=30.0, cpu_share=0.9,
                       per_path_p99_ms={"/v1/projects?limit=20": 30.0})
    text = SearchBench(100_000, 20_000, 16, 20, result, 0.5, (0.1, 0.2, 0.3)).report()
    assert "NO VERDICT" in text and "goal (p99" not in text
