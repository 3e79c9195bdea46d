"""Running service processes: the unprivileged service user, pid files, logs, waiting."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from local_services.errors import ServiceError, ServiceStartError


@dataclass(frozen=True)
class ServiceUser:
    """The account services run as: ourselves, or a system user when we are root.

    PostgreSQL and Elasticsearch both refuse to run as root.
    """

    name: str
    uid: int
    gid: int

    @property
    def is_current(self) -> bool:
        return self.uid == os.geteuid()

    @classmethod
    def resolve(cls, wanted: str) -> ServiceUser:
        if os.geteuid() != 0:
            entry = pwd.getpwuid(os.geteuid())
            return cls(entry.pw_name, entry.pw_uid, entry.pw_gid)
        try:
            entry = pwd.getpwnam(wanted)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", wanted],
                check=True,
            )
            entry = pwd.getpwnam(wanted)
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid)

    def own(self, path: Path) -> None:
        """Create ``path`` as a directory owned by this user, reachable from ``/``."""
        path.mkdir(parents=True, exist_ok=True)
        if self.is_current:
            return
        for root, dirs, files in os.walk(path):
            os.chown(root, self.uid, self.gid)
            for name in dirs + files:
                os.chown(os.path.join(root, name), self.uid, self.gid, follow_symlinks=False)
        # Grant traverse (not read) on ancestors, e.g. a mktemp -d clone folder with mode 700.
        for ancestor in path.resolve().parents:
            mode = ancestor.stat().st_mode
            if not mode & 0o001:
                os.chmod(ancestor, mode | 0o001)


def run_as(
    user: ServiceUser, args: Sequence[str], **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run a short command to completion as the service user, capturing its output."""
    extra = {} if user.is_current else {"user": user.uid, "group": user.gid, "extra_groups": []}
    return subprocess.run(  # type: ignore[call-overload,no-any-return]
        list(args), capture_output=True, text=True, **extra, **kwargs
    )


def spawn(
    user: ServiceUser,
    args: Sequence[str],
    *,
    log_file: Path,
    pid_file: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start a long-running process detached from us, logging to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    extra = {} if user.is_current else {"user": user.uid, "group": user.gid, "extra_groups": []}
    with log_file.open("ab") as log:
        proc = subprocess.Popen(  # type: ignore[call-overload]
            list(args),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            **extra,
        )
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(str(proc.pid))
    return int(proc.pid)


def read_pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None
    return pid if pid_alive(pid) else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def stop_pid(pid_file: Path, *, grace_seconds: float = 30.0) -> bool:
    """SIGTERM the process group in ``pid_file``, SIGKILL what is left of it after the grace
    period. Waits for the whole group, not only its leader: a leader that exits at once can
    leave children behind (``souk dagster dev`` left Dagster's webserver, daemon and code
    server running after ``./dev down``)."""
    pid = read_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        _reap(pid)
        if not pid_alive(pid) and not _group_alive(pid):
            break
        time.sleep(0.2)
    else:
        _signal_group(pid, signal.SIGKILL)
        time.sleep(0.5)
        _reap(pid)
    pid_file.unlink(missing_ok=True)
    return True


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` is still running (zombies do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:  # state, ppid, pgrp
            return True
    return False


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def tail(path: Path, lines: int = 30) -> str:
    try:
        content = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(content[-lines:])


def wait_until_healthy(
    name: str,
    check: Callable[[], bool],
    *,
    timeout_seconds: float,
    log_file: Path,
    pid_file: Path | None = None,
) -> None:
    """Poll ``check`` until it passes; fail fast with the log tail if the process died."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if check():
            return
        if pid_file is not None and read_pid(pid_file) is None:
            raise ServiceStartError(name, "the process exited", tail(log_file))
        time.sleep(0.5)
    raise ServiceStartError(name, f"not healthy after {timeout_seconds:.0f}s", tail(log_file))


def require_executable(name: str, hint: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ServiceError(f"`{name}` is not on PATH: {hint}")
    return found
