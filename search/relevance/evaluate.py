"""Index the fixture catalogue into a throw-away index and score the judgment list."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import AsyncElasticsearch

from search.catalog_index import drop_catalog, ensure_catalog
from search.catalog_search import CatalogSearch
from search.documents import listing_document, seller_summary
from search.elastic import async_client, bulk_write
from search.query.request import SearchRequest
from search.relevance.judgments import load_catalogue, load_judgments
from search.relevance.metrics import ndcg_at, reciprocal_rank
from souk.settings import Settings


@dataclass
class QueryScore:
    id: str
    query: str
    kind: str
    ndcg: float
    rr: float
    top: list[str] = field(default_factory=list)


@dataclass
class EvaluationReport:
    k: int
    scores: list[QueryScore]

    @property
    def ndcg(self) -> float:
        return sum(s.ndcg for s in self.scores) / len(self.scores)

    @property
    def mrr(self) -> float:
        return sum(s.rr for s in self.scores) / len(self.scores)

    def by_kind(self) -> dict[str, tuple[float, float, int]]:
        groups: dict[str, list[QueryScore]] = defaultdict(list)
        for score in self.scores:
            groups[score.kind].append(score)
        return {
            kind: (sum(s.ndcg for s in g) / len(g), sum(s.rr for s in g) / len(g), len(g))
            for kind, g in sorted(groups.items())
        }


async def index_rows(
    es: AsyncElasticsearch,
    index: str,
    sellers: list[dict[str, Any]],
    listings: list[dict[str, Any]],
) -> None:
    """Index listing rows (with their sellers) at version 1, then refresh."""
    by_id = {s["id"]: seller_summary(s) for s in sellers}
    operations = [
        ({"_index": index, "_id": row["id"], "version": 1, "version_type": "external_gte"},
         listing_document(row, by_id.get(row["seller_id"]), listing_lsn=1, seller_lsn=1))
        for row in listings
    ]  # fmt: skip
    for start in range(0, len(operations), 500):
        await bulk_write(es, operations[start : start + 500])
    await es.indices.refresh(index=index)


async def evaluate(settings: Settings, *, k: int = 10) -> EvaluationReport:
    scratch = settings.model_copy(update={"catalog_alias": f"relevance-{secrets.token_hex(4)}"})
    es = async_client(scratch, timeout=30.0)
    try:
        await ensure_catalog(es, scratch)
        sellers, listings = load_catalogue()
        await index_rows(es, scratch.catalog_alias, sellers, listings)
        catalog = CatalogSearch(es, alias=scratch.catalog_alias)
        scores = []
        for judged in load_judgments():
            result = await catalog.search(SearchRequest(q=judged.query, size=k))
            ranked = [hit.listing_id for hit in result.hits]
            scores.append(QueryScore(
                judged.id, judged.query, judged.kind, ndcg_at(ranked, judged.judgments, k),
                reciprocal_rank(ranked, judged.judgments), ranked))  # fmt: skip
        return EvaluationReport(k, scores)
    finally:
        await drop_catalog(es, scratch)
        await es.close()
