"""The notification agent's handling of one event: send, retry with back-off, dead-letter."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.messages import Channel, Notification
from notifications.port import SendOutcome
from notifications.retries import RetryPolicy
from notifications.routing import Router
from streams.notification_agent import Notifier
from tests.unit.notifications.world import (
    MemoryDirectory,
    faust_event,
    lead_created,
    record_of,
)

pytestmark = pytest.mark.anyio
ALL = [Channel.EMAIL, Channel.SMS, Channel.PUSH]


class FlakySender:
    """Records what it sends once; fails ``failures[channel]`` times first on that channel."""

    def __init__(self, failures: dict[Channel, int] | None = None) -> None:
        self.failures = dict(failures or {})
        self.attempts: list[Channel] = []
        self.sent: dict[str, Notification] = {}

    async def send(self, notification: Notification) -> SendOutcome:
        self.attempts.append(notification.channel)
        if self.failures.get(notification.channel, 0) > 0:
            self.failures[notification.channel] -= 1
            raise ConnectionError(f"{notification.channel.value} gateway down")
        if notification.key in self.sent:
            return SendOutcome.ALREADY_SENT
        self.sent[notification.key] = notification
        return SendOutcome.SENT


class Harness:
    def __init__(self, sender: FlakySender, attempts: int = 3, base: float = 0.5) -> None:
        self.sender = sender
        self.sleeps: list[float] = []
        self.letters: list[tuple[Any, str]] = []

        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        async def dead_letter(event: Any, reason: str) -> None:
            self.letters.append((event, reason))

        self.notifier = Notifier(Router(MemoryDirectory(), ALL), sender,
                                 RetryPolicy(attempts, base), dead_letter, sleep)  # fmt: skip


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_sends_every_notification_and_nothing_twice_on_redelivery() -> None:
    harness = Harness(FlakySender())
    event = faust_event(record_of(lead_created()))
    first = await harness.notifier.handle(event)
    again = await harness.notifier.handle(event)
    assert first is not None
    assert again is not None
    assert (len(first.sent), len(first.already_sent)) == (3, 0)
    assert (len(again.sent), len(again.already_sent)) == (0, 3)
    assert len(harness.sender.sent) == 3
    assert harness.letters == []


async def test_a_flaky_channel_is_retried_with_exponential_back_off() -> None:
    harness = Harness(FlakySender({Channel.SMS: 2}), attempts=3, base=0.5)
    report = await harness.notifier.handle(faust_event(record_of(lead_created())))
    assert report is not None
    assert len(report.sent) == 3
    assert harness.sender.attempts.count(Channel.SMS) == 3
    assert harness.sleeps == [0.5, 1.0]
    assert harness.letters == []


async def test_a_channel_failing_every_attempt_dead_letters_the_event_with_the_reason() -> None:
    harness = Harness(FlakySender({Channel.SMS: 99}), attempts=4, base=0.25)
    event = faust_event(record_of(lead_created()))
    assert await harness.notifier.handle(event) is None
    assert harness.sleeps == [0.25, 0.5, 1.0]  # no wait after the last attempt
    assert harness.sender.attempts.count(Channel.SMS) == 4
    # the other channels still went out; a replay from the dead letters will not repeat them
    assert {n.channel for n in harness.sender.sent.values()} == {Channel.EMAIL, Channel.PUSH}
    [(lettered, reason)] = harness.letters
    assert lettered is event
    assert reason == ("notification not sent after 4 attempts: sms to +201001112222: "
                      "ConnectionError: sms gateway down")  # fmt: skip


async def test_malformed_and_undeliverable_events_are_dead_lettered_at_once() -> None:
    harness = Harness(FlakySender())
    poison = faust_event(b"{not json")
    await harness.notifier.handle(poison)
    harness.notifier.router.directory = MemoryDirectory(sellers={})
    await harness.notifier.handle(faust_event(record_of(lead_created())))
    reasons = [reason for _, reason in harness.letters]
    assert reasons[0].startswith("value is not JSON")
    assert reasons[1].startswith("no seller ")
    assert harness.sender.attempts == []
    assert harness.sleeps == []


def test_the_retry_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(0, 1.0)
    assert [RetryPolicy(5, 0.2).delay_after(n) for n in (1, 2, 3, 4)] == [0.2, 0.4, 0.8, 1.6]
