"""The caller's trace context, written into the transaction a unit of work commits.

The change stream carries no request context of its own, so the first flush of a traced
transaction emits a *transactional* logical message (prefix ``souk.trace``, the W3C carrier
as JSON): nothing is stored, PostgreSQL decodes it at the transaction's start, ahead of its
row changes, and the relay hands the context on in the Kafka headers of the transaction's
records. Untraced callers (no active span) emit nothing; a rolled-back transaction's
message is never decoded.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from souk.tracing import TRACE_MESSAGE_PREFIX, trace_message

_EMIT = text("SELECT pg_logical_emit_message(true, :prefix, :content)")
_WRITTEN_IN = "souk.trace_message_transaction"


def carry_trace_context(session: Session) -> None:
    """When a span is active, every transaction of ``session`` that writes carries it."""
    if trace.get_current_span().get_span_context().is_valid:
        event.listen(session, "before_flush", _emit_once_per_transaction)


def _emit_once_per_transaction(session: Session, *_: Any) -> None:
    transaction = session.get_transaction()
    if transaction is None or session.info.get(_WRITTEN_IN) is transaction:
        return
    content = trace_message()
    if content is None:
        return
    session.info[_WRITTEN_IN] = transaction
    session.connection().execute(_EMIT, {"prefix": TRACE_MESSAGE_PREFIX, "content": content})
