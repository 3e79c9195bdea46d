"""The published summary tables give the same answers as the marts they summarise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import partial
from typing import Any

import pytest
from pydantic import BaseModel

from api.analytics import market_dashboard, market_queries, seller_dashboard
from api.analytics.derived import TERMS_DAYS
from api.analytics.periods import Granularity, Period
from api.analytics.reader import AnalyticsReader
from api.analytics.schemas import SellerRef
from tests.integration.dashboards.scenario import END, FIRST_DAY, START
from tests.integration.dashboards.world import World
from warehouse.layout import WarehouseLayout
from warehouse.serving import current_version, publish

pytestmark = pytest.mark.integration
PERIODS = [
    Period(START, END),
    Period(FIRST_DAY, END, Granularity.WEEK),
    Period(date(2026, 3, 10), date(2026, 3, 12), Granularity.MONTH),
]


@pytest.fixture(scope="module")
def readers(world: World) -> Iterator[tuple[AnalyticsReader, AnalyticsReader]]:
    layout = WarehouseLayout(world.settings.warehouse_dir)
    from_marts, from_models = AnalyticsReader(layout), AnalyticsReader(layout)
    from_marts.derived.enabled = False
    from_models.derived.build_now()
    assert from_models.derived.ready() is not None
    yield from_marts, from_models
    from_marts.close()
    from_models.close()


def _same(
    readers: tuple[AnalyticsReader, AnalyticsReader], ask: Callable[[AnalyticsReader], BaseModel]
) -> dict[str, Any]:
    marts, models = (ask(reader).model_dump() for reader in readers)
    assert marts == models
    return marts


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}-{p.granularity}")
def test_seller_terms_from_models_and_marts_agree(
    readers: tuple[AnalyticsReader, AnalyticsReader], world: World, period: Period
) -> None:
    for person in (world.seller_a, world.seller_b, world.seller_c):
        seller = SellerRef(seller_id=person.seller_id or "")
        _same(readers, partial(seller_dashboard.search_terms, seller=seller, period=period))


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}-{p.granularity}")
def test_market_overview_from_models_and_marts_agree(
    readers: tuple[AnalyticsReader, AnalyticsReader], period: Period
) -> None:
    overview = _same(readers, lambda r: market_dashboard.overview(r, period))
    assert sum(point["listing_views"] for point in overview["series"]) >= 0


def test_the_summaries_follow_a_new_publication(world: World) -> None:
    layout = WarehouseLayout(world.settings.warehouse_dir)
    reader = AnalyticsReader(layout)
    try:
        first = reader.derived.ready()
        assert first is not None
        assert reader.derived.terms_from() == END - timedelta(days=TERMS_DAYS - 1)
        publication = publish(layout)
        assert publication.rows["seller_search_terms"] > 0
        second = reader.derived.ready()  # the new version's summaries, at once
        assert second is not None
        assert second[0] is not first[0]
        assert current_version(layout) == publication.path
    finally:
        reader.close()


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}-{p.granularity}")
@pytest.mark.parametrize("limit", [1, 2, 20])
def test_market_search_terms_in_one_query_agree_with_the_marts_reader(
    readers: tuple[AnalyticsReader, AnalyticsReader], period: Period, limit: int
) -> None:
    reader = readers[0]
    top, zero = market_queries.search_terms(reader, period, limit)
    for found, zero_only in ((top, False), (zero, True)):
        frame = reader.top_search_terms(
            start=period.start, end=period.end, limit=limit, zero_results_only=zero_only
        )
        expected = [{k: v for k, v in row.items() if k != "searches_with_click"}
                    for row in frame.to_dicts()]  # fmt: skip
        assert found == expected
    assert top
