"""The fixture catalogue and judgment list in ``search/relevance/data`` (and how they are made).

Queries are written by hand with the intent behind them (make, model, year, part, service,
...); each listing's grade for a query is derived from that intent and the listing's
structured fields, never from the search engine, and stored in the judgment list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from search.analysis.vocabulary import MAKE, MODEL, load_vocabulary

DATA = "relevance/data"


@dataclass(frozen=True)
class JudgedQuery:
    id: str
    query: str
    kind: str
    intent: dict[str, Any]
    judgments: dict[str, int]


def _key(kind: str, value: str | None) -> str | None:
    return load_vocabulary().canonical_of(kind, value) if value else None


def _car_grade(intent: dict[str, Any], listing: dict[str, Any]) -> int:
    if listing["category"] != "car":
        return 0
    make, model = _key(MAKE, listing.get("make")), _key(MODEL, listing.get("model"))
    if intent.get("model") and model != intent["model"]:
        return 1 if intent.get("make") and make == intent["make"] else 0
    if intent.get("make") and make != intent["make"]:
        return 0
    grade = 3
    if intent.get("year"):
        gap = abs(int(listing["year"]) - int(intent["year"]))
        grade = 3 if gap == 0 else 2 if gap == 1 else 1
    for name in ("transmission", "body_type", "condition"):
        if intent.get(name) and listing.get(name) != intent[name]:
            grade -= 1
    if intent.get("installments") and not listing.get("installments_available"):
        grade -= 1
    return max(grade, 1 if intent.get("make") or intent.get("model") else 0)


def _part_grade(intent: dict[str, Any], listing: dict[str, Any]) -> int:
    if listing["category"] != "part":
        return 0
    kind_ok = intent["part"] in (listing.get("title_en") or "").lower()
    fits = [(_key(MAKE, f["make"]), _key(MODEL, f["model"])) for f in listing["compatible"] or []]
    make_ok = not intent.get("make") or any(m == intent["make"] for m, _ in fits)
    model_ok = not intent.get("model") or any(m == intent["model"] for _, m in fits)
    if kind_ok and make_ok and model_ok:
        return 3
    if kind_ok and make_ok:
        return 2
    return 1 if kind_ok else 0


def grade(intent: dict[str, Any], listing: dict[str, Any]) -> int:
    if listing.get("status") != "active":
        return 0
    if intent.get("service_type"):
        return 3 if listing.get("service_type") == intent["service_type"] else 0
    if intent.get("part"):
        return _part_grade(intent, listing)
    return _car_grade(intent, listing)


def load_catalogue() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(sellers, listings) of the fixture catalogue."""
    text = resources.files("search").joinpath(f"{DATA}/catalogue.json").read_text("utf-8")
    data = json.loads(text)
    return data["sellers"], data["listings"]


def load_judgments() -> list[JudgedQuery]:
    text = resources.files("search").joinpath(f"{DATA}/judgments.json").read_text("utf-8")
    return [JudgedQuery(**q) for q in json.loads(text)["queries"]]
