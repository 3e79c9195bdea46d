"""The Faust app's configuration from settings."""

from __future__ import annotations

import sys
from pathlib import Path

import faust
import pytest

from souk.settings import Settings
from streams.app import build_app, run_worker


def test_worker_state_lives_under_the_data_directory_not_the_working_directory(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, streams_app_id="souk-test-app")
    app = build_app(settings, [])
    assert Path(app.conf.datadir) == tmp_path / "streams" / "souk-test-app-data"
    app._create_directories()  # what the worker does first on start: Faust makes one level
    assert (tmp_path / "streams" / "souk-test-app-data").is_dir()


def test_off_a_terminal_the_worker_writes_no_cursor_codes_to_standard_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spans exported to standard output are one JSON object per line: Faust's spinner put
    its hide/show-cursor codes in front of one (seen in the traces test)."""
    spinners: list[object] = []

    def execute(worker: faust.Worker) -> None:
        spinners.append(worker.spinner)
        if worker.spinner is not None:  # what the start-up does with it
            worker.spinner.update()
            worker.spinner.finish()

    monkeypatch.setattr(faust.Worker, "execute_from_commandline", execute)
    out = tmp_path / "worker.out"
    with out.open("w") as stdout:
        monkeypatch.setattr(sys, "stdout", stdout)
        run_worker(build_app(Settings(data_dir=tmp_path), []), "warn")
    assert spinners == [None]
    assert "\x1b[" not in out.read_text()
