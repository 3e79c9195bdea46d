"""The marketplace's users for locust: browsing buyers, sellers at work, buyers who contact.

Run by the orchestrator as ``locust -f benchmarks/market_load/locustfile.py --headless``
with ``MARKET_LOAD_PLAN`` naming the plan (rates, sign-ins, listings, the requests file).
Every request is appended to the plan's requests file as one CSV line
(``started_at, kind, milliseconds, status, error``): the summary reads that, not locust's
own statistics, so percentiles and error kinds are computed one way for every kind.
"""

from __future__ import annotations

import csv
import itertools
import os
import random
import time
import urllib.parse
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant_throughput, events, task

from benchmarks.market_load.plan import (
    EXPECTED_STATUSES,
    LEAD,
    LISTING_CREATE,
    LISTING_REPRICE,
    LISTING_SELL,
    LISTING_VIEW,
    ORDER_CANCEL,
    ORDER_PLACE,
    PLAN_VARIABLE,
    SEARCH,
    SUGGEST,
    LoadPlan,
    rate_per_user,
    users_for,
)
from benchmarks.search_queries import query_mix
from demo_market.catalogue import MAKES

PLAN = LoadPlan.read(Path(os.environ[PLAN_VARIABLE]))
QUERIES = query_mix()
PREFIXES = ("toy", "hyun", "كور", "تويو", "kia sp", "فلتر", "elan", "مرسي")
_file = PLAN.requests_file.open("a", newline="", buffering=1)
_requests = csv.writer(_file)
_seller_tokens = itertools.cycle(PLAN.seller_tokens or [""])
_buyer_tokens = itertools.cycle(PLAN.buyer_tokens or [""])


def record(
    name: str, response_time: float, response: Any, exception: BaseException | None,
    start_time: float | None = None, **_: Any,
) -> None:  # fmt: skip
    status = int(getattr(response, "status_code", 0) or 0)
    error = "" if status else type(exception).__name__ if exception else "no answer"
    _requests.writerow([f"{start_time or time.time():.3f}", name, f"{response_time:.2f}",
                        status, error])  # fmt: skip


def close_file(**_: Any) -> None:
    _file.close()


events.request.add_listener(record)  # type: ignore[no-untyped-call]
events.quitting.add_listener(close_file)  # type: ignore[no-untyped-call]


