"""`lancer bench indexer` prints one table: events, seconds, events/s and ratio per run, and the reorg
recovery against its goal."""

from __future__ import annotations

from bench.indexer import BenchResult, report


def test_report_is_a_table_with_goals() -> None:
    text = BenchResult(blocks=2645, events=100_000, floor_seconds=2.0, full_seconds=3.0, reorg_seconds=0.5,
                       block_time=1.0, floor_events=100_001).report()
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("run"))
    assert header.split() == ["run", "events", "seconds", "events/s", "vs", "floor", "peak", "RSS"]
    floor = next(line for line in lines if line.startswith("floor"))
    full = next(line for line in lines if line.startswith("lancer"))
    assert "100,001" in floor and "2.00" in floor and "50,000" in floor and "100%" in floor
    assert "100,000" in full and "3.00" in full and "33,333" in full and "67%" in full and "met" in full
    assert "0.50s" in text and "2.0s: met" in text
    slow = BenchResult(blocks=1, events=10, floor_seconds=1.0, full_seconds=4.0, reorg_seconds=3.0, block_time=1.0)
    assert "NOT met" in slow.report().splitlines()[4] and slow.report().endswith("NOT met")


def test_web_budget_report_is_a_table_with_the_dashboard_verdict() -> None:
    from bench.web import Result

    rows = [{"route": "/dashboard", "scripts": 10, "raw_kb": 542.6, "gzip_kb": 165.0}, {"route": "/nowhere", "missing": True}]
    met = Result(rows, {"route": "/dashboard", "budget_kb": 200, "gzip_kb": 165.0, "met": True}, 95.0, (1.0, 2.0, 3.0)).report()
    lines = met.splitlines()
    assert lines[0].split() == ["route", "scripts", "raw", "kB", "gzip", "kB"]
    assert lines[1].split() == ["/dashboard", "10", "542.6", "165.0"] and "not prerendered" in lines[2]
    assert "load average 1.00 2.00 3.00" in met and met.endswith("< 200 kB gzip -> 165.0 kB: MET")
    over = Result(rows[:1], {"route": "/dashboard", "budget_kb": 200, "gzip_kb": 230.5, "met": False}, None, (0, 0, 0))
    assert over.report().endswith("230.5 kB: NOT MET") and "existing build" in over.report()


def test_each_workload_reports_its_floor_memory_and_cpu() -> None:
    token = BenchResult(blocks=2006, events=99_755, floor_seconds=2.0, full_seconds=5.0, reorg_seconds=0.5,
                        block_time=1.0, name="token", peak_rss=300 * 2**20, cpu=(8.0, 2.0, 6.0),
                        floor_cpu=(3.0, 1.0, 1.0))
    escrow = BenchResult(blocks=2645, events=106_417, floor_seconds=2.0, full_seconds=3.0, reorg_seconds=0.5,
                         block_time=1.0, name="escrow", peak_rss=600 * 2**20)
    text = report([escrow, token])
    assert "indexer benchmark (escrow)" in text and "indexer benchmark (token)" in text
    token_lines = token.report().splitlines()
    assert "300 MB" in next(line for line in token_lines if line.startswith("lancer"))
    assert "goal for 1M events < 500 MB: met at 99,755 events" in token.report()
    assert "500 MB: NOT met" in escrow.report()
    # The --scale 10 token workload (999,383 events) is the 1M-event run the goal names: no hint to run it.
    million = BenchResult(blocks=20014, events=999_383, floor_seconds=48.0, full_seconds=125.0, reorg_seconds=0.6,
                          block_time=1.0, name="token", peak_rss=391 * 2**20)
    assert million.report().splitlines()[5] == "peak RSS of the backfill 391 MB; goal for 1M events < 500 MB: met"
    cpu = next(line for line in token_lines if line.startswith("CPU"))
    # floor 5.0 CPU s for 99,755 logs, backfill 16.0 for 99,755 events: 31% of the floor's per event.
    assert "= 5.00" in cpu and "= 16.00" in cpu and "31%" in cpu
