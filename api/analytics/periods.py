"""Date ranges for the dashboards: validation, the previous period, granularity buckets.

A period is ``start`` .. ``end`` inclusive (local dates of the warehouse's time zone). Its
previous period has the same number of days and ends the day before ``start``. Buckets
are calendar days, ISO weeks (Monday first, as DuckDB's ``date_trunc('week')``) or
calendar months; a bucket is named by its first day, so the first and last buckets of a
range may be partial (``days_in_range`` says how many of their days it covers).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

MAX_DAYS = 731  # two years (one of them leap) per request
DEFAULT_DAYS = 30


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


# The marketplace's data starts long after 2000; bounds keep date arithmetic in range.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


class PeriodError(ValueError):
    """A range that cannot be served; ``field`` names the query parameter to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    granularity: Granularity = Granularity.DAY

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError("end", f"end ({self.end}) is before start ({self.start})")
        if self.days > MAX_DAYS:
            raise PeriodError("start", f"the range has {self.days} days; at most {MAX_DAYS}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end, self.granularity)

    def buckets(self) -> list[Bucket]:
        """Every bucket that overlaps the period, in order (gaps included)."""
        return list(_buckets(self.start, self.end, self.granularity))


@dataclass(frozen=True)
class Bucket:
    start: date  # the bucket's first day (may be before the period's start)
    end: date  # its last day (may be after the period's end)
    days_in_range: int


def bucket_start(day: date, granularity: Granularity) -> date:
    """The first day of the bucket ``day`` falls in."""
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    return day


def _bucket_end(first: date, granularity: Granularity) -> date:
    if granularity is Granularity.WEEK:
        return first + timedelta(days=6)
    if granularity is Granularity.MONTH:
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    return first


def _buckets(start: date, end: date, granularity: Granularity) -> Iterator[Bucket]:
    first = bucket_start(start, granularity)
    while first <= end:
        last = _bucket_end(first, granularity)
        covered = (min(last, end) - max(first, start)).days + 1
        yield Bucket(first, last, covered)
        first = last + timedelta(days=1)


def resolve_period(
    start: date | None,
    end: date | None,
    granularity: Granularity,
    *,
    default_end: date,
    default_days: int = DEFAULT_DAYS,
) -> Period:
    """The period a request asks for; a missing ``end`` is ``default_end`` (the last day
    with data) and a missing ``start`` makes a range of ``default_days`` ending at ``end``."""
    for name, value in (("start", start), ("end", end)):
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise PeriodError(name, f"{name} must be between {EARLIEST_DATE} and {LATEST_DATE}")
    if end is None:
        end = default_end if start is None or start <= default_end else start
    if start is None:
        start = end - timedelta(days=default_days - 1)
    return Period(start, end, granularity)


def change_ratio(current: float, previous: float) -> float | None:
    """Relative change (0.25 = +25 %); None when there is nothing to compare with."""
    if previous == 0:
        return None
    return round((current - previous) / abs(previous), 4)
