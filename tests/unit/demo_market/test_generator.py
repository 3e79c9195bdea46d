"""The demo market generator: deterministic, and shaped like the Egyptian market."""

from __future__ import annotations

import re
import statistics
from collections import Counter

import pytest

from demo_market.catalogue import MAKES
from demo_market.generator import ListingSpec, MarketGenerator, SellerSpec
from demo_market.pricing import CURRENT_YEAR

ARABIC = re.compile(r"[\u0600-\u06FF]")


def market(seed: int, listings: int) -> list[tuple[SellerSpec, list[ListingSpec]]]:
    generator = MarketGenerator(seed, listings)
    return [(seller, list(generator.listings_of(seller))) for seller in generator.sellers()]


@pytest.fixture(scope="module")
def big_market() -> list[tuple[SellerSpec, list[ListingSpec]]]:
    return market(2026, 8_000)


def cars(generated: list[tuple[SellerSpec, list[ListingSpec]]]) -> list[ListingSpec]:
    return [spec for _, specs in generated for spec in specs if spec.category == "car"]


def test_same_seed_same_market_and_another_seed_another() -> None:
    assert market(7, 500) == market(7, 500)
    assert market(7, 500) != market(8, 500)


def test_exactly_the_listings_asked_for_from_dealers_and_individuals(
    big_market: list[tuple[SellerSpec, list[ListingSpec]]],
) -> None:
    assert sum(len(specs) for _, specs in big_market) == 8_000
    by_type = Counter(seller.seller_type for seller, _ in big_market)
    assert by_type["dealer"] > 0
    assert by_type["individual"] > by_type["dealer"]
    dealer_listings = sum(len(s) for seller, s in big_market if seller.seller_type == "dealer")
    assert dealer_listings > 8_000 / 2  # dealers hold most of the stock
    categories = Counter(spec.category for _, specs in big_market for spec in specs)
    assert categories["car"] / 8_000 == pytest.approx(0.8, abs=0.03)
    assert categories["part"] > 0
    assert categories["service"] > 0


def test_makes_follow_the_market_shares(
    big_market: list[tuple[SellerSpec, list[ListingSpec]]],
) -> None:
    listed = Counter(spec.fields["make"] for spec in cars(big_market))
    total_share = sum(make.share for make in MAKES)
    n = sum(listed.values())
    for make in MAKES:
        expected = make.share / total_share
        assert listed[make.name_en] / n == pytest.approx(expected, abs=0.025), make.name_en


def test_mileage_grows_with_age_and_new_cars_have_almost_none(
    big_market: list[tuple[SellerSpec, list[ListingSpec]]],
) -> None:
    specs = cars(big_market)
    new = [s.fields["mileage_km"] for s in specs if s.fields["condition"] == "new"]
    assert new
    assert max(new) <= 1_500
    young = [s.fields["mileage_km"] for s in specs if 1 <= CURRENT_YEAR - s.fields["year"] <= 3]
    old = [s.fields["mileage_km"] for s in specs if CURRENT_YEAR - s.fields["year"] >= 10]
    assert statistics.median(old) > 3 * statistics.median(young)


def test_prices_are_in_egp_and_fall_with_age_within_a_model(
    big_market: list[tuple[SellerSpec, list[ListingSpec]]],
) -> None:
    corollas = [s.fields for s in cars(big_market) if s.fields["model"] == "Corolla"]
    recent = [f["price_egp"] for f in corollas if f["year"] >= CURRENT_YEAR - 2]
    older = [f["price_egp"] for f in corollas if f["year"] <= CURRENT_YEAR - 10]
    assert statistics.median(recent) > 1.5 * statistics.median(older)
    assert all(60_000 <= s.fields["price_egp"] <= 50_000_000 for s in cars(big_market))


def test_titles_are_written_as_egyptians_write_them_and_every_place_is_in_egypt(
    big_market: list[tuple[SellerSpec, list[ListingSpec]]],
) -> None:
    styles: Counter[str] = Counter()
    for _, specs in big_market:
        for spec in specs:
            f = spec.fields
            ar, en = f["title_ar"], f["title_en"]
            assert ar or en
            assert ar is None or ARABIC.search(ar), ar
            assert en is None or not ARABIC.search(en), en
            if spec.category == "car":
                latin_in_ar = ar is not None and re.search(r"[A-Za-z]", ar) is not None
                styles["mixed" if latin_in_ar else f"{bool(ar)}-{bool(en)}"] += 1
            assert 22.0 <= f["latitude"] <= 31.7
            assert 24.7 <= f["longitude"] <= 36.9
    # Arabic only, English only, both, and Arabic with the model in Latin letters.
    assert {"True-False", "False-True", "True-True", "mixed"} <= set(styles), styles
