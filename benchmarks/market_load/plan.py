"""What the orchestrator hands the locust process: rates, users, sign-ins, listings, files.

Locust runs in its own process (gevent patches everything it imports), so the plan travels as
a JSON file named by the ``MARKET_LOAD_PLAN`` environment variable.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, Field

PLAN_VARIABLE = "MARKET_LOAD_PLAN"
# Most requests per second one locust user makes (constant throughput): a user waits for
# its answer, so each user needs headroom above one slow request; rates come from more users.
USER_RATE = 0.25

# Request kinds, as locust names them and the report groups them.
SEARCH, SUGGEST, LISTING_VIEW = "search", "suggest", "listing view"
LISTING_CREATE, LISTING_REPRICE, LISTING_SELL = "create listing", "change price", "mark sold"
LEAD, ORDER_PLACE, ORDER_CANCEL = "lead", "place order", "cancel order"
BUYER_KINDS = (SEARCH, SUGGEST, LISTING_VIEW)
SELLER_KINDS = (LISTING_CREATE, LISTING_REPRICE, LISTING_SELL)
CONTACT_KINDS = (LEAD, ORDER_PLACE, ORDER_CANCEL)
# 4xx answers that are the marketplace working as designed under concurrent buyers, not
# errors: a listing created a moment ago is not searchable yet (404 until indexed), and a
# car another buyer reserved first cannot be ordered (409).
EXPECTED_STATUSES: dict[str, frozenset[int]] = {
    LISTING_VIEW: frozenset({404}),
    ORDER_PLACE: frozenset({409}),
    ORDER_CANCEL: frozenset({409}),
}


def users_for(rate: float) -> int:
    """Locust users that together make ``rate`` requests per second."""
    return 0 if rate <= 0 else max(1, math.ceil(rate / USER_RATE))


def rate_per_user(rate: float) -> float:
    """Each of the :func:`users_for` users' share of ``rate``."""
    return rate / users_for(rate) if rate > 0 else USER_RATE


class LoadPlan(BaseModel):
    base_url: str
    search_rps: float = Field(ge=0)  # buyers browsing: search, suggest, listing views
    write_rps: float = Field(ge=0)  # sellers: create, change price, mark sold
    contact_rps: float = Field(ge=0)  # signed-in buyers: leads, orders (placed, cancelled)
    seller_tokens: list[str]
    buyer_tokens: list[str]
    listing_ids: list[str]  # active cars of the demo market, for leads and orders
    requests_file: Path  # one CSV line per request, written by the locust process
    seed: int = 2026

    def write(self, path: Path) -> None:
        path.write_text(self.model_dump_json())

    @classmethod
    def read(cls, path: Path) -> LoadPlan:
        return cls.model_validate_json(path.read_text())
