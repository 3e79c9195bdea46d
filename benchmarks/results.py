"""What a benchmark hands back: its figures, the targets they are judged against, its charts.

Every benchmark's main computation returns a result model (a pydantic model deriving from
:class:`BenchmarkResult`); its command line writes it with ``--json PATH``. The report
(``benchmarks.report``) reads those files back, so a result must be able to say, from its own
fields alone, which figures it measured (:meth:`BenchmarkResult.figures`) and how to draw
them (:meth:`BenchmarkResult.charts`). Nothing here imports matplotlib: a chart is plain data.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

Comparison = Literal["<", "<=", ">", ">="]
COMPARE: dict[Comparison, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
Verdict = Literal["met", "not met", "not judged"]


@dataclass(frozen=True)
class Target:
    """A target from the issues: ``value <comparison> threshold``, under a stated condition.

    ``condition`` says what the target presumes ("on 200,000 listings"); ``applies`` is False
    when the run did not meet that condition (a smaller scale), and the figure is then shown
    without a verdict.
    """

    comparison: Comparison
    threshold: float
    condition: str = ""
    applies: bool = True

    def text(self, unit: str) -> str:
        sign = {"<=": "≤", ">=": "≥"}.get(self.comparison, self.comparison)
        if unit == "×":
            amount = f"×{self.threshold:.2f}"
        else:
            amount = _number(self.threshold) + (f" {unit}" if unit else "")
        return f"{sign} {amount}" + (f" {self.condition}" if self.condition else "")

    def judge(self, value: float | None) -> Verdict:
        if value is None or not self.applies:
            return "not judged"
        return "met" if COMPARE[self.comparison](value, self.threshold) else "not met"


@dataclass(frozen=True)
class Figure:
    """One measured number, with its unit and, when the issues set one, its target."""

    name: str
    value: float | None
    unit: str = ""
    target: Target | None = None

    @property
    def verdict(self) -> Verdict | None:
        return None if self.target is None else self.target.judge(self.value)


@dataclass(frozen=True)
class Chart:
    """A chart as data: ``bars`` (one bar per category and series; ``horizontal`` for long
    labels) or ``histogram`` (of ``values``); ``line`` draws a target threshold."""

    slug: str
    title: str
    kind: Literal["bars", "histogram"]
    unit: str
    categories: list[str] = field(default_factory=list)
    series: dict[str, list[float]] = field(default_factory=dict)
    values: list[float] = field(default_factory=list)
    line: float | None = None
    line_label: str = ""
    horizontal: bool = False


class BenchmarkResult(BaseModel):
    """Base of every benchmark's result: JSON in and out, figures and charts."""

    def figures(self) -> list[Figure]:
        return []

    def charts(self) -> list[Chart]:
        return []

    def notes(self) -> list[str]:
        """Sentences the report prints under the figures (failures, explanations)."""
        return []

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2) + "\n")


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:.2f}"
