"""Snapshots of listing and seller attributes from PostgreSQL, to enrich the dimensions.

Events carry what the core publishes; the Postgres rows also hold trim, body type, fuel,
colour... Columns that the ``listings`` / ``sellers`` tables lack (the schema grows in
parallel) come back as nulls, and a missing table gives an empty snapshot.
"""

from __future__ import annotations

import logging

import polars as pl
import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

LISTING_COLUMNS: dict[str, pl.DataType] = {
    "listing_id": pl.String(), "seller_id": pl.String(), "trim": pl.String(),
    "body_type": pl.String(), "fuel": pl.String(), "transmission": pl.String(),
    "colour": pl.String(), "mileage_km": pl.Int64(),
}  # fmt: skip
SELLER_COLUMNS: dict[str, pl.DataType] = {
    "seller_id": pl.String(), "seller_type": pl.String(), "display_name": pl.String(),
    "governorate": pl.String(),
}  # fmt: skip
# snapshot column -> the table's column
SOURCE_NAMES = {"listing_id": "id", "seller_id": "seller_id"}


def fetch_snapshot(dsn: str, table: str, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows of ``table`` with ``columns`` (``id`` renamed to the snapshot's key)."""
    key = "listing_id" if table == "listings" else "seller_id"
    names = {**{c: c for c in columns}, key: "id"}
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        present = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                (table,),
            )
        }
        if not present:
            log.warning("PostgreSQL has no %s table yet: empty snapshot", table)
            return pl.DataFrame(schema=columns)
        select = sql.SQL(", ").join(
            sql.SQL("{}::text AS {}").format(sql.Identifier(names[c]), sql.Identifier(c))
            if names[c] in present
            else sql.SQL("NULL AS {}").format(sql.Identifier(c))
            for c in columns
        )
        query = sql.SQL("SELECT {} FROM {}").format(select, sql.Identifier(table))
        rows = conn.execute(query).fetchall()
    frame = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String()), orient="row")
    return frame.with_columns(pl.col(c).cast(t, strict=False) for c, t in columns.items())
