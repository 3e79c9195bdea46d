"""The Faust app's configuration from settings."""

from __future__ import annotations

from pathlib import Path

from souk.settings import Settings
from streams.app import build_app


def test_worker_state_lives_under_the_data_directory_not_the_working_directory(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, streams_app_id="souk-test-app")
    app = build_app(settings, [])
    assert Path(app.conf.datadir) == tmp_path / "streams" / "souk-test-app-data"
    app._create_directories()  # what the worker does first on start: Faust makes one level
    assert (tmp_path / "streams" / "souk-test-app-data").is_dir()
