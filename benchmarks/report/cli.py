"""``souk benchmarks``: run the benchmarks and write ``docs/PERFORMANCE.md``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from benchmarks.report.catalog import BY_NAME, SCALES, Scale, select
from souk.settings import PROJECT_ROOT, load_settings

benchmarks_app = typer.Typer(help="Benchmarks and the performance report.", no_args_is_help=True)
PAGE = PROJECT_ROOT / "docs" / "PERFORMANCE.md"
ONLY_HELP = f"Run just these (repeatable): {', '.join(BY_NAME)}."


def _say(message: str) -> None:
    typer.echo(f"[{datetime.now():%H:%M:%S}] {message}")


@benchmarks_app.command("report")
def report(
    scale: str = typer.Option(
        "standard",
        help="quick (minutes), standard (the issues' sizes; 15.5 minutes with the 5-minute "
        "load on a quiet 2-core machine, ~28 on a slower one), full (larger, and PGSync's "
        "7.17 node), tiny (tests).",
    ),
    only: list[str] = typer.Option(  # noqa: B008
        None, "--only", help=ONLY_HELP
    ),
    from_json: Path | None = typer.Option(  # noqa: B008
        None, "--from-json", help="Re-render from the results saved in DIR; run nothing."
    ),
    results: Path | None = typer.Option(  # noqa: B008
        None, help="Where the results go (default: .local/benchmarks/results under the data dir)."
    ),
    output: Path = typer.Option(  # noqa: B008
        PAGE, help="The Markdown page; plots go to performance/ beside it."
    ),
) -> None:
    """Run every benchmark (or --only some) at a scale, save each result as JSON under
    .local/benchmarks/results/ and write docs/PERFORMANCE.md with PNG plots."""
    from benchmarks.report.render import write_report  # matplotlib: only when rendering
    from benchmarks.report.runner import default_results, run_all

    if scale not in SCALES:
        raise typer.BadParameter(f"one of {', '.join(SCALES)}", param_hint="--scale")
    if from_json is None:
        try:
            chosen = select(only)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--only") from exc
        settings = load_settings()
        directory = results or default_results(settings)
        run_all(chosen, _scale(scale), settings, directory, _say)
    else:
        directory = from_json
    files = write_report(directory, output)
    _say(f"wrote {files[0]} and {len(files) - 1} plot(s) under {files[0].parent / 'performance'}")


def _scale(name: str) -> Scale:
    for scale in SCALES:
        if scale == name:
            return scale
    raise typer.BadParameter(name)
