"""The sustained-load benchmark's arithmetic: percentiles, per-kind summaries, error kinds,
latency windows, memory peaks, and whether a lag series stayed bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.load_search_and_writes import LoadResult
from benchmarks.market_load.plan import (
    LISTING_CREATE,
    LISTING_VIEW,
    ORDER_PLACE,
    SEARCH,
    rate_per_user,
    users_for,
)
from benchmarks.market_load.sampling import consumed_topics
from benchmarks.market_load.summary import (
    TOTAL,
    RequestRecord,
    Sample,
    consumer_lag_verdicts,
    error_kind,
    error_kinds,
    lag_verdict,
    latency_windows,
    load_seconds,
    memory_summary,
    percentile,
    read_requests,
    relay_lag_verdict,
    slope,
    summarise_kinds,
)
from souk.settings import Settings


def record(kind: str, ms: float, status: int = 200, at: float = 1000.0) -> RequestRecord:
    return RequestRecord(at, kind, ms, status, "" if status else "ConnectionRefusedError")


def test_nearest_rank_percentiles() -> None:
    ordered = [float(n) for n in range(1, 101)]
    assert [percentile(ordered, q) for q in (0.5, 0.95, 0.99, 1.0)] == [50, 95, 99, 100]
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([1.0, 2.0, 3.0], 0.5) == 2.0


def test_expected_4xx_are_not_errors_but_others_are() -> None:
    assert error_kind(record(SEARCH, 5, 200)) is None
    assert error_kind(record(LISTING_CREATE, 5, 201)) is None
    assert error_kind(record(LISTING_VIEW, 5, 404)) is None  # not indexed yet
    assert error_kind(record(ORDER_PLACE, 5, 409)) is None  # another buyer reserved it
    assert error_kind(record(SEARCH, 5, 404)) == "status 404"
    assert error_kind(record(SEARCH, 5, 429)) == "status 429"  # the limiter: an error here
    assert error_kind(record(LISTING_CREATE, 5, 409)) == "status 409"
    assert error_kind(record(SEARCH, 5, 503)) == "status 503"
    assert error_kind(record(SEARCH, 5, 0)) == "ConnectionRefusedError"


def test_summaries_per_kind_then_total() -> None:
    searches = [record(SEARCH, float(ms)) for ms in range(1, 101)]
    writes = [record(LISTING_CREATE, 40.0), record(LISTING_CREATE, 60.0, 500)]
    views = [record(LISTING_VIEW, 10.0, 404)]
    kinds = {s.kind: s for s in summarise_kinds(searches + writes + views, seconds=10)}
    assert list(kinds) == [SEARCH, LISTING_CREATE, LISTING_VIEW, TOTAL]
    search = kinds[SEARCH]
    assert (search.requests, search.per_second, search.errors) == (100, 10.0, 0)
    assert (search.p50_ms, search.p95_ms, search.p99_ms, search.max_ms) == (50, 95, 99, 100)
    assert (kinds[LISTING_CREATE].errors, kinds[LISTING_CREATE].expected_4xx) == (1, 0)
    assert (kinds[LISTING_VIEW].errors, kinds[LISTING_VIEW].expected_4xx) == (0, 1)
    total = kinds[TOTAL]
    assert (total.requests, total.errors, total.expected_4xx) == (103, 1, 1)
    assert total.per_second == 10.3
    assert summarise_kinds([], seconds=10) == []


def test_error_kinds_name_the_request_and_count_most_frequent_first() -> None:
    records = [record(SEARCH, 1, 503)] * 3 + [record(LISTING_CREATE, 1, 0), record(SEARCH, 1)]
    assert error_kinds(records) == {
        "search: status 503": 3,
        "create listing: ConnectionRefusedError": 1,
    }


def test_requests_file_round_trip_and_load_seconds(tmp_path: Path) -> None:
    path = tmp_path / "requests.csv"
    path.write_text("100.000,search,250.00,200,\n101.500,create listing,500.00,0,Timeout\nbad\n")
    records = read_requests(path)
    assert records == [
        RequestRecord(100.0, "search", 250.0, 200, ""),
        RequestRecord(101.5, "create listing", 500.0, 0, "Timeout"),
    ]
    assert load_seconds(records) == pytest.approx(2.0)  # 100.0 → 101.5 + 0.5 s
    assert load_seconds([]) == 0.0


def test_latency_windows_per_group() -> None:
    groups = {SEARCH: "buyers", LISTING_CREATE: "sellers"}
    records = [record(SEARCH, 10, at=1000.5), record(SEARCH, 30, at=1004.9),
               record(LISTING_CREATE, 80, at=1001.0), record(SEARCH, 50, at=1005.0)]  # fmt: skip
    windows = latency_windows(records, groups, started_at=1000.0, width=5)
    assert [(w.t, w.group, w.requests, w.p50_ms, w.p99_ms) for w in windows] == [
        (0.0, "buyers", 2, 10, 30),
        (0.0, "sellers", 1, 80, 80),
        (5.0, "buyers", 1, 50, 50),
    ]


def sample(t: float, lag: dict[str, int], relay_bytes: int | None = 0, **rss: float) -> Sample:
    return Sample(t=t, rss_mb=rss, pss_mb={k: v / 2 for k, v in rss.items()},
                  consumer_lag=lag, relay_lag_bytes=relay_bytes)  # fmt: skip


def test_memory_peak_and_final_per_process() -> None:
    samples = [sample(0, {}, api=100, relay=50), sample(5, {}, api=180),
               sample(10, {}, api=150, relay=60)]  # fmt: skip
    memory = {m.process: m for m in memory_summary(samples)}
    assert list(memory) == ["api", "relay"]
    assert (memory["api"].peak_rss_mb, memory["api"].final_rss_mb) == (180, 150)
    assert (memory["api"].peak_pss_mb, memory["api"].final_pss_mb) == (90, 75)
    assert (memory["relay"].peak_rss_mb, memory["relay"].final_rss_mb) == (60, 60)


def test_slope_is_least_squares() -> None:
    assert slope([(0, 1), (1, 3), (2, 5)]) == pytest.approx(2.0)
    assert slope([(0, 4), (10, 4)]) == 0.0
    assert slope([(5, 1)]) == 0.0
    assert slope([(5, 1), (5, 9)]) == 0.0


def test_a_lag_that_oscillates_under_the_bound_is_bounded() -> None:
    points = [(float(t), 120.0 if t % 10 else 20.0) for t in range(0, 300, 5)]
    verdict = lag_verdict("total", points, bound=500)
    assert verdict.bounded
    assert (verdict.max, verdict.final) == (120, 120)
    assert abs(verdict.growth_last_half) < 500 / 4


def test_a_lag_that_keeps_growing_is_not_bounded_even_under_the_bound() -> None:
    points = [(float(t), t * 1.2) for t in range(0, 301, 5)]  # 0 → 360 records
    verdict = lag_verdict("total", points, bound=500)
    assert verdict.final == 360  # under the bound of 500
    assert verdict.growth_last_half == pytest.approx(180.0)  # 1.2/s over the last 150 s
    assert not verdict.bounded


def test_a_lag_that_ends_over_the_bound_is_not_bounded() -> None:
    points = [(0.0, 900.0), (5.0, 910.0), (10.0, 900.0), (15.0, 905.0)]
    verdict = lag_verdict("total", points, bound=500)
    assert verdict.growth_last_half < 500 / 4
    assert not verdict.bounded


def test_a_lag_that_grew_then_drained_is_bounded() -> None:
    points = [(0.0, 0.0), (50.0, 2000.0), (100.0, 1000.0), (150.0, 100.0), (200.0, 10.0)]
    assert lag_verdict("total", points, bound=500).bounded


def test_no_samples_is_not_a_bounded_lag() -> None:
    assert not lag_verdict("total", [], bound=500).bounded


def test_consumer_verdicts_per_topic_then_the_total_that_judges() -> None:
    samples = [sample(0, {"g a": 10, "g b": 100}), sample(5, {"g a": 20, "g b": 300}),
               sample(10, {"g a": 10, "g b": 450})]  # fmt: skip
    verdicts = consumer_lag_verdicts(samples, bound=500)
    assert [v.series for v in verdicts] == ["g a", "g b", TOTAL]
    assert [v.final for v in verdicts] == [10, 450, 460]
    assert verdicts[0].bounded
    assert not verdicts[1].bounded  # +350 over the last half: more than a quarter of 500
    assert verdicts[2].max == 460


def test_relay_verdict_skips_samples_without_a_slot() -> None:
    samples = [sample(0, {}, None), sample(5, {}, 4096), sample(10, {}, 0)]
    verdict = relay_lag_verdict(samples, bound_bytes=1 << 20)
    assert (verdict.unit, verdict.max, verdict.final, verdict.bounded) == ("bytes", 4096, 0, True)


def test_users_make_the_stated_rate_together() -> None:
    for rate in (0.5, 1.0, 3.0, 50.0, 7.3):
        assert users_for(rate) * rate_per_user(rate) == pytest.approx(rate)
        assert rate_per_user(rate) <= 0.25
    assert users_for(0) == 0


def test_the_result_gives_the_report_its_figures_and_charts() -> None:
    records = [record(SEARCH, float(ms)) for ms in range(1, 11)] + [record(SEARCH, 5, 503)]
    samples = [sample(0, {"g a": 10}, 0, api=100), sample(5, {"g a": 900}, 0, api=120)]
    result = LoadResult(
        started_at="2026-11-26T03:00:00+00:00", duration_s=10, target_rps={"search": 1},
        users={"buyers browsing": 4}, active_listings=200, started_processes=["api"],
        namespace=None, rate_limits={"SOUK_RATE_LIMIT_SEARCH_PER_IP": "1200"}, cpu_count=2,
        load_average_before=[1, 1, 1], load_average_after=[2, 1, 1],
        kinds=summarise_kinds(records, 10), errors=error_kinds(records),
        memory=memory_summary(samples), consumer_lag=consumer_lag_verdicts(samples, 500),
        relay_lag=relay_lag_verdict(samples, 1 << 20), lag_bounded=False, drained_after_s=None,
        samples=samples, latency=[], plot=None,
    )  # fmt: skip
    figures = {f.name: f for f in result.figures()}
    assert next(iter(figures)) == "total: p50"
    assert figures["search: p99"].value == 10
    assert figures["errors (non-2xx other than expected 4xx)"].value == 1
    assert figures["peak memory (PSS): api"].value == 60
    assert figures["consumer lag stayed bounded (1 yes, 0 no)"].verdict == "not met"
    assert [c.slug for c in result.charts()] == ["load-latency", "load-memory"]
    assert any("search: status 503 ×1" in note for note in result.notes())


def test_lag_is_read_in_the_groups_the_worker_consumes_in() -> None:
    batch = consumed_topics(Settings(streams_topic_prefix="t.", warehouse_sink_engine="batch"))
    assert batch["souk-streams"] == {"t.souk.cdc.listings", "t.souk.cdc.sellers",
                                     "t.souk.domain-events"}  # fmt: skip
    assert "t.souk.behaviour.searches" in batch["souk-streams-warehouse-batch"]
    agents = consumed_topics(Settings(warehouse_sink_engine="agent"))
    assert list(agents) == ["souk-streams"]
    assert {"souk.cdc.listings", "souk.behaviour.listing-views"} <= agents["souk-streams"]
