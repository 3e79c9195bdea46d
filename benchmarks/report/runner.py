"""Runs the selected benchmarks one after another and keeps each result as JSON.

Each benchmark runs as its own process (``python -m benchmarks.<name> ... --json PATH``), so
one cannot leak state into the next; its output streams to the terminal and to a log beside
the results. The saved file ``<name>.json`` wraps the benchmark's result with the command,
the wall time, the exit code and the load average before and after; ``run.json`` holds the
machine and the versions of the latest run. A run replaces the results of the benchmarks it
runs and keeps the others', so ``--only`` updates part of a report.
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from pydantic import BaseModel

from benchmarks.report.catalog import Benchmark, Scale
from benchmarks.report.machine import (
    Machine,
    Versions,
    describe_machine,
    describe_versions,
    load_average,
)
from local_services import stack
from souk.settings import PROJECT_ROOT, Settings

RUN_FILE = "run.json"


class Outcome(BaseModel):
    """One benchmark's run: its result (the benchmark's own JSON) or why there is none."""

    name: str
    scale: Scale
    arguments: list[str]  # as given to ``python -m benchmarks.<name>``, without --json
    started_at: datetime
    seconds: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    exit_code: int
    result: dict[str, Any] | None = None
    error: str | None = None


class RunInfo(BaseModel):
    """What the report says about the whole run."""

    started_at: datetime
    finished_at: datetime | None = None
    scale: Scale
    load_at_start: tuple[float, float, float]
    machine: Machine
    versions: Versions
    benchmarks: list[str]


def default_results(settings: Settings) -> Path:
    return settings.data_dir / "benchmarks" / "results"


def ensure_services(settings: Settings, say: Callable[[str], None]) -> list[str]:
    """Start whichever of the local PostgreSQL, Kafka and Elasticsearch is not healthy;
    return the names of those this call started (the report stops them when it ends)."""
    down = [row.name for row in stack.status(settings) if not row.healthy]
    if not down:
        return []
    say(f"starting the local services that are not running: {', '.join(down)}")
    rows = stack.up(settings, only=down)
    if not all(row.healthy for row in rows):
        raise RuntimeError("the local services did not all become healthy")
    return down


def stop_services(settings: Settings, names: list[str], say: Callable[[str], None]) -> None:
    """Stop the services in ``names`` (those the report started), leave the others running."""
    if names:
        say(f"stopping the local services this report started: {', '.join(names)}")
        stack.down(settings, only=names)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def command_for(benchmark: Benchmark, scale: Scale, work: Path, output: Path) -> list[str]:
    arguments = [
        re.sub(r"\{port\}", lambda _: str(free_port()), a).replace("{work}", str(work))
        for a in benchmark.arguments(scale)
    ]
    return [sys.executable, "-m", benchmark.module, *arguments, "--json", str(output)]


def run_one(
    benchmark: Benchmark, scale: Scale, work: Path, into: Path, say: Callable[[str], None]
) -> Outcome:
    """Run one benchmark to completion; never raises for the benchmark's own failure."""
    raw = into / f"{benchmark.name}.raw.json"
    raw.unlink(missing_ok=True)
    log = into / f"{benchmark.name}.log"
    command = command_for(benchmark, scale, work, raw)
    before, started_at, started = load_average(), datetime.now(UTC), time.perf_counter()
    say(f"{benchmark.name}: {' '.join(command[2:])} (load average {before[0]})")
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,  # Ctrl-C reaches it once, through _interrupt
        )  # fmt: skip
        try:
            _relay_output(process, sink)
        except BaseException:  # interrupted: let the benchmark clean up after itself first
            _interrupt(process, sink)
            raise
        code = process.wait()
    outcome = Outcome(
        name=benchmark.name, scale=scale, arguments=command[3:-2], started_at=started_at,
        seconds=round(time.perf_counter() - started, 1), load_before=before,
        load_after=load_average(), exit_code=code,
    )  # fmt: skip
    problem = ""
    if raw.exists():
        try:
            result = benchmark.result_model().model_validate_json(raw.read_text())
            outcome.result = result.model_dump(mode="json")
            raw.unlink()
        except ValueError as exc:
            problem = f"its JSON result does not validate: {exc}\n"
    if code != 0 or outcome.result is None:
        outcome.error = f"exit code {code}; {problem}last lines of {log.name}:\n" + _tail(log)
    (into / f"{benchmark.name}.json").write_text(outcome.model_dump_json(indent=2) + "\n")
    verdict = "done" if outcome.error is None else "FAILED"
    say(f"{benchmark.name}: {verdict} in {outcome.seconds:.0f} s "
        f"(load average {outcome.load_after[0]})")  # fmt: skip
    return outcome


def _relay_output(process: subprocess.Popen[str], sink: TextIO) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        sink.write(line)
        sys.stdout.write(f"  | {line}")
        sys.stdout.flush()


def _interrupt(process: subprocess.Popen[str], sink: TextIO, grace: float = 180) -> None:
    """One SIGINT to the benchmark (its ``finally`` blocks drop its databases, topics,
    indices and child processes) while its output is still drained, so that it never dies on
    a closed pipe; killed after ``grace`` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    killer = threading.Timer(grace, process.kill)
    killer.start()
    try:
        _relay_output(process, sink)
        process.wait()
    finally:
        killer.cancel()


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_all(
    benchmarks: list[Benchmark],
    scale: Scale,
    settings: Settings,
    into: Path,
    say: Callable[[str], None],
) -> None:
    """Run ``benchmarks`` at ``scale``, each result into ``into``: the old results of these
    benchmarks go, those of the others stay (the report shows them as kept from earlier)."""
    into.mkdir(parents=True, exist_ok=True)
    for benchmark in benchmarks:
        (into / f"{benchmark.name}.json").unlink(missing_ok=True)
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)  # a stopped report stops cleanly
    started: list[str] = []
    try:
        started = ensure_services(settings, say)
        info = RunInfo(
            started_at=datetime.now(UTC), scale=scale, load_at_start=load_average(),
            machine=describe_machine(),
            versions=describe_versions(settings), benchmarks=[b.name for b in benchmarks],
        )  # fmt: skip
        (into / RUN_FILE).write_text(info.model_dump_json(indent=2) + "\n")
        work = into.parent / f"{into.name}-work"  # scratch space of this run
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            for number, benchmark in enumerate(benchmarks, 1):
                say(f"[{number}/{len(benchmarks)}] {benchmark.title}")
                run_one(benchmark, scale, work, into, say)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            info.finished_at = datetime.now(UTC)
            (into / RUN_FILE).write_text(info.model_dump_json(indent=2) + "\n")
    finally:
        stop_services(settings, started, say)
        signal.signal(signal.SIGTERM, previous)


def _tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
