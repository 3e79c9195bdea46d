"""Every registrar the stream worker runs: add yours here (one line)."""

from __future__ import annotations

from streams.app import Registrar
from streams.catalog_indexer import register_catalog_indexer
from streams.notification_agent import register_notifications
from streams.operations_pages import register_operations_pages
from streams.warehouse_sink import register as register_warehouse_sink

REGISTRARS: list[Registrar] = [
    register_catalog_indexer,
    register_warehouse_sink,
    register_operations_pages,
    register_notifications,
]
