"""Fetching service distributions from Maven Central into the download cache."""

from __future__ import annotations

import subprocess
from pathlib import Path

from local_services.errors import ServiceError
from local_services.process import require_executable

POM_DIR = Path(__file__).resolve().parent / "maven"


def copy_dependencies(
    pom: str, version_property: str, version: str, *, into: Path, repo: Path
) -> None:
    """Resolve the artefacts a pom in ``local_services/maven`` declares, copying them ``into``."""
    mvn = require_executable("mvn", "install Maven (apt-get install maven)")
    into.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(POM_DIR / pom),
            f"-Dmaven.repo.local={repo}",
            f"-D{version_property}={version}",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={into}",
            "-DincludeScope=runtime",
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise ServiceError(
            f"Maven could not resolve {pom} at {version_property}={version}:\n"
            + (result.stdout + result.stderr)[-3000:]
        )
