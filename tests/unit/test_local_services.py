from __future__ import annotations

import os
import time
from pathlib import Path

import psycopg
import pytest

from local_services.kafka import KafkaService
from local_services.postgres import retry_while_refused
from local_services.process import ServiceUser, pid_alive, read_pid, spawn, stop_pid, tail
from souk.settings import Settings


def test_kafka_config_listens_on_loopback_without_auto_topics(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, kafka_host="127.0.0.1", kafka_port=19092, kafka_controller_port=19093
    )
    user = ServiceUser.resolve(settings.service_user)
    properties = KafkaService(settings, user)._write_config().read_text()
    assert "listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093" in properties
    assert "auto.create.topics.enable=false" in properties
    assert "process.roles=broker,controller" in properties


def test_spawn_and_stop_by_pid_file(tmp_path: Path) -> None:
    me = ServiceUser("me", os.geteuid(), os.getegid())
    pid_file = tmp_path / "sleeper.pid"
    log = tmp_path / "sleeper.log"
    pid = spawn(me, ["sh", "-c", "echo started; exec sleep 60"], log_file=log, pid_file=pid_file)
    assert read_pid(pid_file) == pid
    for _ in range(50):
        if "started" in tail(log):
            break
        time.sleep(0.1)
    assert stop_pid(pid_file, grace_seconds=5)
    assert not pid_alive(pid)
    assert not pid_file.exists()
    assert stop_pid(pid_file) is False


class Refusals:
    """A drop refused ``times`` times (an autovacuum worker on the database), then done."""

    def __init__(self, times: int, error: Exception | None = None) -> None:
        self.left = times
        self.error = error or psycopg.errors.InsufficientPrivilege("must be a superuser")
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self.left:
            self.left -= 1
            raise self.error


def test_a_refused_drop_is_tried_again_after_a_pause() -> None:
    drop, pauses = Refusals(2), list[float]()
    retry_while_refused(drop, attempts=5, pause_seconds=0.5, sleep=pauses.append)
    assert drop.calls == 3
    assert pauses == [0.5, 0.5]


def test_the_last_refusal_is_raised_when_the_attempts_run_out() -> None:
    drop, pauses = Refusals(5), list[float]()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        retry_while_refused(drop, attempts=3, pause_seconds=0.1, sleep=pauses.append)
    assert drop.calls == 3
    assert pauses == [0.1, 0.1]


def test_other_errors_are_not_tried_again() -> None:
    drop, pauses = Refusals(1, psycopg.errors.ObjectInUse("in use")), list[float]()
    with pytest.raises(psycopg.errors.ObjectInUse):
        retry_while_refused(drop, attempts=3, pause_seconds=0.1, sleep=pauses.append)
    assert drop.calls == 1
    assert pauses == []


def test_stopping_a_process_also_stops_what_it_left_running_in_its_group(
    tmp_path: Path,
) -> None:
    """The leader exits on TERM at once; its child ignores TERM (as a slow shutdown would)."""
    me = ServiceUser("me", os.geteuid(), os.getegid())
    pid_file, log = tmp_path / "leader.pid", tmp_path / "leader.log"
    script = "sh -c 'trap \"\" TERM; echo $$ > child.pid; while :; do sleep 0.1; done' & wait"
    spawn(me, ["sh", "-c", script], log_file=log, pid_file=pid_file, cwd=tmp_path)
    child_file = tmp_path / "child.pid"
    for _ in range(50):
        if child_file.exists() and child_file.read_text().strip():
            break
        time.sleep(0.1)
    child = int(child_file.read_text())
    assert pid_alive(child)
    assert stop_pid(pid_file, grace_seconds=1)
    for _ in range(20):  # SIGKILL'd at the end of the grace; init reaps it
        if not pid_alive(child):
            break
        time.sleep(0.1)
    assert not pid_alive(child)
