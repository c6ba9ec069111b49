"""OpenTelemetry tracing, on only when an OTLP endpoint is configured.

``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) set: :func:`setup` installs a
tracer provider exporting OTLP/HTTP protobuf, and the instrumentations (FastAPI, SQLAlchemy engines made
after it, Redis, the indexer's RPC client, rq jobs) start producing spans. The
standard variables are read by the SDK itself: ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_EXPORTER_OTLP_HEADERS``/``_TIMEOUT``/``_COMPRESSION``, ``OTEL_TRACES_SAMPLER(_ARG)``,
``OTEL_PROPAGATORS``, ``OTEL_BSP_*``, ``OTEL_SDK_DISABLED``. Only the ``http/protobuf`` protocol is
shipped (a ``grpc`` setting is refused with a clear message).

Unset: nothing is imported or patched; :func:`span` is a shared null context and :func:`inject` a no-op,
so the hot paths pay one attribute read.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, TypeVar

from indexer.core.errors import ConfigError

_lock = threading.Lock()
_provider: Any = None  # the SDK TracerProvider once set up
_tracer: Any = None
_service: str | None = None
_NULL = contextlib.nullcontext()
F = TypeVar("F", bound=Callable[..., Any])


def configured(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
                or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip())


def enabled() -> bool:
    return _tracer is not None


def setup(service_name: str) -> bool:
    """Install tracing for this process (idempotent); False, at no cost, when no endpoint is configured."""
    global _provider, _tracer, _service
    if not configured():
        return False
    with _lock:
        if _tracer is not None:
            return True
        protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
            "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        if protocol.strip() != "http/protobuf":
            raise ConfigError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r} is not supported: Lancer exports traces "
                              "over OTLP/HTTP (http/protobuf); point the endpoint at the collector's HTTP port (4318)")
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.redis import RedisInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        # Resource.create merges OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (which wins over ours).
        attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": service_name}
        provider = TracerProvider(resource=Resource.create(attributes))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        RedisInstrumentor().instrument(tracer_provider=provider)
        # Wraps sqlalchemy.create_engine: every engine made from now on (indexer.core.db.make_engine) traces
        # its statements. No SQL comments are added (they would defeat pg_stat_statements grouping).
        # skip_dep_check: the instrumentation declares sqlalchemy<2.1; its event hooks work on 2.1 (tested).
        SQLAlchemyInstrumentor().instrument(tracer_provider=provider, enable_commenter=False, skip_dep_check=True)
        _provider, _service = provider, service_name
        _tracer = trace.get_tracer("lancer")
    return True


def shutdown() -> None:
    """Flush and stop the exporter (end of a process; tests)."""
    if _provider is not None:
        _provider.force_flush()
        _provider.shutdown()


def flush(timeout_millis: int = 5000) -> None:
    if _provider is not None:
        _provider.force_flush(timeout_millis)


def span(name: str, **attributes: Any) -> contextlib.AbstractContextManager[Any]:
    """A span around a block when tracing is on; a shared null context otherwise."""
    if _tracer is None:
        return _NULL
    return _tracer.start_as_current_span(name, attributes=attributes)


def traced(name: str, attributes: Callable[..., dict[str, Any]] | None = None) -> Callable[[F], F]:
    """Decorator: the call runs in a span when tracing is on (``attributes`` gets the call's arguments);
    otherwise one extra function call and nothing else."""
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if _tracer is None:
                return fn(*args, **kwargs)
            attrs = attributes(*args, **kwargs) if attributes is not None else {}
            with _tracer.start_as_current_span(name, attributes=attrs):
                return fn(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


def inject(carrier: MutableMapping[str, str]) -> None:
    """Write the current trace context (W3C traceparent/tracestate) into a carrier."""
    if _tracer is not None:
        from opentelemetry import propagate

        propagate.inject(carrier)


@contextlib.contextmanager
def continued(carrier: Mapping[str, str] | None, name: str, **attributes: Any) -> Iterator[None]:
    """A span continuing the trace whose context a carrier holds (e.g. a job's meta)."""
    if _tracer is None:
        yield
        return
    from opentelemetry import propagate, trace

    context = propagate.extract(dict(carrier or {}))
    with _tracer.start_as_current_span(name, context=context, kind=trace.SpanKind.CONSUMER, attributes=attributes):
        yield


def instrument_app(app: Any) -> None:
    if _tracer is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        # OTEL_PYTHON_FASTAPI_EXCLUDED_URLS is honoured (e.g. "healthz,readyz,metrics").
        FastAPIInstrumentor.instrument_app(app, tracer_provider=_provider)


def current_ids() -> tuple[str, str] | None:
    """(trace id, span id) in hex of the current span, None without one."""
    if _tracer is None:
        return None
    from opentelemetry import trace

    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"


def add_trace_ids(logger: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: trace_id and span_id on every line logged inside a span."""
    if _tracer is not None:
        ids = current_ids()
        if ids is not None:
            event.setdefault("trace_id", ids[0])
            event.setdefault("span_id", ids[1])
    return event
