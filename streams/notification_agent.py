"""Notification agent: domain events to email, SMS and push notifications.

The agent reads ``souk.domain-events`` one event at a time with manual acks: an event is
acked only after its notifications were sent (or found already sent) or after it went to the
dead-letter topic, so a crash redelivers it and the delivery log's unique key keeps the
resend from notifying twice (at-least-once delivery, exactly-once notifications).

What goes to the dead-letter topic, with the reason: a record that is not a domain event, an
event naming a user, seller or order the database does not have, and an event whose
notification still failed after ``SOUK_NOTIFICATION_SEND_ATTEMPTS`` tries with exponential
back-off (``SOUK_NOTIFICATION_RETRY_BASE_S``). An unreachable PostgreSQL while looking up
recipients is not the record's fault: that is retried until it answers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

import faust
from faust.streams import Stream
from sqlalchemy.exc import InterfaceError, OperationalError

from core.db import create_db_engine
from notifications.deliveries import RecordingSender
from notifications.directory import SqlDirectory
from notifications.events import MalformedEventError, parse_event
from notifications.messages import Channel, Notification
from notifications.port import NotificationSender
from notifications.retries import RetryPolicy, SendReport, Sleep, send_all
from notifications.routing import Router, UnknownRecipientError
from souk.settings import Settings
from souk.topics import DOMAIN_EVENTS
from streams.app import raw_topic
from streams.dead_letter import DeadLetters

log = logging.getLogger(__name__)
AGENT = "notifications"
MAX_LOOKUP_BACKOFF_S = 30.0
DeadLetter = Callable[[Any, str], Awaitable[None]]


class Notifier:
    """Everything the agent does with one event: parse, route, send, dead-letter."""

    def __init__(
        self,
        router: Router,
        sender: NotificationSender,
        policy: RetryPolicy,
        dead_letter: DeadLetter,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.router, self.sender, self.policy = router, sender, policy
        self.dead_letter, self.sleep = dead_letter, sleep

    async def handle(self, event: Any) -> SendReport | None:
        """Notify for one Faust event; None when it was dead-lettered."""
        try:
            domain_event = parse_event(event.message.value)
            if domain_event.event_type not in self.router.event_types:
                return SendReport()
            notifications = await self._route(lambda: self.router.notifications_for(domain_event))
        except (MalformedEventError, UnknownRecipientError) as exc:
            await self.dead_letter(event, str(exc))
            return None
        report = await send_all(self.sender, notifications, self.policy, self.sleep)
        if report.failed:
            await self.dead_letter(event, report.failure_reason(self.policy.attempts))
            return None
        log.debug("%s %s: %d sent, %d already sent", domain_event.event_type,
                  domain_event.event_id, len(report.sent), len(report.already_sent))  # fmt: skip
        return report

    async def _route(self, route: Callable[[], list[Notification]]) -> list[Notification]:
        """Look the recipients up (blocking SQL, in a thread), waiting out database outages."""
        delay = max(self.policy.base_delay_s, 0.1)
        while True:
            try:
                return await asyncio.to_thread(route)
            except (OperationalError, InterfaceError) as exc:
                log.warning("PostgreSQL unavailable for recipient look-ups (%s); retrying in "
                            "%.1fs", exc.orig or exc, delay)  # fmt: skip
                await self.sleep(delay)
                delay = min(delay * 2, MAX_LOOKUP_BACKOFF_S)


def notifier_for(settings: Settings, dead_letter: DeadLetter) -> Notifier:
    """The notifier of these settings: PostgreSQL directory, recording sender."""
    channels = [Channel(name) for name in settings.notification_channels]
    engine = create_db_engine(settings, pool_size=2, max_overflow=2)
    policy = RetryPolicy(settings.notification_send_attempts, settings.notification_retry_base_s)
    return Notifier(Router(SqlDirectory(engine), channels), RecordingSender(engine), policy,
                    dead_letter)  # fmt: skip


def register_notifications(app: faust.App, settings: Settings) -> None:
    """Add the notification agent (a :data:`streams.app.Registrar`)."""
    topic = raw_topic(app, settings, DOMAIN_EVENTS)
    dead_letters = DeadLetters(app, settings)

    async def dead_letter(event: Any, reason: str) -> None:
        await dead_letters.send(event, reason=reason, agent=AGENT)

    notifier = notifier_for(settings, dead_letter)

    async def notify(stream: faust.StreamT[bytes]) -> None:
        manual = cast(
            Stream[bytes], stream
        ).noack()  # ack after sending or dead-lettering, never before
        async for event in manual.events():
            try:
                await notifier.handle(event)
            except Exception as exc:  # a bug must not stop the stream nor lose the event
                log.exception("notifying for %s failed", event.message)
                await dead_letter(event, f"notification agent failed: {exc!r}")
            await manual.ack(event)

    app.agent(topic, name=AGENT)(notify)
