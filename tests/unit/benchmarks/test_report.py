"""The performance report rendered from saved result JSON: figures, verdicts and plots."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.dashboard_latency import DashboardResult, EndpointLatency
from benchmarks.freshness_catalog import FreshnessResult
from benchmarks.indexing_throughput import IndexingResult
from benchmarks.marts_build import MartsBuildResult
from benchmarks.pgsync_comparison import LatencySummary, PgsyncComparisonResult, SideResult
from benchmarks.report.catalog import BENCHMARKS, SCALES, select
from benchmarks.report.machine import Machine, Versions
from benchmarks.report.render import write_report
from benchmarks.report.runner import RUN_FILE, Outcome, RunInfo
from benchmarks.results import BenchmarkResult, Target
from benchmarks.search_latency import ConcurrencyLevel, SearchLatencyResult
from benchmarks.sink_throughput import SinkResult
from souk.settings import PROJECT_ROOT

AT = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
ES_405 = (
    "bootstrap exited with 1: elasticsearch.exceptions.TransportError: TransportError(405, "
    "'Incorrect HTTP method for uri [/] and method [GET], allowed: [DELETE]')"
)


def _save(directory: Path, name: str, result: BenchmarkResult | None, error: str = "") -> None:
    outcome = Outcome(
        name=name, scale="standard", arguments=["--events", "7"], started_at=AT, seconds=12.5,
        load_before=(0.4, 0.3, 0.2), load_after=(1.6, 0.9, 0.5), exit_code=0 if result else 1,
        result=result.model_dump(mode="json") if result else None, error=error or None,
    )  # fmt: skip
    (directory / f"{name}.json").write_text(outcome.model_dump_json())


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """A results directory as a standard run leaves it, every figure chosen by hand here."""
    directory = tmp_path / "results"
    directory.mkdir()
    info = RunInfo(
        started_at=AT, finished_at=AT, scale="standard", load_at_start=(0.31, 0.2, 0.1),
        machine=Machine(cpu_model="Test CPU 9000", cores=2, memory_gib=8.0, os="Debian 12",
                        kernel="6.1"),
        versions=Versions(python="3.11.7", services={"postgres": "15.20", "kafka": "3.9.1",
                          "elasticsearch": "8.19.21"}, packages={"duckdb": "2.0.0"}),
        benchmarks=[b.name for b in BENCHMARKS],
    )  # fmt: skip
    (directory / RUN_FILE).write_text(info.model_dump_json())
    _save(directory, "freshness_catalog", FreshnessResult(
        changes=4, refresh_interval="1s", batch_seconds=0.25, p50_ms=900.0, p99_ms=1999.0,
        max_ms=2100.0, delays_ms=[800.0, 900.0, 1000.0, 2100.0]))  # fmt: skip
    _save(directory, "indexing_throughput", IndexingResult(
        listings=10_000, batch=500, concurrency=4, workers=1, direct_docs_per_s=2000.0,
        faust_docs_per_s=1000.0))  # fmt: skip
    level = ConcurrencyLevel(clients=8, api_p50_ms=40.0, api_p99_ms=99.0,
                             api_requests_per_s=150.0, es_p50_ms=20.0, es_p99_ms=90.0,
                             es_requests_per_s=300.0, errors=0)  # fmt: skip
    level32 = level.model_copy(update={"clients": 32, "api_p99_ms": 400.0})
    search = SearchLatencyResult(listings=200_000, requests=1000, levels=[level, level32])
    _save(directory, "search_latency", search)
    _save(directory, "sink_throughput", SinkResult(
        events=100_000, batch=20_000, partitions=4, produced_per_s=90_000.0,
        bound={"decode only": 70_000.0}, engine="batch", worker_default=50_000.0,
        agents=10_000.0, bare_decode=60_000.0, ceiling=71_000.0))  # fmt: skip
    _save(
        directory,
        "marts_build",
        MartsBuildResult(
            events=10_000_000,
            days=30,
            threads=2,
            build_seconds=20.0,
            publish_seconds=3.0,
            total_seconds=23.0,
            cpu_seconds=40.0,
            by_model={"fct_searches": 8.0, "dim_seller": 1.0},
        ),
    )
    _save(directory, "dashboard_latency", DashboardResult(
        events=1_000_000, rounds=200,
        endpoints={"seller/kpis": EndpointLatency(p50_ms=5.0, p95_ms=8.0, p99_ms=30.0,
                                                  max_ms=41.0, server_cpu_ms=2.0)},
        seller_p50_ms=5.0, seller_p99_ms=30.0, json_p50_ms=6.0, json_p99_ms=35.0))  # fmt: skip
    _save(directory, "pgsync_comparison", PgsyncComparisonResult(
        parameters={"listings": 10_000}, our_elasticsearch="8.19.21",
        pgsync_versions={"pgsync": "7.3.0"},
        pgsync=[SideResult(target="es819-direct", error=ES_405),
                SideResult(target="es819-shim", note="our node behind a loopback shim",
                           initial_sync_seconds=38.7,
                           latency=LatencySummary(updates=1500, seen=1500, missing=0,
                                                  p50_ms=8147.0, p99_ms=13309.0))],
        souk=SideResult(initial_sync_seconds=146.7, latency=LatencySummary(
            updates=1500, seen=1500, missing=0, p50_ms=4649.0, p99_ms=7071.0))))  # fmt: skip
    _save(directory, "relay_throughput", None, error="exit code 1; the relay did not start")
    return directory


def _row(page: str, figure: str) -> str:
    rows = [line for line in page.splitlines() if line.startswith(f"| {figure} |")]
    assert rows, f"no row for {figure!r}"
    return rows[0]


def test_the_page_shows_each_figure_with_its_computed_verdict(
    results: Path, tmp_path: Path
) -> None:
    page = tmp_path / "docs" / "PERFORMANCE.md"
    write_report(results, page)
    text = page.read_text()
    assert "Test CPU 9000" in text
    assert "8.19.21" in text
    assert "0.3 / 0.2 / 0.1" in text  # load average at the start of the run
    assert "0.4 / 0.3 / 0.2 before, 1.6 / 0.9 / 0.5 after" in text
    assert "✅ met" in _row(text, "Kafka → searchable p99")  # 1,999 ms < 2 s
    assert "1,999 ms" in _row(text, "Kafka → searchable p99")
    assert "❌ not met" in _row(text, "Faust / direct bulk")  # 0.50 < 0.70
    assert "✅ met" in _row(text, "8 clients: API p99")  # 99 ms on 200k listings
    assert "❌ not met" in _row(text, "8 clients: API overhead p50 (API / ES)")  # ×2.00
    assert "✅ met" in _row(text, "8 clients: API overhead p99 (API / ES)")  # ×1.10
    assert "| 32 clients: API p99 | 400 ms |  |  |" in text  # no target at 32 clients
    assert "✅ met" in _row(text, "sink, Faust worker default (batch)")  # 50,000 >= 50,000
    assert "✅ met" in _row(text, "worker default / ceiling")  # 0.704 >= 0.70
    assert "✅ met" in _row(text, "total mart build (10,000,000 events)")
    assert "not judged" in _row(text, "all JSON endpoints p99")  # 1M events, target on 10M
    assert "the relay did not start" in text  # a failed benchmark is shown, not hidden


def test_the_page_explains_why_pgsync_cannot_use_our_node_as_it_is(
    results: Path, tmp_path: Path
) -> None:
    page = tmp_path / "PERFORMANCE.md"
    write_report(results, page)
    text = page.read_text()
    assert "Incorrect HTTP method for uri [/]" in text
    assert "no `rest-root`" in text
    assert "PGSync 7.3.0" in text
    assert "8,147 ms" in _row(text, "PGSync → es819-shim: commit → searchable p50")
    assert "147 s" in _row(text, "ours (relay → Kafka → Faust): initial sync")


def test_every_chart_is_a_non_empty_png_linked_from_the_page(results: Path, tmp_path: Path) -> None:
    page = tmp_path / "docs" / "PERFORMANCE.md"
    written = write_report(results, page)
    plots = [p for p in written if p.suffix == ".png"]
    names = {p.stem for p in plots}
    assert {"freshness", "indexing-throughput", "search-latency", "sink-throughput",
            "marts-build", "dashboard-latency", "pgsync-initial-sync",
            "pgsync-latency"} <= names  # fmt: skip
    text = page.read_text()
    for plot in plots:
        assert plot.parent == tmp_path / "docs" / "performance"
        assert plot.read_bytes().startswith(b"\x89PNG")
        assert plot.stat().st_size > 1000
        assert f"(performance/{plot.name})" in text


@pytest.mark.parametrize(
    ("target", "value", "verdict"),
    [
        (Target("<", 2000), 1999.9, "met"),
        (Target("<", 2000), 2000.0, "not met"),
        (Target(">=", 0.7), 0.7, "met"),
        (Target(">=", 0.7), 0.69, "not met"),
        (Target("<=", 1.3), 1.31, "not met"),
        (Target("<", 30, "over 10,000,000 events", applies=False), 1.0, "not judged"),
        (Target("<", 30), None, "not judged"),
    ],
)
def test_target_verdicts(target: Target, value: float | None, verdict: str) -> None:
    assert target.judge(value) == verdict


def test_only_pulls_in_what_a_benchmark_needs_first() -> None:
    assert [b.name for b in select(["marts_reads"])] == ["marts_build", "marts_reads"]
    assert [b.name for b in select(None)] == [b.name for b in BENCHMARKS]
    with pytest.raises(ValueError, match="unknown benchmark"):
        select(["nope"])


def test_every_catalog_entry_is_runnable_at_every_scale() -> None:
    for benchmark in BENCHMARKS:
        assert set(benchmark.scales) == set(SCALES), benchmark.name
        source = (PROJECT_ROOT / "benchmarks" / f"{benchmark.name}.py").read_text()
        assert '"--json"' in source, benchmark.name
        assert issubclass(benchmark.result_model(), BenchmarkResult)


def test_a_side_failing_with_a_traceback_is_one_line_of_the_page() -> None:
    error = (
        "souk relay topics failed:\n│  243 │ if self._sync_task:\n╰────╯\nKafkaConnectionError: no"
    )
    result = PgsyncComparisonResult(
        parameters={}, our_elasticsearch="8.19.21", souk=SideResult(error=error)
    )
    (note,) = result.notes()
    assert (
        note == "ours (relay → Kafka → Faust) failed: `souk relay topics failed: "
        "KafkaConnectionError: no`"
    )


def test_the_mart_build_is_judged_through_dagster_when_it_was_measured() -> None:
    build = dict(events=10_000_000, days=30, threads=2, build_seconds=20.0, publish_seconds=3.0,
                 total_seconds=23.0, cpu_seconds=40.0, by_model={"fct_searches": 8.0})  # fmt: skip
    alone = MartsBuildResult(**build)
    through = MartsBuildResult(**build, dagster_seconds=61.0, dagster_cpu_seconds=70.0,
                               dagster_steps={"fct_searches": 9.5, "dim_seller": 1.5})  # fmt: skip

    def judged(result: MartsBuildResult) -> list[tuple[str, float | None]]:
        return [(f.name, f.value) for f in result.figures() if f.target is not None]

    assert judged(alone) == [("total mart build (10,000,000 events)", 23.0)]
    assert judged(through) == [("total mart build (10,000,000 events)", 61.0)]
    figures = {f.name: f.value for f in through.figures()}
    assert figures["models alone: total (no Dagster)"] == 23.0
    assert figures["through Dagster: CPU"] == 70.0
    [chart] = through.charts()
    assert "through Dagster" in chart.title
    assert chart.categories == ["fct_searches", "dim_seller", "TOTAL"]
    assert chart.series["seconds"] == [9.5, 1.5, 61.0]


def test_the_search_floor_is_shown_beside_the_api_without_a_verdict() -> None:
    level = ConcurrencyLevel(clients=8, api_p50_ms=40.0, api_p99_ms=99.0,
                             api_requests_per_s=150.0, es_p50_ms=20.0, es_p99_ms=90.0,
                             es_requests_per_s=300.0, errors=0, api_cpu_ms=1.1)  # fmt: skip
    floor = level.model_copy(update={"api_p50_ms": 26.0, "api_p99_ms": 108.0, "api_cpu_ms": 0.4})
    result = SearchLatencyResult(listings=200_000, requests=1000, levels=[level], floor=[floor])
    shown = {f.name: f for f in result.figures()}
    assert shown["8 clients: floor overhead p50 (floor / ES)"].value == pytest.approx(1.3)
    assert shown["8 clients: floor overhead p99 (floor / ES)"].value == pytest.approx(1.2)
    assert shown["8 clients: floor process CPU per search"].value == 0.4
    assert all(f.target is None for name, f in shown.items() if "floor" in name)
    without = SearchLatencyResult.model_validate_json(
        result.model_dump_json(exclude={"floor"})
    )  # a result saved before --floor existed
    assert not [f for f in without.figures() if "floor" in f.name]
