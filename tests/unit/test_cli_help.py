"""Every `souk` command and subcommand answers --help."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from souk.cli import app


def _command_paths(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    if hasattr(group, "commands"):  # a group (typer vendors its own click)
        for name, command in group.commands.items():
            paths += _command_paths(command, (*prefix, name))
    return paths


def test_every_command_has_help() -> None:
    root = typer.main.get_command(app)
    paths = _command_paths(root)
    assert ("services", "up") in paths
    runner = CliRunner()
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage" in result.output
