"""The relay hands a transaction's trace context on in the Kafka headers of its records."""

from __future__ import annotations

import asyncio

import orjson
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Tracer

from pipelines.relay.progress import Progress
from pipelines.relay.records import RecordBuilder, RelayRecord
from pipelines.relay.stream import ChangeStream
from pipelines.relay.traces import SPAN_NAME, TransactionTrace
from pipelines.topics import RelayTopics
from tests.unit.pipelines.test_stream import FakePublisher, FakeSource, txn, until

API_TRACE = 0x0AF7651916CD43DD8448EB211C80319C
API_SPAN = 0xB7AD6B7169203331
TRACEPARENT = f"00-{API_TRACE:032x}-{API_SPAN:016x}-01"


def message(content: object, *, prefix: str = "souk.trace", transactional: bool = True) -> bytes:
    text = content if isinstance(content, str) else orjson.dumps(content).decode()
    return orjson.dumps(
        {"action": "M", "xid": 1, "lsn": "0/1", "transactional": transactional,
         "prefix": prefix, "content": text}
    )  # fmt: skip


def traced(transaction: list[bytes], *messages: bytes) -> list[bytes]:
    """The transaction with ``messages`` right after its ``B``."""
    return [transaction[0], *messages, *transaction[1:]]


def outbox_insert(xid: int, lsn: int) -> bytes:
    columns = [
        {"name": "event_id", "type": "uuid", "value": "6f69c0de-0000-4000-8000-000000000001"},
        {"name": "event_type", "type": "text", "value": "ListingRepriced"},
        {"name": "aggregate_type", "type": "text", "value": "listing"},
        {"name": "aggregate_id", "type": "text", "value": "7"},
        {"name": "version", "type": "integer", "value": 2},
        {"name": "payload", "type": "jsonb", "value": "{}"},
    ]
    return orjson.dumps(
        {"action": "I", "xid": xid, "lsn": f"0/{lsn:X}", "schema": "public", "table": "outbox",
         "columns": columns, "pk": [{"name": "event_id", "type": "uuid"}]}
    )  # fmt: skip


def relay(tracer: Tracer | None, *transactions: list[bytes]) -> list[RelayRecord]:
    async def scenario() -> list[RelayRecord]:
        source, publisher = FakeSource(*transactions), FakePublisher()
        stream = ChangeStream(
            source,
            publisher,
            RecordBuilder(RelayTopics()),
            Progress(60),
            feedback_seconds=0,
            trace=TransactionTrace(tracer),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(stream.run(stop))
        await until(lambda: not source.messages)
        stop.set()
        await task
        assert source.confirmed[-1] == 0x300  # every transaction confirmed, traced or not
        return [record for record, _ in publisher.sent]

    return asyncio.run(scenario())


def traceparent(record: RelayRecord) -> str | None:
    found = [value.decode() for name, value in record.headers if name == "traceparent"]
    assert len(found) <= 1
    return found[0] if found else None


def in_memory_tracer() -> tuple[Tracer, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer("test"), exporter


def test_a_traced_transaction_gets_a_relay_span_and_every_record_its_context() -> None:
    tracer, exporter = in_memory_tracer()
    first = traced(txn(1, 0x100, 7), message({"traceparent": TRACEPARENT}))
    first.insert(-1, outbox_insert(1, 0xFA))
    records = relay(tracer, first, txn(2, 0x200, 8), traced(txn(3, 0x300), message({})))

    [span] = exporter.get_finished_spans()
    assert span.name == SPAN_NAME
    assert span.kind is SpanKind.PRODUCER
    assert span.context is not None
    assert span.parent is not None
    assert span.context.trace_id == API_TRACE  # the API's trace goes on
    assert span.parent.span_id == API_SPAN  # as the message's context's child
    assert span.attributes is not None
    assert span.attributes["messaging.batch.message_count"] == 2
    assert span.attributes["souk.relay.xid"] == 1

    # the listing and its outbox event carry the relay span; the message is no record
    assert [r.topic for r in records] == [
        "souk.cdc.listings",
        "souk.domain-events",
        "souk.cdc.listings",
    ]
    relay_parent = f"00-{API_TRACE:032x}-{span.context.span_id:016x}-01"
    assert traceparent(records[0]) == traceparent(records[1]) == relay_parent
    assert traceparent(records[2]) is None  # the next transaction is not traced
    assert {name for name, _ in records[0].headers} >= {"lsn", "commit_lsn", "xid"}


def test_with_traces_off_the_relay_passes_the_context_on_unchanged() -> None:
    carrier = {"traceparent": TRACEPARENT, "tracestate": "souk=1"}
    records = relay(None, traced(txn(1, 0x100, 7), message(carrier)), txn(3, 0x300, 8))
    assert traceparent(records[0]) == TRACEPARENT
    assert (b"souk=1") in [value for name, value in records[0].headers if name == "tracestate"]
    assert traceparent(records[1]) is None


def test_messages_that_are_no_trace_context_are_ignored() -> None:
    tracer, exporter = in_memory_tracer()
    carrier = {"traceparent": TRACEPARENT}
    records = relay(
        tracer,
        traced(txn(1, 0x100, 1), message(carrier, prefix="someone.else")),
        traced(txn(2, 0x200, 2), message(carrier, transactional=False)),
        traced(txn(3, 0x300, 3), message("not json"), message({"traceparent": "00-00-00-00"})),
    )
    assert [traceparent(r) for r in records] == [None, None, None]
    assert exporter.get_finished_spans() == ()


def test_a_transaction_with_only_a_message_sends_nothing_and_is_confirmed() -> None:
    tracer, exporter = in_memory_tracer()
    only_message = traced(txn(1, 0x300), message({"traceparent": TRACEPARENT}))
    assert relay(tracer, only_message) == []
    [span] = exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["messaging.batch.message_count"] == 0


def test_traces_off_and_no_message_leave_the_records_as_they_were() -> None:
    [record] = relay(None, txn(1, 0x300, 7))
    assert [name for name, _ in record.headers] == ["lsn", "commit_lsn", "xid"]
    assert not trace.get_current_span().get_span_context().is_valid
