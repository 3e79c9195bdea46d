"""The run as a PNG: latency per group, consumer and relay lag, memory per process, over time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from benchmarks.market_load.summary import LatencyWindow, Sample


def plot_run(
    path: Path, title: str, latency: Sequence[LatencyWindow], samples: Sequence[Sample]
) -> Path:
    figure = Figure(figsize=(11, 11))  # no pyplot: no display, no global state
    lat_ax, lag_ax, mem_ax = figure.subplots(3, 1, sharex=True)
    groups: dict[str, list[LatencyWindow]] = defaultdict(list)
    for window in latency:
        groups[window.group].append(window)
    for group, windows in groups.items():
        times = [w.t for w in windows]
        (line,) = lat_ax.plot(times, [w.p50_ms for w in windows], label=f"{group} p50")
        lat_ax.plot(times, [w.p99_ms for w in windows], linestyle="--",
                    color=line.get_color(), label=f"{group} p99")  # fmt: skip
    lat_ax.set_ylabel("latency (ms)")
    lat_ax.set_yscale("log")
    lat_ax.set_title(title)
    lat_ax.legend(fontsize="small", ncol=2)

    times = [s.t for s in samples]
    series = list(dict.fromkeys(name for s in samples for name in s.consumer_lag))
    for name in series:
        lag_ax.plot(times, [s.consumer_lag.get(name, 0) for s in samples], label=name)
    lag_ax.set_ylabel("consumer lag (records)")
    if series:
        lag_ax.legend(loc="upper left", fontsize="x-small")
    relay_ax = lag_ax.twinx()
    relay_ax.plot(times, [(s.relay_lag_bytes or 0) / 1024 for s in samples], color="black",
                  linestyle=":", label="relay slot lag (KiB)")  # fmt: skip
    relay_ax.set_ylabel("relay slot lag (KiB)")
    relay_ax.legend(loc="upper right", fontsize="x-small")

    for name in dict.fromkeys(name for s in samples for name in s.pss_mb):
        mem_ax.plot(times, [s.pss_mb.get(name, float("nan")) for s in samples], label=name)
    mem_ax.set_ylabel("memory, PSS of the process tree (MiB)")
    mem_ax.set_xlabel("seconds since the first request (before 0: the platform idle)")
    mem_ax.legend(loc="center left", fontsize="small", ncol=4)

    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    return path
