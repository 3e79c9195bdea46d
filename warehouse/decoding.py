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
from typing import Any, NamedTuple, Protocol, cast

import polars as pl

from warehouse.raw_tables import (
    RawTable,
    envelope_of,
    payload_dtype,
    tables_of_topic,
)

SOURCE_COLUMNS = ("source_topic", "source_partition", "source_offset", "ingested_at")


class IncomingRecord(NamedTuple):
    """One Kafka record as the sink sees it, built by the Faust agents' path and the benchmarks
    (a named tuple: a tuple is built several times faster than a dataclass); the batch engine
    hands aiokafka's records over as they are (:class:`KafkaRecord`)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class KafkaRecord(Protocol):
    """What the sink reads of a record: an :class:`IncomingRecord`, or aiokafka's own
    ``ConsumerRecord`` as the batch engine fetched it (building a tuple per record on the
    event loop was a quarter of its work there in a py-spy profile)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...


@dataclass(frozen=True)
class Rejection:
    index: int  # the record's position in its batch
    reason: str


@dataclass
class DecodedBatch:
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)


def batch_id(records: Sequence[KafkaRecord]) -> str:
    """A name that is the same when the same records are delivered again."""
    coordinates = "".join([f"{r.topic}:{r.partition}:{r.offset};" for r in records])
    return hashlib.sha1(coordinates.encode(), usedforsecurity=False).hexdigest()[:24]


def decode_batch(
    records: Sequence[KafkaRecord], *, timezone: str, received_at: datetime
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
    arrived = pl.lit(received_at).cast(pl.Datetime("us", "UTC"))
    for topic, indices in by_topic.items():
        tables = tables_of_topic(topic)
        if not tables:
            reason = f"topic {topic} feeds no warehouse table"
            decoded.rejections += [Rejection(i, reason) for i in indices]
            continue
        frame, rejected = _decode_topic(records, coordinates, indices, topic, tables)
        decoded.rejections += rejected
        frame, invalid = _validate(frame, tables, timezone)
        decoded.rejections += invalid
        frame = frame.with_columns(source_topic=pl.lit(topic), ingested_at=arrived)
        if len(tables) == 1:  # every other event type was rejected by _validate
            by_type = {tables[0].event_type: frame}
        else:
            by_type = {str(k[0]): rows for k, rows in frame.partition_by(
                "event_type", as_dict=True, maintain_order=True).items()}  # fmt: skip
        for table in tables:
            rows = by_type.get(table.event_type)
            if rows is not None and rows.height:
                parts.setdefault(table.name, []).append(_project(rows, table))
    decoded.frames = {
        name: pl.concat(frames) if len(frames) > 1 else frames[0] for name, frames in parts.items()
    }
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
    records: Sequence[KafkaRecord], coordinates: pl.DataFrame, indices: list[int],
    topic: str, tables: tuple[RawTable, ...],
) -> tuple[pl.DataFrame, list[Rejection]]:  # fmt: skip
    schema = _read_schema(topic, tables)
    values = [records[i].value for i in indices]
    rejected: list[Rejection] = []
    try:  # the usual case: every record well formed, one parse
        if None in values:
            raise _MisalignedError("a value is missing")
        frame = _parse(cast(list[bytes], values), schema, tables)
        at = pl.Series(indices, dtype=pl.Int64)
    except (pl.exceptions.PolarsError, _MisalignedError):
        frame, rejected = _parse_each(values, indices, schema, tables)
        at = frame["batch_index"]
    return frame.with_columns(
        batch_index=at,
        source_partition=coordinates["partition"].gather(at),
        source_offset=coordinates["offset"].gather(at),
    ), rejected


def _parse_each(
    values: list[bytes | None], indices: list[int], schema: dict[str, pl.DataType],
    tables: tuple[RawTable, ...],
) -> tuple[pl.DataFrame, list[Rejection]]:  # fmt: skip
    """The careful path, when the batch's one parse failed: name every record that is not
    UTF-8 text, then parse the rest halving around each malformed one."""
    text = pl.Series("value", values, dtype=pl.Binary).cast(pl.String, strict=False)
    empty = text.is_null().to_list()  # null: no value, or not UTF-8
    rejected = [
        Rejection(i, "value is empty or not UTF-8 text")
        for i, null in zip(indices, empty, strict=True)
        if null
    ]
    keep = [i for i, null in zip(indices, empty, strict=True) if not null]
    kept = [v or b"" for v, null in zip(values, empty, strict=True) if not null]
    frames, malformed = _parse_or_split(kept, keep, schema, tables)
    if not frames:  # every record malformed: an empty frame of the decoded shape
        frames = [_parse([b"{}"], schema, tables).clear().with_columns(
            batch_index=pl.Series([], dtype=pl.Int64))]  # fmt: skip
    return pl.concat(frames) if len(frames) > 1 else frames[0], rejected + malformed


