"""From the raw run to the report: per-kind latency and rates, errors, memory, lag verdicts.

Pure functions over the requests file locust wrote and the samples the orchestrator took, so
the figures are computed (and unit-tested) one way whatever produced them.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel

from benchmarks.market_load.plan import EXPECTED_STATUSES

TOTAL = "total"


class RequestRecord(NamedTuple):
    started_at: float  # epoch seconds
    kind: str
    milliseconds: float
    status: int  # 0: no HTTP answer (connection refused, reset, timeout)
    error: str  # the exception's name when there was no answer


def read_requests(path: Path) -> list[RequestRecord]:
    with path.open(newline="") as lines:
        return [
            RequestRecord(float(row[0]), row[1], float(row[2]), int(row[3]), row[4])
            for row in csv.reader(lines)
            if len(row) == 5
        ]


def load_seconds(records: Sequence[RequestRecord]) -> float:
    """From the first request sent to the last answer received (0 without requests)."""
    if not records:
        return 0.0
    first = min(r.started_at for r in records)
    return max(r.started_at + r.milliseconds / 1000 for r in records) - first


def error_kind(record: RequestRecord) -> str | None:
    """None for a success or an expected 4xx; else what went wrong ("status 500")."""
    if 200 <= record.status < 300 or record.status in EXPECTED_STATUSES.get(record.kind, ()):
        return None
    return f"status {record.status}" if record.status else record.error or "no answer"


def percentile(ordered: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of a sorted, non-empty sequence."""
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


class KindSummary(BaseModel):
    kind: str
    requests: int
    per_second: float  # achieved over the run's duration
    expected_4xx: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def _summary(kind: str, records: Sequence[RequestRecord], seconds: float) -> KindSummary:
    ordered = sorted(r.milliseconds for r in records)
    errors = sum(1 for r in records if error_kind(r) is not None)
    expected = sum(1 for r in records if 400 <= r.status < 500 and error_kind(r) is None)
    return KindSummary(
        kind=kind,
        requests=len(records),
        per_second=round(len(records) / seconds, 2) if seconds > 0 else 0.0,
        expected_4xx=expected,
        errors=errors,
        p50_ms=round(percentile(ordered, 0.50), 1),
        p95_ms=round(percentile(ordered, 0.95), 1),
        p99_ms=round(percentile(ordered, 0.99), 1),
        max_ms=round(ordered[-1], 1),
    )


def summarise_kinds(records: Sequence[RequestRecord], seconds: float) -> list[KindSummary]:
    """One summary per request kind (in order of first appearance), then the total."""
    by_kind: dict[str, list[RequestRecord]] = defaultdict(list)
    for record in records:
        by_kind[record.kind].append(record)
    summaries = [_summary(kind, rows, seconds) for kind, rows in by_kind.items()]
    if records:
        summaries.append(_summary(TOTAL, records, seconds))
    return summaries


def error_kinds(records: Iterable[RequestRecord]) -> dict[str, int]:
    """``"<kind>: <what went wrong>"`` → count, most frequent first."""
    counts = Counter(f"{r.kind}: {kind}" for r in records if (kind := error_kind(r)) is not None)
    return dict(counts.most_common())


class LatencyWindow(BaseModel):
    t: float  # seconds since the first request, at the window's start
    group: str
    requests: int
    p50_ms: float
    p99_ms: float


def latency_windows(
    records: Sequence[RequestRecord], groups: dict[str, str], started_at: float, width: float
) -> list[LatencyWindow]:
    """p50/p99 per ``width``-second window and group (``groups`` maps kind → group)."""
    cells: dict[tuple[int, str], list[float]] = defaultdict(list)
    for record in records:
        slot = int((record.started_at - started_at) // width)
        cells[(slot, groups.get(record.kind, record.kind))].append(record.milliseconds)
    windows = []
    for (slot, group), values in sorted(cells.items()):
        values.sort()
        windows.append(LatencyWindow(
            t=slot * width, group=group, requests=len(values),
            p50_ms=round(percentile(values, 0.5), 1), p99_ms=round(percentile(values, 0.99), 1),
        ))  # fmt: skip
    return windows


class Sample(BaseModel):
    """What the orchestrator saw at one moment of the run."""

    t: float  # seconds since the first request (negative: before the load)
    rss_mb: dict[str, float]  # process → resident memory of its tree (shared pages per process)
    pss_mb: dict[str, float]  # process → proportional share of its tree (shared pages divided)
    consumer_lag: dict[str, int]  # "<group> <topic>" → records not yet committed
    relay_lag_bytes: int | None  # WAL written since the relay's confirmed position


class ProcessMemory(BaseModel):
    process: str
    peak_rss_mb: float
    final_rss_mb: float
    peak_pss_mb: float
    final_pss_mb: float


def memory_summary(samples: Sequence[Sample]) -> list[ProcessMemory]:
    """Peak and final memory per process, in the order processes first appear."""
    names = list(dict.fromkeys(name for s in samples for name in s.rss_mb))
    out = []
    for name in names:
        rss = [s.rss_mb[name] for s in samples if name in s.rss_mb]
        pss = [s.pss_mb.get(name, s.rss_mb[name]) for s in samples if name in s.rss_mb]
        out.append(ProcessMemory(process=name, peak_rss_mb=max(rss), final_rss_mb=rss[-1],
                                 peak_pss_mb=max(pss), final_pss_mb=pss[-1]))  # fmt: skip
    return out


class LagVerdict(BaseModel):
    """Whether a lag series stayed bounded: it ended at or under ``bound`` and did not grow
    by more than a quarter of the bound over the last half of the run (least-squares slope
    × the half's duration)."""

    series: str
    unit: str
    max: float
    final: float
    growth_last_half: float
    bound: float
    bounded: bool


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of (t, value) points; 0 with fewer than two distinct times."""
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_v = sum(v for _, v in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in points) / spread


def lag_verdict(
    series: str, points: Sequence[tuple[float, float]], bound: float, unit: str = "records"
) -> LagVerdict:
    if not points:
        return LagVerdict(series=series, unit=unit, max=0, final=0, growth_last_half=0,
                          bound=bound, bounded=False)  # fmt: skip
    first, last = points[0][0], points[-1][0]
    middle = (first + last) / 2
    late = [p for p in points if p[0] >= middle]
    growth = slope(late) * (last - middle)
    final = points[-1][1]
    return LagVerdict(
        series=series, unit=unit, max=max(v for _, v in points), final=final,
        growth_last_half=round(growth, 1), bound=bound,
        bounded=final <= bound and growth <= bound / 4,
    )  # fmt: skip


def consumer_lag_verdicts(samples: Sequence[Sample], bound: float) -> list[LagVerdict]:
    """A verdict per "<group> <topic>" series (reported against the same bound) and one for
    their sum per sample, the figure the run is judged by (listed last)."""
    names = list(dict.fromkeys(name for s in samples for name in s.consumer_lag))
    verdicts = [
        lag_verdict(name, [(s.t, s.consumer_lag[name]) for s in samples if name in s.consumer_lag],
                    bound)
        for name in names
    ]  # fmt: skip
    totals = [(s.t, float(sum(s.consumer_lag.values()))) for s in samples if s.consumer_lag]
    return [*verdicts, lag_verdict(TOTAL, totals, bound)]


def relay_lag_verdict(samples: Sequence[Sample], bound_bytes: float) -> LagVerdict:
    points = [(s.t, float(s.relay_lag_bytes)) for s in samples if s.relay_lag_bytes is not None]
    return lag_verdict("relay slot", points, bound_bytes, unit="bytes")
