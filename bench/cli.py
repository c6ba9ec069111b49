"""`lancer bench indexer` (floor vs full backfill, reorg recovery), `lancer bench api` (read routes vs a
constant-JSON ceiling), `lancer bench messages` (WebSocket fan-out latency), `lancer bench search`
(project search on one API process), `lancer bench auth` (CPU of authenticating one request),
`lancer bench matching` (ranking quality and feed latency),
`lancer bench dashboards`, `lancer bench webhooks` (delivery throughput and latency), `lancer bench soak`
(API + two indexers + worker under mixed load for N minutes) and `lancer bench web` (the web app's
first-load JS budget). Thin wiring: each benchmark lives in its own module."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

admin_url_option = click.option(
    "--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres", show_default=True,
    help="PostgreSQL URL allowed to create/drop scratch databases")


def _seconds_option(default: float) -> Callable[[Any], Any]:
    return click.option("--seconds", default=default, show_default=True, help="Load duration (per route)")


def _connections_option(default: int) -> Callable[[Any], Any]:
    return click.option("--connections", default=default, show_default=True, help="Concurrent keep-alive connections")


@click.group("bench")
def bench_command() -> None:
    """Benchmarks (not tests): print figures for the README."""


@bench_command.command("indexer")
@admin_url_option
@click.option("--max-range", default=5000, show_default=True, help="Largest getLogs range for both runs")
@click.option("--workload", type=click.Choice(["escrow", "token", "both"]), default="both", show_default=True,
              help="escrow: 106k Token/Escrow events; token: dense LNC transfers (100k x scale)")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 100),
              help="Multiply the token workload (10 = 1M events, for the memory goal)")
def indexer_bench(admin_url: str, max_range: int, workload: str, scale: int) -> None:
    """Build (or load) the anvil workloads, measure floor and full backfill of each, and a reorg."""
    from bench.indexer import report, run

    click.echo(report(run(admin_url, max_range=max_range, log=click.echo, workload=workload, scale=scale)))


@bench_command.command("api")
@admin_url_option
@click.option("--escrows", default=150, show_default=True, help="Escrows to create on top of the demo")
@click.option("--transfers", default=300, show_default=True, help="LNC transfers to make on top of the demo")
@click.option("--projects", default=10_000, show_default=True, help="Projects for the search route")
@click.option("--workers", type=int, default=None, help="API processes of the multi-process figure [default: cores]")
@_seconds_option(10)
@_connections_option(16)
def api_bench(admin_url: str, escrows: int, transfers: int, projects: int, workers: int | None, seconds: int,
              connections: int) -> None:
    """Populate an index, serve it, and load every read route next to a constant route (1 and N processes)."""
    from bench.api import run

    click.echo(run(admin_url, escrows=escrows, transfers=transfers, projects=projects, seconds=seconds,
                   connections=connections, workers=workers, log=click.echo).report())


@bench_command.command("messages")
@admin_url_option
@click.option("--clients", default=1000, show_default=True, help="Connected WebSocket clients")
@click.option("--processes", default=2, show_default=True, help="API processes (clients spread over them)")
@click.option("--messages", default=20, show_default=True, help="Messages sent, each to every client")
@click.option("--interval", default=0.5, show_default=True, help="Seconds between messages")
@click.option("--warmup", default=1, show_default=True,
              help="Messages sent first and reported apart, not counted (a process's first POST pays one-off costs)")
def messages_bench(admin_url: str, clients: int, processes: int, messages: int, interval: float, warmup: int) -> None:
    """WebSocket fan-out latency (POST to delivery) with N clients in one conversation."""
    from bench.messages import run

    click.echo(run(admin_url, clients=clients, processes=processes, messages=messages, interval=interval,
                   warmup=warmup, log=click.echo).report())


@bench_command.command("search")
@admin_url_option
@click.option("--projects", default=100_000, show_default=True, help="Projects in the scratch database")
@click.option("--users", default=20_000, show_default=True, help="Users (with profiles) in the scratch database")
@_seconds_option(20)
@_connections_option(16)
def search_bench(admin_url: str, projects: int, users: int, seconds: float, connections: int) -> None:
    """Project search on one API process: the cached anonymous mix, then uncached anonymous and signed-in
    mixes (every search new); req/s, p50/p99, API and PostgreSQL CPU per request, a verdict each."""
    from bench.search import run

    click.echo(run(admin_url, projects=projects, users=users, seconds=seconds, connections=connections,
                   log=click.echo).report())


@bench_command.command("auth")
@admin_url_option
@click.option("--requests", default=10_000, show_default=True, help="Requests per mode")
def auth_bench(admin_url: str, requests: int) -> None:
    """CPU per request of an anonymous public read, the same read signed in, and a signed-in user's route:
    one app in this process through its ASGI interface, one request at a time (what credentials cost)."""
    from bench.auth import run

    click.echo(run(admin_url, requests=requests, log=click.echo).report())


@bench_command.command("matching")
@admin_url_option
@click.option("--freelancers", default=10_000, show_default=True,
              help="Freelancers in the database for the latency part (the README reports 10k and 100k)")
@click.option("--calls", default=100, show_default=True, help="Timed feed calls per ranker")
def matching_bench(admin_url: str, freelancers: int, calls: int) -> None:
    """Matching: NDCG@10 and recall@10 of both rankers on the committed evaluation set; feed p50/p99."""
    from bench.matching import run

    click.echo(run(admin_url, freelancers=freelancers, calls=calls, log=click.echo).report())


@bench_command.command("soak")
@admin_url_option
@click.option("--minutes", default=10.0, show_default=True, help="How long the load runs")
@click.option("--sample", default=30.0, show_default=True, help="Seconds between samples")
@click.option("--clients", default=8, show_default=True, help="Concurrent read clients")
def soak_bench(admin_url: str, minutes: float, sample: float, clients: int) -> None:
    """API + two indexers + worker under mixed load: memory growth, p99 and indexer lag over time."""
    from bench.soak import run

    click.echo(run(admin_url, minutes=minutes, sample=sample, clients=clients, log=click.echo).report())


@bench_command.command("webhooks")
@admin_url_option
@click.option("--endpoints", default=1000, show_default=True, help="Webhook endpoints (all subscribed to the events)")
@click.option("--events", default=20, show_default=True, help="Outbox events, each delivered to every endpoint")
@click.option("--workers", default=2, show_default=True,
              help="Webhook worker processes sending deliveries (`lancer worker --webhooks`)")
@click.option("--interval", default=0.05, show_default=True, help="Seconds between two events (0: all at once)")
@click.option("--timeout", default=600.0, show_default=True, help="Give up waiting for deliveries after this long")
def webhooks_bench(admin_url: str, endpoints: int, events: int, workers: int, interval: float, timeout: float) -> None:
    """Webhook delivery throughput and event-committed -> receiver latency (p50/p99) with N endpoints."""
    from bench.webhooks import run

    click.echo(run(admin_url, endpoints=endpoints, events=events, workers=workers, interval=interval,
                   timeout=timeout, log=click.echo).report())


@bench_command.command("dashboards")
@admin_url_option
@click.option("--projects", default=100_000, show_default=True, help="Projects in the scratch database")
@click.option("--users", default=20_000, show_default=True, help="Users (with profiles)")
@click.option("--index-rows", default=1_000_000, show_default=True, help="Raw escrow events in the index")
@click.option("--requests", default=200, show_default=True, help="Requests per dashboard and mode")
def dashboards_bench(admin_url: str, projects: int, users: int, index_rows: int, requests: int) -> None:
    """The freelancer, client and admin dashboards on one API process: p50/p99 warm (cached) and cold."""
    from bench.dashboards import run

    click.echo(run(admin_url, projects=projects, users=users, index_rows=index_rows, requests=requests,
                   log=click.echo).report())


@bench_command.command("web")
@click.option("--build/--no-build", default=True, show_default=True, help="Run `next build` first (production)")
@click.argument("routes", nargs=-1)
def web_bench(build: bool, routes: tuple[str, ...]) -> None:
    """First-load JS (gzip) per main route of the production build; goal < 200 kB on /dashboard."""
    from bench.web import run

    result = run(build=build, routes=routes, log=click.echo)
    click.echo(result.report())
    if not result.verdict["met"]:
        raise SystemExit(1)
