"""``run_all`` with fake benchmark runs: a partial run (``--only``) keeps the other results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.freshness_catalog import FreshnessResult
from benchmarks.indexing_throughput import IndexingResult
from benchmarks.report import runner
from benchmarks.report.catalog import BY_NAME, Benchmark, Scale, select
from benchmarks.report.machine import Machine, Versions
from benchmarks.report.render import load, write_report
from benchmarks.report.runner import Outcome, ensure_services, run_all
from benchmarks.results import BenchmarkResult
from local_services.service import ServiceStatus
from souk.settings import Settings

RESULTS: dict[str, BenchmarkResult] = {
    "freshness_catalog": FreshnessResult(
        changes=4, refresh_interval="1s", batch_seconds=0.25, p50_ms=900.0, p99_ms=1999.0,
        max_ms=2100.0, delays_ms=[800.0, 900.0, 1000.0, 2100.0]),
    "indexing_throughput": IndexingResult(
        listings=500, batch=500, concurrency=4, workers=1, direct_docs_per_s=2000.0,
        faust_docs_per_s=1000.0),
}  # fmt: skip


class FakeRuns:
    """Stands in for ``run_one``: saves the benchmark's outcome as the real one does, at a
    clock that moves an hour per run, and notes whether an old result was still there."""

    def __init__(self) -> None:
        self.clock = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
        self.ran: list[str] = []
        self.found_old: list[str] = []

    def __call__(
        self, benchmark: Benchmark, scale: Scale, work: Path, into: Path, say: object
    ) -> Outcome:
        assert work.is_dir()
        saved = into / f"{benchmark.name}.json"
        if saved.exists():
            self.found_old.append(benchmark.name)
        self.clock += timedelta(hours=1)
        self.ran.append(benchmark.name)
        outcome = Outcome(
            name=benchmark.name, scale=scale, arguments=list(benchmark.arguments(scale)),
            started_at=self.clock, seconds=3.0, load_before=(0.5, 0.4, 0.3),
            load_after=(0.7, 0.5, 0.3), exit_code=0,
            result=RESULTS[benchmark.name].model_dump(mode="json"),
        )  # fmt: skip
        saved.write_text(outcome.model_dump_json())
        return outcome


@pytest.fixture
def fake_runs(monkeypatch: pytest.MonkeyPatch) -> FakeRuns:
    runs = FakeRuns()
    monkeypatch.setattr(runner, "run_one", runs)
    monkeypatch.setattr(runner, "ensure_services", lambda settings, say: [])
    monkeypatch.setattr(runner, "describe_machine", lambda: Machine(
        cpu_model="Test CPU", cores=2, memory_gib=8.0, os="Debian 12", kernel="6.1"))  # fmt: skip
    monkeypatch.setattr(runner, "describe_versions", lambda settings: Versions(
        python="3.11.7", services={}, packages={}))  # fmt: skip
    return runs


def _run(names: list[str], scale: Scale, into: Path) -> None:
    run_all(select(names), scale, Settings(), into, lambda message: None)


def test_only_replaces_the_results_it_runs_and_keeps_the_others(
    fake_runs: FakeRuns, tmp_path: Path
) -> None:
    into = tmp_path / "results"
    _run(["freshness_catalog", "indexing_throughput"], "quick", into)
    first = Outcome.model_validate_json((into / "freshness_catalog.json").read_text())

    _run(["indexing_throughput"], "tiny", into)

    assert fake_runs.ran == ["freshness_catalog", "indexing_throughput", "indexing_throughput"]
    assert fake_runs.found_old == []  # the old result of a benchmark goes before it runs
    info, sections = load(into)
    assert info.benchmarks == ["indexing_throughput"]
    assert info.scale == "tiny"
    outcomes = {s.benchmark.name: s.outcome for s in sections}
    assert set(outcomes) == {"freshness_catalog", "indexing_throughput"}
    assert outcomes["freshness_catalog"] == first
    assert outcomes["indexing_throughput"].scale == "tiny"
    assert outcomes["indexing_throughput"].started_at > first.started_at


def test_the_report_after_only_shows_every_benchmark_and_what_was_kept(
    fake_runs: FakeRuns, tmp_path: Path
) -> None:
    into = tmp_path / "results"
    _run(["freshness_catalog", "indexing_throughput"], "quick", into)
    _run(["indexing_throughput"], "tiny", into)

    page = tmp_path / "docs" / "PERFORMANCE.md"
    write_report(into, page)
    text = page.read_text()
    assert f"## {BY_NAME['freshness_catalog'].title}" in text
    assert f"## {BY_NAME['indexing_throughput'].title}" in text
    assert "the results of freshness_catalog are kept from earlier runs" in text
    assert "2026-11-26 04:00 UTC, scale quick, in an earlier run" in text
    assert "| freshness_catalog | Kafka → searchable p99 | 1,999 ms |" in text


def test_a_full_run_mentions_no_kept_results(fake_runs: FakeRuns, tmp_path: Path) -> None:
    into = tmp_path / "results"
    _run(["freshness_catalog", "indexing_throughput"], "quick", into)
    _run(["freshness_catalog", "indexing_throughput"], "quick", into)

    page = tmp_path / "PERFORMANCE.md"
    write_report(into, page)
    assert fake_runs.found_old == []
    assert "kept from earlier" not in page.read_text()


class FakeStack:
    """Stands in for ``local_services.stack``: PostgreSQL runs already, the others do not."""

    def __init__(self) -> None:
        self.running = {"postgres"}
        self.started: list[str] = []
        self.stopped: list[str] = []

    def status(self, settings: Settings) -> list[ServiceStatus]:
        return [self._row(name) for name in ("postgres", "kafka", "elasticsearch")]

    def up(self, settings: Settings, only: list[str] | None = None) -> list[ServiceStatus]:
        assert only is not None
        self.started += only
        self.running |= set(only)
        return [self._row(name) for name in only]

    def down(self, settings: Settings, only: list[str] | None = None) -> list[str]:
        assert only is not None
        self.stopped += only
        self.running -= set(only)
        return only

    def _row(self, name: str) -> ServiceStatus:
        healthy = name in self.running
        return ServiceStatus(name=name, running=healthy, healthy=healthy, version="test",
                             address="127.0.0.1:1", pid=1 if healthy else None)  # fmt: skip


def test_the_report_stops_the_services_it_started_and_only_those(
    fake_runs: FakeRuns, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = FakeStack()
    monkeypatch.setattr(runner, "ensure_services", ensure_services)
    monkeypatch.setattr(runner, "stack", fake)
    messages: list[str] = []
    run_all(select(["freshness_catalog"]), "quick", Settings(), tmp_path / "r", messages.append)

    assert fake.started == ["kafka", "elasticsearch"]
    assert fake.stopped == ["kafka", "elasticsearch"]
    assert fake.running == {"postgres"}
    assert fake_runs.ran == ["freshness_catalog"]
    assert any("stopping" in m and "kafka, elasticsearch" in m for m in messages)


def test_a_report_that_started_nothing_stops_nothing(
    fake_runs: FakeRuns, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = FakeStack()
    fake.running = {"postgres", "kafka", "elasticsearch"}
    monkeypatch.setattr(runner, "ensure_services", ensure_services)
    monkeypatch.setattr(runner, "stack", fake)
    run_all(select(["freshness_catalog"]), "quick", Settings(), tmp_path / "r", lambda m: None)

    assert (fake.started, fake.stopped) == ([], [])
    assert fake.running == {"postgres", "kafka", "elasticsearch"}
