"""Periods: validation, the previous period of equal length, granularity buckets, defaults."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import duckdb
import pytest

from api.analytics.periods import (
    MAX_DAYS,
    Bucket,
    Granularity,
    Period,
    PeriodError,
    bucket_start,
    change_ratio,
    resolve_period,
)

DAY, WEEK, MONTH = Granularity.DAY, Granularity.WEEK, Granularity.MONTH


def test_an_inverted_range_blames_end_and_an_over_long_one_blames_start() -> None:
    with pytest.raises(PeriodError) as inverted:
        Period(date(2026, 3, 14), date(2026, 3, 8))
    assert inverted.value.field == "end"
    assert Period(date(2026, 3, 8), date(2026, 3, 8)).days == 1
    with pytest.raises(PeriodError) as too_long:
        Period(date(2024, 1, 1), date(2024, 1, 1) + timedelta(days=MAX_DAYS))
    assert too_long.value.field == "start"


@pytest.mark.parametrize(
    ("start", "end", "previous_start", "previous_end"),
    [
        (date(2026, 3, 8), date(2026, 3, 14), date(2026, 3, 1), date(2026, 3, 7)),
        (date(2026, 3, 1), date(2026, 3, 31), date(2026, 1, 29), date(2026, 2, 28)),
        (date(2024, 3, 1), date(2024, 3, 31), date(2024, 1, 30), date(2024, 2, 29)),  # leap
        (date(2026, 1, 1), date(2026, 1, 1), date(2025, 12, 31), date(2025, 12, 31)),
    ],
)
def test_the_previous_period_has_the_same_length_and_ends_the_day_before(
    start: date, end: date, previous_start: date, previous_end: date
) -> None:
    previous = Period(start, end, WEEK).previous()
    assert (previous.start, previous.end) == (previous_start, previous_end)
    assert previous.days == Period(start, end).days
    assert previous.granularity is WEEK


def test_weeks_start_on_monday_and_edge_buckets_are_partial() -> None:
    # 2026-03-08 is a Sunday: the last day of the ISO week that starts on 03-02.
    buckets = Period(date(2026, 3, 8), date(2026, 3, 14), WEEK).buckets()
    assert buckets == [
        Bucket(date(2026, 3, 2), date(2026, 3, 8), 1),
        Bucket(date(2026, 3, 9), date(2026, 3, 15), 6),
    ]


def test_months_follow_the_calendar_across_years_and_leap_februaries() -> None:
    buckets = Period(date(2023, 12, 20), date(2024, 3, 10), MONTH).buckets()
    assert [(b.start, b.end, b.days_in_range) for b in buckets] == [
        (date(2023, 12, 1), date(2023, 12, 31), 12),
        (date(2024, 1, 1), date(2024, 1, 31), 31),
        (date(2024, 2, 1), date(2024, 2, 29), 29),
        (date(2024, 3, 1), date(2024, 3, 31), 10),
    ]


def test_days_are_their_own_buckets() -> None:
    buckets = Period(date(2026, 2, 27), date(2026, 3, 2), DAY).buckets()
    assert [b.start for b in buckets] == [
        date(2026, 2, 27),
        date(2026, 2, 28),
        date(2026, 3, 1),
        date(2026, 3, 2),
    ]
    assert all(b.days_in_range == 1 and b.start == b.end for b in buckets)


@pytest.mark.parametrize("granularity", list(Granularity))
def test_buckets_cover_every_day_once(granularity: Granularity) -> None:
    for offset in range(0, 400, 37):
        for length in (1, 6, 7, 8, 30, 31, 95):
            start = date(2025, 11, 1) + timedelta(days=offset)
            period = Period(start, start + timedelta(days=length - 1), granularity)
            buckets = period.buckets()
            assert sum(b.days_in_range for b in buckets) == period.days
            assert buckets[0].start <= period.start <= buckets[0].end
            assert buckets[-1].start <= period.end <= buckets[-1].end
            assert all(a.end + timedelta(days=1) == b.start for a, b in itertools.pairwise(buckets))


@pytest.mark.parametrize("granularity", list(Granularity))
def test_bucket_starts_match_duckdb_date_trunc(granularity: Granularity) -> None:
    """The marts are bucketed by DuckDB; the gaps are filled in Python: they must agree."""
    days = [date(2025, 12, 20) + timedelta(days=i) for i in range(80)]
    truncated = duckdb.execute(
        f"SELECT date_trunc('{granularity.value}', d)::DATE FROM unnest(?::DATE[]) t(d)",
        [days],
    ).fetchall()
    assert [row[0] for row in truncated] == [bucket_start(d, granularity) for d in days]


def test_missing_dates_default_to_thirty_days_ending_with_the_data() -> None:
    last = date(2026, 3, 14)
    period = resolve_period(None, None, DAY, default_end=last)
    assert (period.start, period.end, period.days) == (date(2026, 2, 13), last, 30)
    assert resolve_period(date(2026, 3, 1), None, DAY, default_end=last).end == last
    assert resolve_period(date(2026, 4, 1), None, DAY, default_end=last).end == date(2026, 4, 1)
    only_end = resolve_period(None, date(2026, 1, 31), MONTH, default_end=last)
    assert (only_end.start, only_end.granularity) == (date(2026, 1, 2), MONTH)
    with pytest.raises(PeriodError):
        resolve_period(date(2026, 3, 20), date(2026, 3, 1), DAY, default_end=last)


def test_relative_change() -> None:
    assert change_ratio(4, 1) == 3.0
    assert change_ratio(3, 4) == -0.25
    assert change_ratio(5, 5) == 0.0
    assert change_ratio(5, 0) is None
    assert change_ratio(-2, -4) == 0.5
