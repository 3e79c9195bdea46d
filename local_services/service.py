"""What every local service offers the stack: install, start, check, stop."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from local_services.process import ServiceUser, read_pid, stop_pid
from souk.settings import Settings


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool
    healthy: bool
    version: str
    address: str
    pid: int | None


class LocalService(ABC):
    """One server process of ours, with its data, log and pid file under the data dir."""

    name: str

    def __init__(self, settings: Settings, user: ServiceUser) -> None:
        self.settings = settings
        self.user = user

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir / self.name

    @property
    def log_file(self) -> Path:
        return self.settings.logs_dir / f"{self.name}.log"

    @property
    def pid_file(self) -> Path:
        return self.settings.run_dir / f"{self.name}.pid"

    @property
    @abstractmethod
    def address(self) -> str: ...

    @abstractmethod
    def install(self) -> None:
        """Fetch and unpack what the service needs, once (cached)."""

    @abstractmethod
    def start(self) -> None:
        """Start the process and wait until it is healthy."""

    @abstractmethod
    def healthy(self) -> bool: ...

    @abstractmethod
    def version(self) -> str: ...

    def pid(self) -> int | None:
        return read_pid(self.pid_file)

    def stop(self) -> bool:
        return stop_pid(self.pid_file)

    def status(self) -> ServiceStatus:
        pid = self.pid()
        healthy = pid is not None and self.healthy()
        return ServiceStatus(
            name=self.name,
            running=pid is not None,
            healthy=healthy,
            version=self.version() if healthy else "-",
            address=self.address,
            pid=pid,
        )
