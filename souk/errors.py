"""The platform's one exception family.

Translated to HTTP status codes only in ``api/`` and to dead-letter records only in
``streams/``.
"""

from __future__ import annotations


class SoukError(Exception):
    """Base of every error the platform raises on purpose."""
