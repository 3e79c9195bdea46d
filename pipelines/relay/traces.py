"""The trace context of the transaction being relayed (written by core/trace_messages.py).

A traced transaction carries a transactional ``souk.trace`` logical message ahead of its
changes. With traces on, the relay starts a ``relay publish`` producer span as the message
context's child and puts that span's context in the Kafka headers (``traceparent``,
``tracestate``) of every record of the transaction, CDC rows and outbox events alike; with
traces off it passes the message's context on unchanged. The message itself never becomes
a record. An untraced transaction costs one empty-list check per change.
"""

from __future__ import annotations

import logging

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Tracer

from pipelines.relay.lsn import format_lsn
from pipelines.relay.records import RelayRecord
from pipelines.relay.wal2json import Begin, LogicalMessage
from souk.tracing import (
    TRACE_MESSAGE_PREFIX,
    carrier_from_message,
    carrier_headers,
    context_from_carrier,
    current_carrier,
)

log = logging.getLogger(__name__)
SPAN_NAME = "relay publish"


class TransactionTrace:
    """The open transaction's trace headers, and its span when traces are on."""

    __slots__ = ("_span", "_tracer", "headers", "records")

    def __init__(self, tracer: Tracer | None = None) -> None:
        self._tracer = tracer
        self._span: Span | None = None
        self.headers: list[tuple[str, bytes]] = []  # empty: the transaction is not traced
        self.records = 0

    def message(self, message: LogicalMessage, txn: Begin) -> None:
        """A logical message inside ``txn``: a trace message makes the transaction traced."""
        if message.prefix != TRACE_MESSAGE_PREFIX or not message.transactional:
            return
        carrier = carrier_from_message(message.content)
        if not carrier:
            log.debug("xid %d: a trace message without a trace context", txn.xid)
            return
        if self._tracer is not None:
            self._end_span()  # a second message in one transaction: the last one counts
            self._span = self._tracer.start_span(
                SPAN_NAME,
                context=context_from_carrier(carrier),
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.operation.type": "send",
                    "messaging.operation.name": "publish",
                    "souk.relay.xid": txn.xid,
                    "souk.relay.commit_lsn": format_lsn(txn.commit_lsn),
                    "souk.relay.commit_time": txn.commit_time,
                },
            )
            carrier = current_carrier(trace.set_span_in_context(self._span))
        self.headers = carrier_headers(carrier)

    def stamp(self, records: list[RelayRecord]) -> None:
        """Add the trace headers to records of the traced transaction."""
        for record in records:
            record.headers.extend(self.headers)
        self.records += len(records)

    def end(self) -> None:
        """The transaction's commit: end its span; the next transaction starts untraced."""
        self._end_span()
        self.headers = []
        self.records = 0

    def _end_span(self) -> None:
        if self._span is not None:
            self._span.set_attribute("messaging.batch.message_count", self.records)
            self._span.end()
            self._span = None
