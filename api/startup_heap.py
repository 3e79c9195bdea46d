"""The API process's heap after start-up, kept out of Python's full garbage collections.

Importing the platform (FastAPI, pydantic, SQLAlchemy, the search and warehouse code; ~1 900
modules) leaves ~226 000 container objects that live as long as the process. Python's full
(generation 2) collection walks every one of them: ~240 ms on this machine, ~400 ms under a
32-client search load, every ~7 s, with the event loop stopped, so every search in flight
waits that long (the 32-client p99, docs/SEARCH.md). ``gc.freeze()`` moves them to the
permanent generation, which collections skip; garbage made after start-up is collected as
before.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_heap() -> int:
    """Collect start-up garbage, then freeze what is left; returns how many objects froze."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("froze %d start-up objects out of full garbage collections", frozen)
    return frozen