def _validate(
    frame: pl.DataFrame, tables: tuple[RawTable, ...], timezone: str
) -> tuple[pl.DataFrame, list[Rejection]]:
    frame = frame.with_columns(occurred_at=_occurred_at(frame["occurred_at"]))
    checks = _checks(tables, [t.event_type for t in tables])
    if frame.select(_valid(checks).all()).item():  # the usual case: nothing to reject
        good, rejections = frame, []
    else:
        frame = frame.with_columns(reject_reason=_reason(checks))
        bad = frame.filter(pl.col("reject_reason").is_not_null())
        rejections = [
            Rejection(int(i), str(r))
            for i, r in zip(bad["batch_index"], bad["reject_reason"], strict=True)
        ]
        good = frame.filter(pl.col("reject_reason").is_null()).drop("reject_reason")
    return good.with_columns(
        event_date=pl.col("occurred_at").dt.convert_time_zone(timezone).dt.date()
    ), rejections


def _occurred_at(text: pl.Series) -> pl.Series:
    """An ISO 8601 time with an offset, else a naive one taken as UTC; null if neither."""
    at = text.str.to_datetime(time_unit="us", time_zone="UTC", strict=False)
    if at.null_count() > text.null_count():  # some naive times (or none at all): parse again
        naive = text.str.to_datetime(time_unit="us", strict=False).dt.replace_time_zone("UTC")
        at = at.fill_null(naive)
    return at


def _checks(tables: tuple[RawTable, ...], known: list[str]) -> list[tuple[pl.Expr, pl.Expr]]:
    """Each way a record cannot be warehoused, in the order its reason is given:
    (true when the record fails it, the reason)."""
    checks = [
        (pl.col("event_id").is_null() | (pl.col("event_id") == ""), pl.lit("missing event_id")),
        (pl.col("event_type").is_null(), pl.lit("missing event_type")),
        (~pl.col("event_type").is_in(known),
         pl.format("event_type {} does not belong on this topic", pl.col("event_type"))),
        (pl.col("occurred_at").is_null(), pl.lit("occurred_at is missing or not an ISO 8601 time")),
    ]  # fmt: skip
    for table in tables:
        for name in table.required:
            lacking = (pl.col("event_type") == table.event_type) & pl.col("payload").struct.field(
                name
            ).is_null()
            checks.append((lacking, pl.lit(f"{table.event_type} payload lacks {name}")))
    return checks


def _valid(checks: list[tuple[pl.Expr, pl.Expr]]) -> pl.Expr:
    """True for a record that fails none of ``checks`` (one expression; a null, as from a
    missing event type, counts as failing, so such a batch takes the careful path)."""
    return ~pl.any_horizontal(*(fails for fails, _ in checks)).fill_null(True)


def _reason(checks: list[tuple[pl.Expr, pl.Expr]]) -> Any:
    """Why each record cannot be warehoused (null when it can): the first check it fails."""
    (first, because), *rest = checks
    reason: Any = pl.when(first).then(because)  # a when/then chain
    for fails, because in rest:
        reason = reason.when(fails).then(because)
    return reason.otherwise(None)


def _project(rows: pl.DataFrame, table: RawTable) -> pl.DataFrame:
    envelope = [c for c in envelope_of(table.topic) if c in rows.columns]
    payload = [pl.col("payload").struct.field(name).alias(name) for name in table.payload]
    extra = [*table.json_members, *(["payload_json"] if table.is_domain else [])]
    projected = rows.select(*envelope, "event_date", *payload, *extra, *SOURCE_COLUMNS)
    if not table.derived:
        return projected
    return projected.with_columns(d.polars.alias(d.name) for d in table.derived)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
