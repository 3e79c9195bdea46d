"""Finding a JDK for Kafka and Elasticsearch."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from local_services.errors import ServiceError


def java_home(configured: Path | None) -> Path:
    """The configured JDK, else the one behind ``java`` on PATH."""
    if configured is not None:
        if not (configured / "bin" / "java").exists():
            raise ServiceError(f"SOUK_JAVA_HOME={configured} has no bin/java")
        return configured
    java = shutil.which("java")
    if java is None:
        raise ServiceError(
            "no `java` on PATH: install a JDK 17+ (apt-get install openjdk-17-jdk-headless)"
        )
    return Path(java).resolve().parent.parent


def java_major(home: Path) -> int:
    out = subprocess.run(
        [str(home / "bin" / "java"), "-version"], capture_output=True, text=True, check=True
    ).stderr
    match = re.search(r'version "(\d+)', out)
    if match is None:
        raise ServiceError(f"cannot read the Java version from: {out.strip()}")
    return int(match.group(1))
