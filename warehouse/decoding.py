"""Decode a micro-batch of Kafka records into typed raw-table frames, vectorised with Polars.

Each topic's records are joined into one NDJSON text and parsed in one call against the
topic's explicit schema (``pl.read_ndjson``, multi-threaded, no Python per record). Only when
that parse fails (a record that is not a JSON object, or a member of the wrong type) is the
batch halved, and halved again, until every culprit stands alone and is named with the
parser's reason; the good halves are kept as parsed.
Records that cannot be warehoused come back as :class:`Rejection` with a reason, for the
dead-letter topic; the rest are split by event type.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import polars as pl

from warehouse.raw_tables import (
    RawTable,
    envelope_of,
    payload_dtype,
    tables_of_topic,
)

SOURCE_COLUMNS = ("source_topic", "source_partition", "source_offset", "ingested_at")


class IncomingRecord(NamedTuple):
    """One Kafka record as the sink sees it, whichever consumer delivered it (a named tuple:
    one is built per record, and a tuple is built several times faster than a dataclass)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True)
class Rejection:
    index: int  # the record's position in its batch
    reason: str


@dataclass
class DecodedBatch:
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)


def batch_id(records: Sequence[IncomingRecord]) -> str:
    """A name that is the same when the same records are delivered again."""
    coordinates = "".join([f"{r.topic}:{r.partition}:{r.offset};" for r in records])
    return hashlib.sha1(coordinates.encode(), usedforsecurity=False).hexdigest()[:24]


def decode_batch(
    records: Sequence[IncomingRecord], *, timezone: str, received_at: datetime
) -> DecodedBatch:
    decoded = DecodedBatch()
    by_topic: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        by_topic.setdefault(record.topic, []).append(index)
    parts: dict[str, list[pl.DataFrame]] = {}
    coordinates = pl.DataFrame(
        {"partition": [r.partition for r in records], "offset": [r.offset for r in records]},
        schema={"partition": pl.Int32, "offset": pl.Int64},
    )
    for topic, indices in by_topic.items():
        tables = tables_of_topic(topic)
        if not tables:
            reason = f"topic {topic} feeds no warehouse table"
            decoded.rejections += [Rejection(i, reason) for i in indices]
            continue
        frame, rejected = _decode_topic(records, coordinates, indices, topic, tables)
        decoded.rejections += rejected
        frame = frame.with_columns(
            source_topic=pl.lit(topic),
            ingested_at=pl.lit(received_at).cast(pl.Datetime("us", "UTC")),
        )
        frame, invalid = _validate(frame, tables, timezone)
        decoded.rejections += invalid
        for table in tables:
            rows = frame.filter(pl.col("event_type") == table.event_type)
            if rows.height:
                parts.setdefault(table.name, []).append(_project(rows, table))
    decoded.frames = {name: pl.concat(frames) for name, frames in parts.items()}
    decoded.rejections.sort(key=lambda r: r.index)
    return decoded


class _MisalignedError(ValueError):
    """The parse did not give one row per record (a blank value)."""


def _read_schema(topic: str, tables: tuple[RawTable, ...]) -> dict[str, pl.DataType]:
    """How a topic's records are read: the envelope and the payload.

    Domain payloads are read as JSON text (kept whole in ``payload_json``) and typed after;
    a behavioural payload is read typed at once, its free-form members as JSON text.
    """
    if tables[0].is_domain:
        return {**envelope_of(topic), "payload": pl.String()}
    payload = dict(payload_dtype(tables).to_schema())
    payload |= {member: pl.String() for t in tables for member in t.json_members.values()}
    return {**envelope_of(topic), "payload": pl.Struct(payload)}


def _parse(values: list[bytes], schema: dict[str, pl.DataType],
           tables: tuple[RawTable, ...]) -> pl.DataFrame:  # fmt: skip
    """One NDJSON parse of all ``values``; raises if any of them is not a valid record."""
    text = b"\n".join(values)
    if text.count(b"\n") != len(values) - 1:  # JSON may break lines between tokens
        text = b"\n".join(v.replace(b"\n", b" ") for v in values)
    frame = pl.read_ndjson(text, schema=schema)
    if frame.height != len(values):
        raise _MisalignedError("value is blank")
    if tables[0].is_domain:
        return frame.with_columns(
            payload=pl.col("payload").str.json_decode(payload_dtype(tables)),
            payload_json=pl.col("payload"),
        )
    return frame.with_columns(
        pl.col("payload").struct.field(member).alias(column)
        for t in tables
        for column, member in t.json_members.items()
    )


