"""Decode a micro-batch of Kafka records into typed raw-table frames, vectorised with Polars.

The whole batch is parsed in one call per topic; only when that fails (a record that is not
JSON, or a member of the wrong type) are the records parsed one by one to name the culprits.
Records that cannot be warehoused come back as :class:`Rejection` with a reason, for the
dead-letter topic; the rest are split by event type.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from warehouse.raw_tables import (
    RawTable,
    envelope_of,
    payload_dtype,
    tables_of_topic,
)

SOURCE_COLUMNS = ("source_topic", "source_partition", "source_offset", "ingested_at")


@dataclass(frozen=True)
class IncomingRecord:
    """One Kafka record as the sink sees it, whichever consumer delivered it."""

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
    digest = hashlib.sha1(usedforsecurity=False)
    for r in records:
        digest.update(f"{r.topic}:{r.partition}:{r.offset};".encode())
    return digest.hexdigest()[:24]


def decode_batch(
    records: Sequence[IncomingRecord], *, timezone: str, received_at: datetime
) -> DecodedBatch:
    decoded = DecodedBatch()
    by_topic: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        by_topic.setdefault(record.topic, []).append(index)
    parts: dict[str, list[pl.DataFrame]] = {}
    for topic, indices in by_topic.items():
        tables = tables_of_topic(topic)
        if not tables:
            reason = f"topic {topic} feeds no warehouse table"
            decoded.rejections += [Rejection(i, reason) for i in indices]
            continue
        frame, rejected = _decode_topic(records, indices, topic, tables)
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


def _record_dtype(topic: str, tables: tuple[RawTable, ...]) -> pl.Struct:
    return pl.Struct({**envelope_of(topic), "payload": payload_dtype(tables)})


def _decode_topic(
    records: Sequence[IncomingRecord], indices: list[int], topic: str,
    tables: tuple[RawTable, ...],
) -> tuple[pl.DataFrame, list[Rejection]]:  # fmt: skip
    dtype = _record_dtype(topic, tables)
    values = pl.Series("value", [records[i].value for i in indices], dtype=pl.Binary)
    text = values.cast(pl.String, strict=False)
    rejected: list[Rejection] = []
    keep = [i for i, t in zip(indices, text, strict=True) if t is not None]
    if len(keep) < len(indices):
        rejected += [
            Rejection(i, "value is empty or not UTF-8 text")
            for i, t in zip(indices, text, strict=True)
            if t is None
        ]
        text = text.drop_nulls()
    try:
        frame = _decode_text(text, dtype, tables)
    except pl.exceptions.PolarsError:
        good: list[int] = []
        for i, t in zip(keep, text, strict=True):
            try:
                _decode_text(pl.Series("value", [t]), dtype, tables)
                good.append(i)
            except pl.exceptions.PolarsError as exc:
                rejected.append(Rejection(i, f"not a valid event record: {_first_line(exc)}"))
        keep_set = set(good)
        text = pl.Series("value", [t for i, t in zip(keep, text, strict=True) if i in keep_set])
        keep = good
        frame = _decode_text(text, dtype, tables)
    frame = frame.with_columns(
        batch_index=pl.Series(keep, dtype=pl.Int64),
        source_partition=pl.Series([records[i].partition for i in keep], dtype=pl.Int32),
        source_offset=pl.Series([records[i].offset for i in keep], dtype=pl.Int64),
    )
    return frame, rejected


def _decode_text(text: pl.Series, dtype: pl.Struct, tables: tuple[RawTable, ...]) -> pl.DataFrame:
    decoded = pl.DataFrame({"value": text}).select(
        pl.col("value").str.json_decode(dtype).alias("record"),
        *[
            pl.col("value").str.json_path_match(f"$.payload.{member}").alias(column)
            for column, member in {k: v for t in tables for k, v in t.json_members.items()}.items()
        ],
        *(
            [pl.col("value").str.json_path_match("$.payload").alias("payload_json")]
            if tables[0].is_domain
            else []
        ),
    )
    return decoded.unnest("record")


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
