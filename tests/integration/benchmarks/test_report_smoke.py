"""``python -m benchmarks.report`` end to end at the tiny scale, on two cheap benchmarks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from souk.settings import PROJECT_ROOT, Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_report_runs_the_marts_benchmarks_and_writes_the_page(
    postgres_ready: Settings, tmp_path: Path
) -> None:
    results, page = tmp_path / "results", tmp_path / "docs" / "PERFORMANCE.md"
    command = [sys.executable, "-m", "benchmarks.report", "--scale", "tiny", "--only",
               "marts_reads", "--results", str(results), "--output", str(page)]  # fmt: skip
    run = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "[2/2] Dashboard reads through MartsReader" in run.stdout  # marts_build ran first
    for name in ("marts_build", "marts_reads"):
        outcome = json.loads((results / f"{name}.json").read_text())
        assert outcome["error"] is None, outcome["error"]
        assert outcome["scale"] == "tiny"
        assert len(outcome["load_before"]) == 3
    build = json.loads((results / "marts_build.json").read_text())["result"]
    assert build["events"] == 20_000
    assert build["total_seconds"] > 0
    text = page.read_text()
    assert "`souk benchmarks report --scale tiny`" in text
    assert "| marts_build | total mart build (20,000 events) |" in text
    assert "not judged" in text  # 20,000 events: the 10M target is not judged
    for plot in ("marts-build.png", "marts-reads.png"):
        assert (page.parent / "performance" / plot).stat().st_size > 1000
    assert not (tmp_path / "results-work").exists()  # the scratch warehouse is gone
