"""``python -m benchmarks.report``: the same as ``souk benchmarks report``."""

from __future__ import annotations

import typer

from benchmarks.report.cli import report

if __name__ == "__main__":
    typer.run(report)
