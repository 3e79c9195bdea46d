"""What a buyer asks the catalog: the validated search request the query builder reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from search.analysis.normalise import normalise
from search.analysis.vocabulary import MAKE, MODEL, load_vocabulary


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"
    YEAR = "year"
    MILEAGE = "mileage"
    DISTANCE = "distance"


SEARCHABLE_STATUSES = ("active",)


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    radius_km: float | None = None


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # facet -> chosen values
    year_min: int | None = None
    year_max: int | None = None
    price_min: int | None = None
    price_max: int | None = None
    mileage_max: int | None = None
    installments: bool | None = None
    place: Place | None = None
    sort: SortOrder = SortOrder.RELEVANCE
    page: int = 1
    size: int = 20
    cursor: str | None = None

    def fingerprint(self) -> str:
        """What a cursor must match: the same query, filters, sort and page size."""
        terms = sorted((k, tuple(sorted(v))) for k, v in self.terms.items() if v)
        place = (self.place.lat, self.place.lon, self.place.radius_km) if self.place else None
        return repr((self.q.strip(), terms, self.year_min, self.year_max, self.price_min,
                     self.price_max, self.mileage_max, self.installments, place,
                     self.sort.value, self.size))  # fmt: skip


def canonical_filter_value(facet: str, value: str) -> str:
    """A filter value as the index stores it: makes and models in any spelling, folded."""
    vocabulary = load_vocabulary()
    if facet == "make":
        return vocabulary.canonical_of(MAKE, value) or " ".join(normalise(value).split())
    if facet == "model":
        return vocabulary.canonical_of(MODEL, value) or " ".join(normalise(value).split())
    if facet in ("city", "colour"):
        return " ".join(normalise(value).split())
    return value
