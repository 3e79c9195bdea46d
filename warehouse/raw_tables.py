"""The raw layer's tables: which event lands in which table, with which typed columns.

The sink writes one table per event type (``raw/<table>/date=YYYY-MM-DD/<batch>.parquet``).
Every raw table carries the envelope columns, the Kafka coordinates and the time of arrival;
domain events also keep their whole payload as JSON text so no field is ever lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from souk.topics import DOMAIN_EVENTS, LISTING_VIEWS, RESULT_CLICKS, SEARCHES

MONEY = pl.Float64  # decoded as a number, stored as DECIMAL(18, 2)

BEHAVIOUR_ENVELOPE: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "event_type": pl.String(),
    "occurred_at": pl.String(),
    "user_id": pl.String(),
    "session_id": pl.String(),
}
DOMAIN_ENVELOPE: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "event_type": pl.String(),
    "aggregate_type": pl.String(),
    "aggregate_id": pl.String(),
    "version": pl.Int64(),
    "occurred_at": pl.String(),
    "lsn": pl.String(),
    "commit_lsn": pl.String(),
    "xid": pl.Int64(),
    "commit_time": pl.String(),
}


@dataclass(frozen=True)
class DerivedColumn:
    """A column the sink computes from a record's payload and writes beside it, so that the
    build reads a number instead of decoding what it is computed from. Raw files written
    before the column existed lack it: the build computes it there with ``sql``."""

    name: str
    dtype: pl.DataType
    polars: pl.Expr  # over the table's payload columns
    sql: str  # the same, in DuckDB over the raw columns


@dataclass(frozen=True)
class RawTable:
    """One event type's raw table: typed payload columns and the keys it cannot lack."""

    name: str
    event_type: str
    topic: str
    payload: Mapping[str, pl.DataType]
    required: tuple[str, ...]
    # payload members kept as JSON text (free-form objects such as search filters)
    json_members: dict[str, str] = field(default_factory=dict)
    derived: tuple[DerivedColumn, ...] = ()

    @property
    def is_domain(self) -> bool:
        return self.topic == DOMAIN_EVENTS


def _t(
    name: str,
    event_type: str,
    topic: str,
    payload: Mapping[str, pl.DataType],
    required: tuple[str, ...],
    json_members: dict[str, str] | None = None,
    derived: tuple[DerivedColumn, ...] = (),
) -> RawTable:
    return RawTable(name, event_type, topic, payload, required, json_members or {}, derived)


S, N, M = pl.String(), pl.Int64(), MONEY()
LISTING_REF = {"listing_id": S, "seller_id": S}
# How many listings a search showed: fct_searches counts them; decoding the list of 20-odd ids
# per search only for its length was about half of that fact's build CPU.
RESULTS_COUNT = DerivedColumn(
    "results_count", N, pl.col("results_shown").list.len().cast(pl.Int64),
    "len(results_shown)::BIGINT",
)  # fmt: skip

