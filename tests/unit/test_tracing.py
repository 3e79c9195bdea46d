"""Trace context carriers, Kafka header links and the spans that cost nothing when off."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from souk.settings import Settings, TracesExporter
from souk.tracing import (
    Headers,
    carrier_from_message,
    carrier_headers,
    client_span,
    configure_tracing,
    consumer_batch_span,
    context_from_headers,
    installed_provider,
    links_from,
    trace_message,
    tracer_provider,
)

A = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
B = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"


def test_no_span_no_message() -> None:
    assert trace_message() is None


def test_the_message_carries_the_current_span() -> None:
    provider = TracerProvider()
    with provider.get_tracer("test").start_as_current_span("request") as span:
        content = trace_message()
    assert content is not None
    carrier = carrier_from_message(content)
    context = span.get_span_context()
    flags = int(context.trace_flags)
    assert (
        carrier["traceparent"] == f"00-{context.trace_id:032x}-{context.span_id:016x}-{flags:02x}"
    )
    assert carrier_headers(carrier) == [("traceparent", carrier["traceparent"].encode())]


@pytest.mark.parametrize(
    "content", ["not json", "[1]", "{}", '{"traceparent": 5}', '{"traceparent": "00-x-y-01"}']
)
def test_messages_without_a_valid_context_carry_nothing(content: str) -> None:
    assert carrier_from_message(content) == {}


def test_tracestate_travels_with_the_parent() -> None:
    content = orjson.dumps({"traceparent": A, "tracestate": "souk=1", "other": "x"}).decode()
    assert carrier_from_message(content) == {"traceparent": A, "tracestate": "souk=1"}


def test_links_one_per_producer_span_from_lists_and_mappings() -> None:
    headers: list[Headers | None] = [
        [("lsn", b"1"), ("traceparent", A.encode())],
        {"traceparent": A.encode()},  # the same producer span: one link
        [("traceparent", B.encode())],
        None,
        [("lsn", b"2")],
        [("traceparent", b"garbage")],
    ]
    links = links_from(headers)
    assert [f"{link.context.span_id:016x}" for link in links] == [
        "b7ad6b7169203331",
        "00f067aa0ba902b7",
    ]
    assert all(link.context.is_remote for link in links)
    assert context_from_headers(None) == context_from_headers([])


def test_spans_off_read_no_headers() -> None:
    def headers() -> Iterator[Headers]:
        raise AssertionError("headers read with traces off")
        yield []

    with consumer_batch_span(None, "process t", headers(), count=1) as span:
        assert span is None
    with client_span(None, "elasticsearch bulk") as span:
        assert span is None


def test_batch_span_links_each_record_and_parents_the_write() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    headers = [[("traceparent", A.encode())], [("traceparent", B.encode())]]
    with (
        consumer_batch_span(tracer, "process souk.cdc.listings", iter(headers), count=2),
        client_span(tracer, "elasticsearch bulk"),
    ):
        pass
    write, batch = exporter.get_finished_spans()
    assert batch.kind is SpanKind.CONSUMER
    assert len(batch.links) == 2
    assert batch.parent is None  # a batch has no single parent: links, by the conventions
    assert write.kind is SpanKind.CLIENT
    assert write.parent is not None
    assert batch.context is not None
    assert write.parent.span_id == batch.context.span_id


def test_none_installs_nothing() -> None:
    assert configure_tracing(Settings(traces_exporter=TracesExporter.NONE), "souk-api") is None
    assert installed_provider() is None


def test_console_and_otlp_providers_build() -> None:
    for exporter in (TracesExporter.CONSOLE, TracesExporter.OTLP):
        provider = tracer_provider(Settings(traces_exporter=exporter), "souk-relay")
        assert provider.resource.attributes["service.name"] == "souk-relay"
        provider.shutdown()
