"""The benchmarks the report runs, in order, with their command-line arguments per scale.

``standard`` uses the issues' sizes where a target depends on them (200,000 listings for
search latency, 10 million events for the marts and the dashboards) and keeps the rest small;
measured on a quiet two-core machine (AMD EPYC, 2026-11-27): 15.5 minutes in all, the
five-minute sustained load included (about 28 on the slower machine of earlier sessions),
plus, on the first run, a minute or more to build PGSync's virtualenv. The issue-sized steps
cannot shrink: loading 200,000 listings alone takes about a minute here (three on the slower
machine; their text analysis costs most of it). ``full`` takes the scripts'
larger defaults (and the second Elasticsearch node for PGSync); ``quick`` is a few minutes
plus a one-minute load; ``tiny`` is for tests.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Literal, get_args

from benchmarks.results import BenchmarkResult

Scale = Literal["tiny", "quick", "standard", "full"]
SCALES: tuple[Scale, ...] = get_args(Scale)
WAREHOUSE = "{work}/warehouse-data"  # marts_build builds here; marts_reads and dashboards read
PGSYNC_PORTS = ("--redis-port", "{port}", "--shim-port", "{port}")
# The load runs on a platform of its own (database, topics, index, ports), dropped after.
LOAD_PLATFORM = ("--namespace", "load_report", "--plot", "{work}/load_search_and_writes.png")


@dataclass(frozen=True)
class Benchmark:
    """``python -m benchmarks.<name>``: its title, its result model and its arguments."""

    name: str
    title: str
    result: str  # "module:Class" of its BenchmarkResult, imported only when needed
    scales: dict[Scale, tuple[str, ...]]
    after: tuple[str, ...] = field(default=())

    @property
    def module(self) -> str:
        return f"benchmarks.{self.name}"

    def arguments(self, scale: Scale) -> tuple[str, ...]:
        return self.scales[scale]

    def result_model(self) -> type[BenchmarkResult]:
        module, _, name = self.result.partition(":")
        model = getattr(importlib.import_module(module), name)
        if not (isinstance(model, type) and issubclass(model, BenchmarkResult)):
            raise TypeError(f"{self.result} is not a BenchmarkResult")
        return model


def _marts(events: int, days: int, listings: int, sellers: int) -> tuple[str, ...]:
    return ("--events", str(events), "--days", str(days), "--listings", str(listings),
            "--sellers", str(sellers))  # fmt: skip


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark(
        "relay_throughput", "Relay: throughput and commit-to-Kafka latency",
        "benchmarks.relay_throughput:RelayResult",
        {"tiny": ("--changes", "2000", "--rate", "200", "--latency-seconds", "3"),
         "quick": ("--changes", "20000", "--latency-seconds", "10"),
         "standard": ("--changes", "60000", "--latency-seconds", "20"),
         "full": ("--changes", "200000", "--latency-seconds", "60")},
    ),
    Benchmark(
        "freshness_catalog", "Catalog freshness: Kafka record to searchable",
        "benchmarks.freshness_catalog:FreshnessResult",
        {"tiny": ("--changes", "5"), "quick": ("--changes", "30"),
         "standard": ("--changes", "60"), "full": ("--changes", "200")},
    ),
    Benchmark(
        "indexing_throughput", "Indexing throughput: Kafka → Faust → Elasticsearch vs direct bulk",
        "benchmarks.indexing_throughput:IndexingResult",
        # 10,000 listings lasted 1.3 s at the direct bulk's ~7,800 docs/s on a fast machine
        {"tiny": ("--listings", "500"), "quick": ("--listings", "3000"),
         "standard": ("--listings", "30000"), "full": ("--listings", "60000")},
    ),
    Benchmark(
        "search_latency", "Search latency: API vs Elasticsearch alone",
        "benchmarks.search_latency:SearchLatencyResult",
        {"tiny": ("--listings", "2000", "--requests", "100", "--port", "{port}",
                  "--alias", "bench-report-search-tiny"),
         "quick": ("--listings", "20000", "--requests", "500", "--port", "{port}",
                   "--alias", "bench-report-search-quick"),
         "standard": ("--listings", "200000", "--requests", "1000", "--port", "{port}",
                      "--alias", "bench-report-search", "--floor"),
         "full": ("--listings", "200000", "--requests", "2000", "--port", "{port}",
                  "--alias", "bench-report-search", "--floor")},
    ),
    Benchmark(
        "sink_throughput", "Warehouse sink throughput vs its ceilings",
        "benchmarks.sink_throughput:SinkResult",
        {"tiny": ("--events", "5000", "--batch", "1000"),
         "quick": ("--events", "30000", "--batch", "10000"),
         # 100,000 events lasted 0.4 s at the ceiling's ~240,000/s: shorter than the worker's
         # timing (first raw file to last, polled every 0.25 s) can resolve
         "standard": ("--events", "1000000"), "full": ("--events", "2000000")},
    ),
    Benchmark(
        "marts_build", "Mart build: raw events to the serving database",
        "benchmarks.marts_build:MartsBuildResult",
        {"tiny": (*_marts(20_000, 2, 500, 50), "--directory", f"{WAREHOUSE}/warehouse"),
         "quick": (*_marts(1_000_000, 30, 50_000, 5_000), "--directory",
                   f"{WAREHOUSE}/warehouse"),
         "standard": (*_marts(10_000_000, 30, 50_000, 5_000), "--directory",
                      f"{WAREHOUSE}/warehouse"),
         "full": (*_marts(10_000_000, 30, 50_000, 5_000), "--directory",
                  f"{WAREHOUSE}/warehouse")},
    ),
    Benchmark(
        "raw_compaction", "A day in thousands of small raw files: build, compaction, build",
        "benchmarks.raw_compaction:RawCompactionResult",
        {"tiny": ("--events", "5000", "--files", "20"),
         "quick": ("--events", "100000", "--files", "1000"),
         "standard": ("--events", "333333", "--files", "5000"),
         "full": ("--events", "333333", "--files", "5000")},
    ),
    Benchmark(
        "marts_reads", "Dashboard reads through MartsReader (no HTTP)",
        "benchmarks.marts_reads:MartsReadsResult",
        {"tiny": ("--directory", f"{WAREHOUSE}/warehouse", "--rounds", "5"),
         "quick": ("--directory", f"{WAREHOUSE}/warehouse", "--rounds", "50"),
         "standard": ("--directory", f"{WAREHOUSE}/warehouse", "--rounds", "200"),
         "full": ("--directory", f"{WAREHOUSE}/warehouse", "--rounds", "500")},
        after=("marts_build",),
    ),
    Benchmark(
        "dashboard_latency", "Dashboard endpoints over HTTP",
        "benchmarks.dashboard_latency:DashboardResult",
        {"tiny": (*_marts(20_000, 2, 500, 50), "--rounds", "5", "--port", "{port}",
                  "--directory", WAREHOUSE),
         "quick": (*_marts(1_000_000, 30, 50_000, 5_000), "--rounds", "50", "--port", "{port}",
                   "--directory", WAREHOUSE),
         "standard": (*_marts(10_000_000, 30, 50_000, 5_000), "--rounds", "200", "--port",
                      "{port}", "--directory", WAREHOUSE),
         "full": (*_marts(10_000_000, 30, 50_000, 5_000), "--rounds", "500", "--port", "{port}",
                  "--directory", WAREHOUSE)},
    ),
    Benchmark(
        "pgsync_comparison", "PGSync side by side with our pipeline",
        "benchmarks.pgsync_comparison:PgsyncComparisonResult",
        {"tiny": ("--listings", "200", "--duration", "3", "--settle", "30",
                  "--targets", "es819-direct,es819-shim", *PGSYNC_PORTS),
         "quick": ("--listings", "2000", "--duration", "15", "--targets",
                   "es819-direct,es819-shim", *PGSYNC_PORTS),
         "standard": ("--listings", "10000", "--duration", "30", "--targets",
                      "es819-direct,es819-shim", *PGSYNC_PORTS),
         "full": ("--listings", "20000", "--duration", "30", "--targets",
                  "es819-direct,es819-shim,es717", *PGSYNC_PORTS, "--es7-port", "{port}",
                  "--es7-transport-port", "{port}")},
    ),
    Benchmark(
        "load_search_and_writes", "Sustained load: buyers searching, sellers writing",
        "benchmarks.load_search_and_writes:LoadResult",
        {"tiny": ("--duration", "15", "--search-rps", "2", "--write-rps", "1", "--contact-rps",
                  "1", "--listings", "200", *LOAD_PLATFORM),
         "quick": ("--duration", "60", "--search-rps", "10", "--write-rps", "2", "--contact-rps",
                   "1", "--listings", "1000", *LOAD_PLATFORM),
         "standard": ("--duration", "300", "--listings", "2000", *LOAD_PLATFORM),
         "full": ("--duration", "300", "--listings", "10000", *LOAD_PLATFORM)},
    ),
)  # fmt: skip

BY_NAME = {b.name: b for b in BENCHMARKS}


def select(only: list[str] | None) -> list[Benchmark]:
    """The benchmarks to run, in catalog order, with what they need to run ``after``."""
    if not only:
        return list(BENCHMARKS)
    unknown = [name for name in only if name not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    wanted = set(only)
    for name in only:
        wanted.update(BY_NAME[name].after)
    return [b for b in BENCHMARKS if b.name in wanted]