class MarketUser(FastHttpUser):
    abstract = True
    host = PLAN.base_url

    def call(self, method: str, path: str, kind: str, *, token: str = "",
             body: dict[str, Any] | None = None) -> dict[str, Any] | None:  # fmt: skip
        """One request; its JSON body when it succeeded. Expected 4xx are not failures."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with self.client.request(method, path, name=kind, headers=headers, json=body,
                                 catch_response=True) as response:  # fmt: skip
            status = response.status_code or 0
            if 200 <= status < 300:
                response.success()
                payload = response.json()
                return payload if isinstance(payload, dict) else {"items": payload}
            if status in EXPECTED_STATUSES.get(kind, ()):
                response.success()
            else:
                response.failure(f"status {status}")
        return None


class BrowsingBuyer(MarketUser):
    """Anonymous buyers: searches (Arabic, English, misspelt, filters, facets), suggestions
    as they type, and the listings they open from their results."""

    fixed_count = users_for(PLAN.search_rps)
    wait_time = constant_throughput(rate_per_user(PLAN.search_rps))

    def on_start(self) -> None:
        self.seen: list[str] = []
        self.rng = random.Random(PLAN.seed + id(self))

    @task(14)
    def search(self) -> None:
        params = self.rng.choice(QUERIES)
        found = self.call("GET", "/search?" + urllib.parse.urlencode(params), SEARCH)
        if found:
            self.seen = [hit["id"] for hit in found.get("hits", [])][:10] or self.seen

    @task(3)
    def suggest(self) -> None:
        prefix = urllib.parse.quote(self.rng.choice(PREFIXES))
        self.call("GET", f"/suggest?q={prefix}", SUGGEST)

    @task(3)
    def view(self) -> None:
        if self.seen:
            listing = self.rng.choice(self.seen)
            self.call("GET", f"/listings/{listing}?source=search", LISTING_VIEW)
        else:
            self.search()


class WorkingSeller(MarketUser):
    """Sellers signed in with demo logins: they publish cars, change prices, mark cars sold
    (only listings they created during the run, so the demo market stays as it was)."""

    fixed_count = users_for(PLAN.write_rps) if PLAN.seller_tokens else 0
    wait_time = constant_throughput(rate_per_user(PLAN.write_rps))

    def on_start(self) -> None:
        self.token = next(_seller_tokens)
        self.rng = random.Random(PLAN.seed + id(self))
        self.mine: list[dict[str, Any]] = []

    def _car(self) -> dict[str, Any]:
        make = self.rng.choice(MAKES)
        model = self.rng.choice(make.models)
        year = self.rng.randint(max(model.first_year, 2008), 2025)
        price = int(model.base_price_egp * self.rng.uniform(0.45, 0.95)) // 1000 * 1000
        return {
            "category": "car", "publish": True, "make": make.name_en, "model": model.name_en,
            "title_en": f"{make.name_en} {model.name_en} {year}",
            "title_ar": f"{make.name_ar} {model.name_ar} {year}",
            "year": year, "mileage_km": self.rng.randint(5, 250) * 1000, "condition": "used",
            "transmission": self.rng.choice(("automatic", "manual")), "body_type": model.body_type,
            "price_egp": price, "governorate": self.rng.choice(("cairo", "giza", "alexandria")),
        }  # fmt: skip

    @task(4)
    def create(self) -> None:
        created = self.call("POST", "/listings", LISTING_CREATE, token=self.token,
                            body=self._car())  # fmt: skip
        if created:
            self.mine.append({"id": created["id"], "price": created["price_egp"]})

    @task(4)
    def reprice(self) -> None:
        if not self.mine:
            return self.create()
        listing = self.rng.choice(self.mine)
        listing["price"] = max(1000, int(listing["price"] * self.rng.uniform(0.95, 1.03)))
        self.call("POST", f"/listings/{listing['id']}/reprice", LISTING_REPRICE,
                  token=self.token, body={"price_egp": listing["price"]})  # fmt: skip
        return None

    @task(2)
    def sell(self) -> None:
        if not self.mine:
            return self.create()
        listing = self.mine.pop(self.rng.randrange(len(self.mine)))
        self.call("POST", f"/listings/{listing['id']}/sell", LISTING_SELL, token=self.token)
        return None


class ContactingBuyer(MarketUser):
    """Signed-in buyers: leads to sellers, and orders (a car's reservation) they cancel."""

    fixed_count = users_for(PLAN.contact_rps) if PLAN.buyer_tokens and PLAN.listing_ids else 0
    wait_time = constant_throughput(rate_per_user(PLAN.contact_rps))

    def on_start(self) -> None:
        self.token = next(_buyer_tokens)
        self.rng = random.Random(PLAN.seed + id(self))

    @task(7)
    def lead(self) -> None:
        listing = self.rng.choice(PLAN.listing_ids)
        channel = self.rng.choice(("call", "whatsapp", "message"))
        self.call("POST", f"/listings/{listing}/leads", LEAD, token=self.token,
                  body={"channel": channel, "message": "هل السعر قابل للتفاوض؟"})  # fmt: skip

    @task(3)
    def order(self) -> None:
        listing = self.rng.choice(PLAN.listing_ids)
        placed = self.call("POST", "/orders", ORDER_PLACE, token=self.token,
                           body={"items": [{"listing_id": listing, "quantity": 1}]})  # fmt: skip
        if placed:
            self.call("POST", f"/orders/{placed['id']}/cancel", ORDER_CANCEL, token=self.token,
                      body={"reason": "load test"})  # fmt: skip
