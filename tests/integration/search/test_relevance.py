"""Relevance regression: nDCG@10 and MRR on the judgment list must stay above their floors."""

from __future__ import annotations

import pytest

from search.relevance.evaluate import evaluate
from souk.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
NDCG_FLOOR = 0.90
MRR_FLOOR = 0.95


async def test_relevance_stays_above_the_floor(settings: Settings) -> None:
    report = await evaluate(settings)
    assert len(report.scores) >= 60
    assert report.ndcg >= NDCG_FLOOR, f"nDCG@10 {report.ndcg:.3f}"
    assert report.mrr >= MRR_FLOOR, f"MRR {report.mrr:.3f}"
    for kind, (ndcg, _, _) in report.by_kind().items():
        assert ndcg >= 0.8, f"{kind}: nDCG@10 {ndcg:.3f}"
