"""``souk db`` and ``souk api`` explain themselves (their registration in ``souk.cli`` is
covered by tests/unit/test_cli_help.py; importing it here would load every component)."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from api.cli import api_app
from core.cli import db_app


@pytest.mark.parametrize(
    ("app", "args", "expected"),
    [
        (db_app, ["migrate", "--help"], "Apply the schema migrations"),
        (db_app, ["current", "--help"], "the newest one in the code"),
        (api_app, ["serve", "--help"], "Serve the API with uvicorn"),
    ],
)
def test_help(app: typer.Typer, args: list[str], expected: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert expected in result.output


def test_migrate_sql_prints_the_schema_without_a_database() -> None:
    result = CliRunner().invoke(db_app, ["migrate", "--sql"])
    assert result.exit_code == 0, result.output
    assert "CREATE TABLE listings" in result.output
    assert "CREATE TRIGGER listings_year_not_in_future" in result.output
    assert "ALTER TABLE outbox REPLICA IDENTITY DEFAULT" in result.output
