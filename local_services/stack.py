"""The three local services together: ``services up | down | status | logs``."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from local_services.elasticsearch import ElasticsearchService
from local_services.kafka import KafkaService
from local_services.postgres import PostgresService
from local_services.process import ServiceUser
from local_services.service import LocalService, ServiceStatus
from souk.settings import Settings

log = logging.getLogger(__name__)


def local_services(settings: Settings) -> list[LocalService]:
    user = ServiceUser.resolve(settings.service_user)
    return [
        PostgresService(settings, user),
        KafkaService(settings, user),
        ElasticsearchService(settings, user),
    ]


@contextmanager
def _step(label: str) -> Iterator[None]:
    started = time.monotonic()
    log.info(f"→ {label}")
    yield
    log.info(f"  done in {time.monotonic() - started:.1f}s")


def up(settings: Settings, only: list[str] | None = None) -> list[ServiceStatus]:
    """Install (cached) and start every service that is not running; wait for health."""
    services = [s for s in local_services(settings) if not only or s.name in only]
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    for service in services:
        service.user.own(settings.data_dir)
        service.install()  # a no-op once cached
        if service.pid() is not None and service.healthy():
            log.info(f"✓ {service.name} already running at {service.address}")
            continue
        with _step(f"{service.name}: start and wait for health"):
            service.start()
    return [service.status() for service in services]


def down(settings: Settings, only: list[str] | None = None) -> list[str]:
    """Stop, in reverse order, only the processes our pid files name (of ``only`` if given)."""
    stopped = []
    services = [s for s in local_services(settings) if not only or s.name in only]
    for service in reversed(services):
        if service.stop():
            stopped.append(service.name)
    return stopped


def status(settings: Settings) -> list[ServiceStatus]:
    return [service.status() for service in local_services(settings)]


def service_named(settings: Settings, name: str) -> LocalService:
    for service in local_services(settings):
        if service.name == name:
            return service
    raise KeyError(name)
