"""The search family of errors.

Translated to HTTP status codes only in ``api/`` and to dead-letter records only in
``streams/``.
"""

from __future__ import annotations

from souk.errors import SoukError


class SearchError(SoukError):
    """Base of every error the catalog index and the search code raise on purpose."""


class SearchUnavailableError(SearchError):
    """Elasticsearch cannot be reached or answered with a server error (HTTP 503)."""


class SearchFailedError(SearchError):
    """Elasticsearch refused one of our searches as malformed (a bug of ours: HTTP 500)."""


class InvalidSearchError(SearchError):
    """A search that cannot be run as asked: bad cursor, sort by distance without a place (422)."""


class ListingNotFoundError(SearchError):
    """No searchable listing has that id (404)."""


class CatalogWriteError(SearchError):
    """Elasticsearch refused a catalog document for a reason other than a stale version."""
