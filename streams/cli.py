"""``souk streams``: run the Faust stream worker."""

from __future__ import annotations

import typer

from souk.settings import load_settings

streams_app = typer.Typer(
    help="Faust stream processors (catalog indexing, ...).", no_args_is_help=True
)


@streams_app.command("worker")
def worker(
    web_port: int | None = typer.Option(None, help="Port of the worker's web server."),
    no_web: bool = typer.Option(False, "--no-web", help="Run without the web server."),
    loglevel: str | None = typer.Option(None, help="Log level (default: SOUK_STREAMS_LOG_LEVEL)."),
) -> None:
    """Start a Faust worker running every registered agent until interrupted."""
    # imported here: every `souk` command imports this module
    from souk.tracing import configure_tracing
    from streams.app import build_app, run_worker
    from streams.registry import REGISTRARS

    settings = load_settings()
    overrides: dict[str, object] = {}
    if web_port is not None:
        overrides["streams_web_port"] = web_port
    if no_web:
        overrides["streams_web_enabled"] = False
    settings = settings.model_copy(update=overrides)
    configure_tracing(settings, "souk-streams")
    app = build_app(settings, REGISTRARS)
    level = (loglevel or settings.streams_log_level).lower()
    run_worker(app, level)