RAW_TABLES: tuple[RawTable, ...] = (
    _t("searches", "SearchPerformed", SEARCHES,
       {"search_id": S, "query": S, "sort": S, "page": N, "hits_total": N, "took_ms": N,
        "results_shown": pl.List(pl.String())},
       ("search_id",), {"filters_json": "filters"}, (RESULTS_COUNT,)),
    _t("result_clicks", "SearchResultClicked", RESULT_CLICKS,
       {"search_id": S, "query": S, **LISTING_REF, "position": N}, ("search_id", "listing_id")),
    _t("listing_views", "ListingViewed", LISTING_VIEWS,
       {**LISTING_REF, "source": S}, ("listing_id",)),
    _t("listing_published", "ListingPublished", DOMAIN_EVENTS,
       {**LISTING_REF, "category": S, "make": S, "model": S, "trim": S, "year": N,
        "body_type": S, "fuel": S, "transmission": S, "mileage_km": N, "condition": S,
        "price_egp": M, "governorate": S, "city": S},
       ("listing_id", "seller_id", "price_egp")),
    _t("listing_price_changed", "ListingPriceChanged", DOMAIN_EVENTS,
       {**LISTING_REF, "old_price_egp": M, "new_price_egp": M}, ("listing_id", "new_price_egp")),
    _t("listing_reserved", "ListingReserved", DOMAIN_EVENTS,
       {**LISTING_REF, "order_id": S}, ("listing_id",)),
    _t("listing_released", "ListingReleased", DOMAIN_EVENTS,
       {**LISTING_REF, "order_id": S}, ("listing_id",)),
    _t("listing_sold", "ListingSold", DOMAIN_EVENTS,
       {**LISTING_REF, "order_id": S, "price_egp": M}, ("listing_id",)),
    _t("listing_archived", "ListingArchived", DOMAIN_EVENTS, LISTING_REF, ("listing_id",)),
    _t("listing_edited", "ListingEdited", DOMAIN_EVENTS, LISTING_REF, ("listing_id",)),
    _t("listing_favourited", "ListingFavourited", DOMAIN_EVENTS,
       {**LISTING_REF, "user_id": S}, ("listing_id",)),
    _t("lead_created", "LeadCreated", DOMAIN_EVENTS,
       {"lead_id": S, **LISTING_REF, "buyer_id": S, "channel": S}, ("lead_id", "listing_id")),
    _t("order_placed", "OrderPlaced", DOMAIN_EVENTS,
       {"order_id": S, "buyer_id": S, "seller_id": S, "kind": S, "total_egp": M},
       ("order_id", "seller_id", "total_egp")),
    _t("payment_captured", "PaymentCaptured", DOMAIN_EVENTS,
       {"payment_id": S, "order_id": S, "seller_id": S, "amount_egp": M, "provider": S,
        "provider_ref": S}, ("payment_id", "order_id", "amount_egp")),
    _t("payment_declined", "PaymentDeclined", DOMAIN_EVENTS,
       {"payment_id": S, "order_id": S, "seller_id": S, "amount_egp": M, "reason": S},
       ("payment_id", "order_id")),
    _t("order_paid", "OrderPaid", DOMAIN_EVENTS,
       {"order_id": S, "seller_id": S, "total_egp": M}, ("order_id",)),
    _t("order_fulfilled", "OrderFulfilled", DOMAIN_EVENTS,
       {"order_id": S, "seller_id": S}, ("order_id",)),
    _t("order_cancelled", "OrderCancelled", DOMAIN_EVENTS,
       {"order_id": S, "seller_id": S, "reason": S}, ("order_id",)),
    _t("order_refunded", "OrderRefunded", DOMAIN_EVENTS,
       {"order_id": S, "seller_id": S, "amount_egp": M}, ("order_id",)),
    _t("seller_registered", "SellerRegistered", DOMAIN_EVENTS,
       {"seller_id": S, "user_id": S, "seller_type": S, "name": S, "governorate": S},
       ("seller_id",)),
    _t("user_registered", "UserRegistered", DOMAIN_EVENTS, {"user_id": S, "role": S},
       ("user_id",)),
)  # fmt: skip

BY_EVENT_TYPE: dict[str, RawTable] = {t.event_type: t for t in RAW_TABLES}
BY_NAME: dict[str, RawTable] = {t.name: t for t in RAW_TABLES}
WAREHOUSE_TOPICS: tuple[str, ...] = (SEARCHES, RESULT_CLICKS, LISTING_VIEWS, DOMAIN_EVENTS)


def tables_of_topic(topic_suffix: str) -> tuple[RawTable, ...]:
    """The raw tables fed by a topic (matched by its platform name, ignoring any prefix)."""
    return tuple(t for t in RAW_TABLES if topic_suffix.endswith(t.topic))


def envelope_of(topic_suffix: str) -> dict[str, pl.DataType]:
    return DOMAIN_ENVELOPE if topic_suffix.endswith(DOMAIN_EVENTS) else BEHAVIOUR_ENVELOPE


def payload_dtype(tables: tuple[RawTable, ...]) -> pl.Struct:
    """The union of the payload columns of ``tables`` (missing members decode as null)."""
    fields: dict[str, pl.DataType] = {}
    for table in tables:
        for name, dtype in table.payload.items():
            fields.setdefault(name, dtype)
    return pl.Struct(fields)
