"""Logging set-up for every process: plain lines for people, JSON lines for machines."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import ClassVar


class JsonLines(logging.Formatter):
    """One JSON object per record, with any ``extra={...}`` fields (request_id, event_id)."""

    _standard: ClassVar[frozenset[str]] = frozenset(vars(logging.makeLogRecord({})))

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in self._standard})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(
    level: str = "INFO", *, json_lines: bool = False, plain: bool = False
) -> None:
    """Configure the root logger once; ``plain`` prints bare messages (CLI progress)."""
    handler = logging.StreamHandler(sys.stderr if not plain else sys.stdout)
    if json_lines:
        handler.setFormatter(JsonLines())
    elif plain:
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # One line per HTTP request to Elasticsearch or Kafka client chatter drowns what matters.
    for chatty in ("elastic_transport", "aiokafka", "httpx"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
