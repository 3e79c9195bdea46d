"""Sending with retries: exponential back-off on a failing channel, then give up with a reason.

Attempt ``n`` (1-based) that fails waits ``base × 2^(n-1)`` seconds before the next one; after
``attempts`` failures :func:`send_with_retries` reports the notification as failed with the
last error, and the agent dead-letters the event. Each notification of an event is tried on
its own, so one failing channel does not hold back the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from notifications.messages import Notification
from notifications.port import NotificationSender, SendOutcome

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay_s: float = 0.5

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be 1 or more")
        if self.base_delay_s < 0:
            raise ValueError("base_delay_s must not be negative")

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based)."""
        return self.base_delay_s * 2.0 ** (attempt - 1)


@dataclass(frozen=True)
class SendFailure:
    """Every attempt failed; ``error`` is the last one."""

    error: str


@dataclass
class SendReport:
    """What became of an event's notifications."""

    sent: list[Notification] = field(default_factory=list)
    already_sent: list[Notification] = field(default_factory=list)
    failed: list[tuple[Notification, str]] = field(default_factory=list)

    def failure_reason(self, attempts: int) -> str:
        """The dead-letter reason: every notification that failed, with its last error."""
        parts = [f"{n.channel.value} to {n.recipient}: {error}" for n, error in self.failed]
        return f"notification not sent after {attempts} attempts: " + "; ".join(parts)


async def send_with_retries(
    sender: NotificationSender,
    notification: Notification,
    policy: RetryPolicy,
    sleep: Sleep = asyncio.sleep,
) -> SendOutcome | SendFailure:
    """The outcome, or the last error once every attempt failed."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return await sender.send(notification)
        except Exception as exc:  # any provider error means "not sent"
            error = f"{type(exc).__name__}: {exc}"
            if attempt == policy.attempts:
                return SendFailure(error)
            delay = policy.delay_after(attempt)
            log.warning("sending %s failed (attempt %d of %d: %s); retrying in %.2fs",
                        notification.key, attempt, policy.attempts, error, delay)  # fmt: skip
            await sleep(delay)
    raise AssertionError("unreachable: attempts >= 1")


async def send_all(
    sender: NotificationSender,
    notifications: Sequence[Notification],
    policy: RetryPolicy,
    sleep: Sleep = asyncio.sleep,
) -> SendReport:
    """Send every notification of one event, each with its own retries."""
    report = SendReport()
    for notification in notifications:
        outcome = await send_with_retries(sender, notification, policy, sleep)
        if isinstance(outcome, SendFailure):
            report.failed.append((notification, outcome.error))
        elif outcome is SendOutcome.SENT:
            report.sent.append(notification)
        else:
            report.already_sent.append(notification)
    return report
