"""`lancer api` (uvicorn serving create_app), `lancer worker [--webhooks]` (rq worker on the app's queue,
or the webhook delivery queue), `lancer chainfeed` (index changes to outbox events), `lancer webhooks`
(outbox events to webhook deliveries), `lancer notifications` (outbox events to in-app notifications and emails)."""

from __future__ import annotations

from collections.abc import Callable

import click


@click.command("api")
@click.option("--host", default=None, help="Bind address (default: API_HOST)")
@click.option("--port", type=int, default=None, help="Port (default: API_PORT)")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes")
def api_command(host: str | None, port: int | None, workers: int) -> None:
    """Serve the HTTP API."""
    import uvicorn

    from api.settings import get_settings

    settings = get_settings()
    if settings.metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port, addr=settings.api_host)
    # X-Forwarded-For is read by api.kit.client with TRUSTED_PROXY_HOPS; uvicorn's own proxy_headers
    # would rewrite the peer from the header's right-most entry whoever sent it, so it stays off.
    # ws: uvicorn's websockets protocol plus the direct write path of the push hub (api.kit.wsserver).
    uvicorn.run("api.app:create_app", factory=True, host=host or settings.api_host, port=port or settings.api_port,
                workers=workers, proxy_headers=False, server_header=False, log_config=None,
                ws="api.kit.wsserver:LancerWebSocketProtocol", ws_per_message_deflate=settings.ws_per_message_deflate)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty")
@click.option("--webhooks", is_flag=True,
              help="Send webhook deliveries only (their own queue), running each job in this process")
def worker_command(burst: bool, webhooks: bool) -> None:
    """Run an rq worker for the API's background jobs (exports, deletions, emails, chain transactions), or
    with --webhooks the webhook delivery worker."""
    from redis import Redis
    from rq import SimpleWorker, Worker

    from api.kit.queue import DEFAULT, WEBHOOKS, TracedJob, TracedQueue, configure, queue_name
    from indexer.core.sentry import setup_sentry
    from api.settings import get_settings
    from indexer.core import telemetry

    settings = get_settings()
    telemetry.setup("lancer-webhook-worker" if webhooks else "lancer-worker")
    setup_sentry(settings, "webhook-worker" if webhooks else "worker")
    configure(settings)
    redis = Redis.from_url(settings.redis_url_or_default)
    # A delivery is a few milliseconds of work around one HTTP call: forking a work horse per job (and
    # opening a database connection in it) cost ~100x that. In-process, the job engine's pool and the
    # HTTP client's keep-alive connections are reused from job to job. Other jobs keep rq's fork per job
    # (isolation for long, memory-hungry work such as exports).
    worker_class = SimpleWorker if webhooks else Worker
    try:
        worker_class([queue_name(settings, WEBHOOKS if webhooks else DEFAULT)], connection=redis,
                     job_class=TracedJob, queue_class=TracedQueue).work(burst=burst, with_scheduler=True)
    finally:
        telemetry.shutdown()


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run the sweeps once (if this process wins the lock) and exit")
@click.option("--list", "list_jobs", is_flag=True, help="List the scheduled jobs and exit")
def scheduler_command(once: bool, list_jobs: bool) -> None:
    """Run the periodic sweeps (deletions, export purge, audit retention, API key usage flush)."""
    import signal
    import threading

    from redis import Redis

    from api.kit.crypto import data_key_ring
    from api.kit.encrypted import attach_key_ring
    from api.scheduler import JOBS, load_hooks, run_forever, run_once
    from api.settings import get_settings
    from indexer.core.db import make_engine

    from indexer.core import telemetry
    from indexer.core.sentry import setup_sentry

    load_hooks()
    if list_jobs:
        for job in JOBS.values():
            click.echo(f"{job.name}  {'every tick' if job.every_seconds is None else f'every {job.every_seconds} s'}")
        return
    settings = get_settings()
    telemetry.setup("lancer-scheduler")
    setup_sentry(settings, "scheduler")
    engine = attach_key_ring(make_engine(settings.database_url.get_secret_value(), pool_size=2, max_overflow=0,
                                         slow_query_ms=settings.slow_query_ms), data_key_ring(settings))
    redis = Redis.from_url(settings.redis_url_or_default, socket_timeout=10)
    if once:
        outcomes = run_once(engine, redis, settings)
        click.echo("another replica holds the lock" if outcomes is None else
                   "\n".join(f"{o.job}  {o.status}  {o.result}" for o in outcomes))
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    run_forever(engine, redis, settings, stop)


@click.command("chainfeed")
@click.option("--interval", type=float, default=1.0, show_default=True, help="Seconds between passes")
def chainfeed_command(interval: float) -> None:
    """Turn indexed escrow events, reward claims and stake changes into outbox events (pending, confirmed,
    retracted after a reorg)."""
    import signal
    import threading

    from api.chainfeed.service import run
    from api.escrow_service.sync import sync_once
    from api.rewards.feed import poll_once as economy_feed
    from api.settings import get_settings
    from indexer.core.db import make_engine

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    engine = make_engine(get_settings().database_url.get_secret_value())
    try:
        run(engine, stop, interval, also=[sync_once, economy_feed])
    finally:
        engine.dispose()


def _run_outbox_consumer(run: Callable[..., None], interval: float) -> None:
    """Run an outbox consumer loop until SIGTERM/SIGINT, on the API's database (with its key ring) and Redis."""
    import signal
    import threading

    from redis import Redis

    from api.kit.crypto import data_key_ring
    from api.kit.encrypted import attach_key_ring
    from api.settings import get_settings
    from indexer.core.db import make_engine

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    settings = get_settings()
    engine = attach_key_ring(make_engine(settings.database_url.get_secret_value(), slow_query_ms=settings.slow_query_ms),
                             data_key_ring(settings))
    redis = Redis.from_url(settings.redis_url_or_default)
    try:
        run(engine, redis, settings, stop, interval)
    finally:
        redis.close()
        engine.dispose()


@click.command("webhooks")
@click.option("--interval", type=float, default=None,
              help="Seconds between passes (default: WEBHOOK_DISPATCH_INTERVAL_SECONDS)")
def webhooks_command(interval: float | None) -> None:
    """Turn outbox events into webhook deliveries and enqueue them (the rq worker sends them)."""
    from api.integrations.delivery import run
    from api.settings import get_settings

    _run_outbox_consumer(run, interval or get_settings().webhook_dispatch_interval_seconds)


@click.command("notifications")
@click.option("--interval", type=float, default=None,
              help="Seconds between passes (default: NOTIFICATIONS_INTERVAL_SECONDS)")
def notifications_command(interval: float | None) -> None:
    """Turn outbox events into in-app notifications and enqueue their emails (the rq worker sends them)."""
    from api.notifications.consumer import run
    from api.settings import get_settings

    _run_outbox_consumer(run, interval or get_settings().notifications_interval_seconds)