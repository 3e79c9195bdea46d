"""Rendering the dashboards' HTML: the Jinja2 templates, their filters, security headers.

Pages load only the project's own script and styles (``/dashboards/static``), so the
Content-Security-Policy allows nothing else; chart data comes from ``/analytics`` through
``fetch`` with the same cookie.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.analytics import display

API_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = API_DIR / "templates"
STATIC_DIR = API_DIR / "static"
STATIC_URL = "/dashboards/static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters |= {
    "egp": display.egp,
    "count": display.count,
    "percent": display.percent,
    "kpi_value": display.kpi_value,
    "change_text": display.change_text,
    "make_label": display.make_label,
}
templates.env.globals["static"] = lambda path: f"{STATIC_URL}/{path}"


def query_url(path: str, **params: Any) -> str:
    """``path`` with the non-empty ``params`` as its query string."""
    kept = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


templates.env.globals["query_url"] = query_url


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response
