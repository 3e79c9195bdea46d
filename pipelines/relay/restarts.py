"""Riding out a Kafka outage: the relay starts again from its confirmed LSN, by itself.

When Kafka cannot be reached (a broker restart, a network cut), the producer's sends time
out and one run of the relay ends with an error; nothing it did not confirm is lost, because
the slot streams again from the confirmed LSN. :func:`run_while_kafka_returns` is what a
supervisor would do: it starts the run again after a back-off (1 s, doubling, at most
``MAX_BACKOFF_S``) for as long as the failure is Kafka being unavailable, and hands every
other error (slot in use, a record Kafka refuses for good, PostgreSQL gone) to the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from aiokafka.errors import KafkaError, KafkaTimeoutError

log = logging.getLogger(__name__)

FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 10.0

RelayRun = Callable[[], Awaitable[None]]


def kafka_unavailable(error: BaseException) -> bool:
    """True when ``error`` (or an error it was raised from) says Kafka could not be reached,
    as opposed to Kafka refusing a record for good."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, KafkaTimeoutError):
            return True
        if isinstance(seen, KafkaError) and seen.retriable:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def run_while_kafka_returns(
    run: RelayRun,
    stop: asyncio.Event,
    *,
    first_backoff_s: float = FIRST_BACKOFF_S,
    max_backoff_s: float = MAX_BACKOFF_S,
) -> None:
    """Run the relay (``run()``, until ``stop`` is set), again while Kafka is unavailable."""
    delay = first_backoff_s
    while not stop.is_set():
        started = time.monotonic()
        try:
            await run()
            return
        except Exception as exc:
            if not kafka_unavailable(exc):
                raise
            if time.monotonic() - started > max_backoff_s:
                delay = first_backoff_s  # it ran a good while: a new outage
            log.warning(
                "Kafka unavailable (%r); the relay starts again from its confirmed LSN in %.1fs",
                exc,
                delay,
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(delay * 2, max_backoff_s)
