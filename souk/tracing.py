"""OpenTelemetry traces: this process's tracer provider, and the W3C trace context that follows
one change from the API through PostgreSQL, the relay and Kafka to the stream worker.

``SOUK_TRACES_EXPORTER=none`` (the default) installs nothing: OpenTelemetry's no-op tracer
stays in place, :func:`active_tracer` answers None and the relay and agents take their
untraced paths. ``console`` prints one JSON span per line on stdout; ``otlp`` sends batches
to ``SOUK_OTLP_ENDPOINT`` (OTLP over HTTP).

The context travels as a *carrier* (``traceparent`` and, when set, ``tracestate``): inside a
committed transaction as a transactional logical message with the prefix
:data:`TRACE_MESSAGE_PREFIX` (JSON), and on Kafka as record headers of the same names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_NAMESPACE, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Link, Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from souk.settings import Settings, TracesExporter

TRACE_MESSAGE_PREFIX = "souk.trace"
CARRIER_FIELDS = ("traceparent", "tracestate")
_PROPAGATOR = TraceContextTextMapPropagator()

# Kafka record headers as aiokafka and Faust hand them over
Headers = Sequence[tuple[str, bytes]] | Mapping[str, bytes]


def configure_tracing(settings: Settings, service: str) -> TracerProvider | None:
    """Install this process's tracer provider (once, at start-up); None when traces are off."""
    if settings.traces_exporter is TracesExporter.NONE:
        return None
    provider = tracer_provider(settings, service)
    trace.set_tracer_provider(provider)
    return provider


def tracer_provider(settings: Settings, service: str) -> TracerProvider:
    """A provider exporting to what the settings name (spans batched off the caller's thread)."""
    resource = Resource.create({SERVICE_NAME: service, SERVICE_NAMESPACE: "souk"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(_exporter(settings)))
    return provider


def _exporter(settings: Settings) -> SpanExporter:
    if settings.traces_exporter is TracesExporter.OTLP:
        # imported here: only processes that export over OTLP pay for protobuf and requests
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(endpoint=settings.otlp_endpoint)
    return ConsoleSpanExporter(formatter=_one_line)


def _one_line(span: ReadableSpan) -> str:
    return f"{span.to_json(indent=None)}\n"


def installed_provider() -> TracerProvider | None:
    """The provider :func:`configure_tracing` installed; None when traces are off."""
    provider = trace.get_tracer_provider()
    return provider if isinstance(provider, TracerProvider) else None


def active_tracer(name: str) -> Tracer | None:
    """A tracer of the installed provider; None when traces are off (the untraced paths)."""
    provider = installed_provider()
    return None if provider is None else provider.get_tracer(name)


# -- the carrier ---------------------------------------------------------------------------


def current_carrier(context: Context | None = None) -> dict[str, str]:
    """``traceparent`` (and ``tracestate``) of the current span; empty when there is none."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=context)
    return carrier


def trace_message() -> str | None:
    """The content of a :data:`TRACE_MESSAGE_PREFIX` message for the current span, or None."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    return orjson.dumps(current_carrier()).decode()


def carrier_from_message(content: str) -> dict[str, str]:
    """The carrier a trace message holds; empty when it is not one (nothing to follow)."""
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(data, dict):
        return {}
    carrier = {name: data[name] for name in CARRIER_FIELDS if isinstance(data.get(name), str)}
    return carrier if _span_context(carrier).is_valid else {}


def context_from_carrier(carrier: dict[str, str]) -> Context:
    return _PROPAGATOR.extract(carrier)


def carrier_headers(carrier: dict[str, str]) -> list[tuple[str, bytes]]:
    """Kafka headers for a carrier."""
    return [(name, carrier[name].encode()) for name in CARRIER_FIELDS if name in carrier]


def context_from_headers(headers: Headers | None) -> Context:
    """The trace context Kafka headers carry (an empty context when they carry none)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    carrier = {
        name: bytes(value).decode("latin-1")
        for name, value in pairs
        if name in CARRIER_FIELDS and value is not None
    }
    return _PROPAGATOR.extract(carrier)


def _span_context(carrier: dict[str, str]) -> trace.SpanContext:
    return trace.get_current_span(_PROPAGATOR.extract(carrier)).get_span_context()


def links_from(headers: Iterable[Headers | None]) -> list[Link]:
    """One link per distinct producer span among the records' headers (batch consumers)."""
    links: list[Link] = []
    seen: set[tuple[int, int]] = set()
    for record_headers in headers:
        if not record_headers:
            continue
        context = trace.get_current_span(context_from_headers(record_headers)).get_span_context()
        if context.is_valid and (context.trace_id, context.span_id) not in seen:
            seen.add((context.trace_id, context.span_id))
            links.append(Link(context))
    return links


# -- spans that cost nothing when traces are off -------------------------------------------


def consumer_batch_span(
    tracer: Tracer | None, name: str, headers: Iterable[Headers | None], **attributes: Any
) -> contextlib.AbstractContextManager[Span | None]:
    """A consumer span over one micro-batch, linked to every record's producer span.

    The OpenTelemetry messaging conventions parent a batch's processing span to none of its
    records and link it to each of them. ``headers`` is only read when traces are on.
    """
    if tracer is None:
        return contextlib.nullcontext()
    return tracer.start_as_current_span(
        name, kind=SpanKind.CONSUMER, links=links_from(headers), attributes=attributes
    )


def consumer_attributes(group: str, topic: str, count: int) -> dict[str, Any]:
    """Messaging attributes of a consumer's batch span."""
    return {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.consumer.group.name": group,
        "messaging.destination.name": topic,
        "messaging.batch.message_count": count,
    }


def client_span(
    tracer: Tracer | None, name: str, **attributes: Any
) -> contextlib.AbstractContextManager[Span | None]:
    """A client span (a write to Elasticsearch or the warehouse); nothing when traces are off."""
    if tracer is None:
        return contextlib.nullcontext()
    return tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes)
