from bench.loadgen import parse_wrk

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
