"""``souk api``: serve the HTTP API."""

from __future__ import annotations

import typer
import uvicorn

from api.app import create_app
from souk.settings import load_settings

api_app = typer.Typer(help="The HTTP API (FastAPI).", no_args_is_help=True)


@api_app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="Bind address (default: SOUK_API_HOST)."),
    port: int | None = typer.Option(None, help="Port (default: SOUK_API_PORT)."),
) -> None:
    """Serve the API with uvicorn on settings.api_host:api_port."""
    settings = load_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level=settings.log_level.lower(),
    )
