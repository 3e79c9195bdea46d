"""``souk api``: serve the HTTP API; mint service tokens for its internal endpoints."""

from __future__ import annotations

import typer

from souk.logs import configure_logging
from souk.settings import load_settings
from souk.tracing import configure_tracing

# The app and its dependencies are imported by the commands that need them: every `souk`
# command imports this module, and the whole API takes seconds to import.

api_app = typer.Typer(help="The HTTP API (FastAPI).", no_args_is_help=True)


@api_app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="Bind address (default: SOUK_API_HOST)."),
    port: int | None = typer.Option(None, help="Port (default: SOUK_API_PORT)."),
) -> None:
    """Serve the API with uvicorn on settings.api_host:api_port."""
    import uvicorn

    from api.app import create_app

    settings = load_settings()
    # One logging set-up for the API's records and uvicorn's (log_config=None): JSON lines
    # with request ids when SOUK_LOG_JSON is on. The API writes its own access lines
    # (logger souk.access, with request id, route and user), so uvicorn's are off.
    configure_logging(settings.log_level, json_lines=settings.log_json)
    configure_tracing(settings, "souk-api")
    uvicorn.run(
        create_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level=settings.log_level.lower(),
        log_config=None,
        access_log=not settings.access_log_enabled,
    )


@api_app.command("service-token")
def service_token(
    audience: str = typer.Option(..., help="What the token opens, e.g. 'reindex'."),
    subject: str = typer.Option("souk-cli", help="Who is calling (kept with the job)."),
    ttl: int | None = typer.Option(None, help="Seconds (default: SOUK_SERVICE_TOKEN_TTL_S)."),
) -> None:
    """Print a signed service token for an internal endpoint (send it as a Bearer token)."""
    from api.service_tokens import mint_service_token

    token = mint_service_token(load_settings(), audience=audience, subject=subject, ttl_s=ttl)
    typer.echo(token)
