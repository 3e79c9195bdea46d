"""The machine a report ran on and the versions of what it measured."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel

from local_services import stack
from souk.settings import Settings

PACKAGES = ("faust-streaming", "aiokafka", "duckdb", "polars", "pyarrow", "dagster", "fastapi",
            "uvicorn", "elasticsearch", "sqlalchemy", "psycopg", "matplotlib")  # fmt: skip


class Machine(BaseModel):
    cpu_model: str
    cores: int
    memory_gib: float
    os: str
    kernel: str


class Versions(BaseModel):
    python: str
    services: dict[str, str]  # postgres, kafka, elasticsearch as the local stack reports them
    packages: dict[str, str]


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


def describe_machine() -> Machine:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return Machine(
        cpu_model=cpu,
        cores=os.cpu_count() or 0,
        memory_gib=round(memory, 1),
        os=_os_name(),
        kernel=platform.release(),
    )


def _os_name() -> str:
    release = Path("/etc/os-release")
    if release.exists():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    return platform.platform()


def describe_versions(settings: Settings) -> Versions:
    packages: dict[str, str] = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "not installed"
    services = {row.name: row.version for row in stack.status(settings)}
    return Versions(python=platform.python_version(), services=services, packages=packages)
