"""Regenerate fixture catalogue and judgments: python -m search.relevance.fixture_builder."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from search.relevance.judgments import grade
from search.synthetic import SyntheticMarket

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).resolve().parent / "data"
HIDDEN = ("sold", "archived", "draft", "reserved")


def build_catalogue(seed: int = 11, count: int = 260) -> dict[str, Any]:
    market = SyntheticMarket(seed=seed, sellers=30)
    listings = list(market.listings(count))
    for n, listing in enumerate(listings):
        if n % 19 == 5:  # a few listings that must never be found
            listing["status"] = HIDDEN[n % len(HIDDEN)]
    return {"sellers": market.seller_rows, "listings": listings}


def build_judgments(catalogue: dict[str, Any], queries: list[dict[str, Any]]) -> dict[str, Any]:
    judged = []
    for query in queries:
        grades = {row["id"]: grade(query["intent"], row) for row in catalogue["listings"]}
        judged.append(query | {"judgments": {k: v for k, v in grades.items() if v > 0}})
    return {
        "_about": "Graded relevance (1-3) per query; unlisted listings are 0.",
        "queries": judged,
    }


def main() -> None:
    catalogue = build_catalogue()
    queries = json.loads((DATA_DIR / "queries.json").read_text("utf-8"))["queries"]
    judgments = build_judgments(catalogue, queries)
    for name, data in (("catalogue.json", catalogue), ("judgments.json", judgments)):
        (DATA_DIR / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    empty = [q["query"] for q in judgments["queries"] if not q["judgments"]]
    log.warning("queries without a relevant listing: %s", empty or "none")


if __name__ == "__main__":
    main()
