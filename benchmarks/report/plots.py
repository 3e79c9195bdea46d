"""Draws a result's charts (plain data, ``benchmarks.results.Chart``) as PNG with matplotlib."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from benchmarks.results import Chart

COLOURS = ("#2f6f9f", "#e07b39", "#5a9e4b", "#8e5ea2")


def draw(chart: Chart, into: Path) -> Path:
    """Write ``into/<slug>.png``; return its path."""
    into.mkdir(parents=True, exist_ok=True)
    path = into / f"{chart.slug}.png"
    rows = max(len(chart.categories), 1)
    height = 0.45 * rows + 1.6 if chart.horizontal else 4.2
    figure, axes = plt.subplots(figsize=(8.5, max(height, 3.0)), dpi=100)
    try:
        if chart.kind == "histogram":
            axes.hist(chart.values, bins=min(30, max(5, len(chart.values) // 3)),
                      color=COLOURS[0])  # fmt: skip
            axes.set_xlabel(chart.unit)
            axes.set_ylabel("count")
            if chart.line is not None:
                axes.axvline(chart.line, color="#b22222", linestyle="--", label=chart.line_label)
        else:
            _bars(axes, chart)
        if chart.line is not None and chart.line_label:
            axes.legend(loc="best", fontsize=8)
        axes.set_title(chart.title, fontsize=10)
        axes.grid(axis="x" if chart.horizontal else "y", alpha=0.3)
        figure.tight_layout()
        figure.savefig(path)
    finally:
        plt.close(figure)
    return path


def _bars(axes: Axes, chart: Chart) -> None:
    count = len(chart.series) or 1
    width = 0.8 / count
    positions = list(range(len(chart.categories)))
    for n, (label, values) in enumerate(chart.series.items()):
        offsets = [p - 0.4 + width * (n + 0.5) for p in positions]
        colour = COLOURS[n % len(COLOURS)]
        if chart.horizontal:
            axes.barh(offsets, values, height=width, label=label, color=colour)
        else:
            axes.bar(offsets, values, width=width, label=label, color=colour)
    if chart.horizontal:
        axes.set_yticks(positions, chart.categories, fontsize=8)
        axes.invert_yaxis()
        axes.set_xlabel(chart.unit)
        if chart.line is not None:
            axes.axvline(chart.line, color="#b22222", linestyle="--", label=chart.line_label)
    else:
        axes.set_xticks(positions, chart.categories, fontsize=8, rotation=15)
        axes.set_ylabel(chart.unit)
        if chart.line is not None:
            axes.axhline(chart.line, color="#b22222", linestyle="--", label=chart.line_label)
    if count > 1 or chart.line is not None:
        axes.legend(loc="best", fontsize=8)