def _parse_or_split(
    values: list[bytes], indices: list[int], schema: dict[str, pl.DataType],
    tables: tuple[RawTable, ...],
) -> tuple[list[pl.DataFrame], list[Rejection]]:  # fmt: skip
    """Parse ``values`` whole; if one is malformed, halve until each culprit stands alone."""
    try:
        frame = _parse(values, schema, tables)
    except (pl.exceptions.PolarsError, _MisalignedError) as exc:
        if len(values) == 1:
            return [], [Rejection(indices[0], f"not a valid event record: {_first_line(exc)}")]
        half = len(values) // 2
        left = _parse_or_split(values[:half], indices[:half], schema, tables)
        right = _parse_or_split(values[half:], indices[half:], schema, tables)
        return left[0] + right[0], left[1] + right[1]
    return [frame.with_columns(batch_index=pl.Series(indices, dtype=pl.Int64))], []


def _decode_topic(
    records: Sequence[IncomingRecord], coordinates: pl.DataFrame, indices: list[int],
    topic: str, tables: tuple[RawTable, ...],
) -> tuple[pl.DataFrame, list[Rejection]]:  # fmt: skip
    values = pl.Series("value", [records[i].value for i in indices], dtype=pl.Binary)
    text = values.cast(pl.String, strict=False)  # null: no value, or not UTF-8
    keep, rejected = indices, []
    if text.null_count():
        empty = text.is_null().to_list()
        rejected = [
            Rejection(i, "value is empty or not UTF-8 text")
            for i, null in zip(indices, empty, strict=True)
            if null
        ]
        keep = [i for i, null in zip(indices, empty, strict=True) if not null]
    schema = _read_schema(topic, tables)
    frames, malformed = _parse_or_split(
        [records[i].value or b"" for i in keep], keep, schema, tables
    )
    if not frames:  # every record malformed: an empty frame of the decoded shape
        frames = [_parse([b"{}"], schema, tables).clear().with_columns(
            batch_index=pl.Series([], dtype=pl.Int64))]  # fmt: skip
    frame = pl.concat(frames) if len(frames) > 1 else frames[0]
    at = frame["batch_index"]
    return frame.with_columns(
        source_partition=coordinates["partition"].gather(at),
        source_offset=coordinates["offset"].gather(at),
    ), rejected + malformed


def _validate(
    frame: pl.DataFrame, tables: tuple[RawTable, ...], timezone: str
) -> tuple[pl.DataFrame, list[Rejection]]:
    occurred = pl.coalesce(
        pl.col("occurred_at").str.to_datetime(time_unit="us", time_zone="UTC", strict=False),
        pl.col("occurred_at")
        .str.to_datetime(time_unit="us", strict=False)
        .dt.replace_time_zone("UTC"),
    )
    frame = frame.with_columns(occurred_at=occurred)
    known = [t.event_type for t in tables]
    reason: Any = (  # a when/then chain
        pl.when(pl.col("event_id").is_null() | (pl.col("event_id") == ""))
        .then(pl.lit("missing event_id"))
        .when(pl.col("event_type").is_null())
        .then(pl.lit("missing event_type"))
        .when(~pl.col("event_type").is_in(known))
        .then(pl.format("event_type {} does not belong on this topic", pl.col("event_type")))
        .when(pl.col("occurred_at").is_null())
        .then(pl.lit("occurred_at is missing or not an ISO 8601 time"))
    )
    for table in tables:
        for name in table.required:
            reason = reason.when(
                (pl.col("event_type") == table.event_type)
                & pl.col("payload").struct.field(name).is_null()
            ).then(pl.lit(f"{table.event_type} payload lacks {name}"))
    frame = frame.with_columns(reject_reason=reason.otherwise(None))
    bad = frame.filter(pl.col("reject_reason").is_not_null())
    rejections = [
        Rejection(int(i), str(r))
        for i, r in zip(bad["batch_index"], bad["reject_reason"], strict=True)
    ]
    good = frame.filter(pl.col("reject_reason").is_null()).with_columns(
        event_date=pl.col("occurred_at").dt.convert_time_zone(timezone).dt.date()
    )
    return good, rejections


def _project(rows: pl.DataFrame, table: RawTable) -> pl.DataFrame:
    envelope = [c for c in envelope_of(table.topic) if c in rows.columns]
    payload = [pl.col("payload").struct.field(name).alias(name) for name in table.payload]
    extra = [*table.json_members, *(["payload_json"] if table.is_domain else [])]
    return rows.select(*envelope, "event_date", *payload, *extra, *SOURCE_COLUMNS)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
