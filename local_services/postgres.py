"""PostgreSQL 15 from Debian's packages: our own cluster with logical decoding on."""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from local_services.errors import ServiceError, ServiceStartError
from local_services.process import run_as, spawn, tail, wait_until_healthy
from local_services.service import LocalService
from souk.settings import Settings

log = logging.getLogger(__name__)

SUPERUSER = "postgres"


def drop_database(
    settings: Settings, name: str, *, attempts: int = 20, pause_seconds: float = 0.5
) -> None:
    """``DROP DATABASE IF EXISTS name WITH (FORCE)``, connected as ``settings`` say (their
    database must not be ``name``). FORCE cannot end a backend our role does not own: an
    autovacuum worker that has just started on ``name`` makes the drop fail with
    InsufficientPrivilege, and such a worker is gone within moments, so the drop is tried
    again."""
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))

    def attempt() -> None:
        with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
            conn.execute(drop)

    retry_while_refused(attempt, attempts=attempts, pause_seconds=pause_seconds)


def create_database_if_missing(
    conn: psycopg.Connection[Any], name: str, *, owner: str | None = None
) -> None:
    """``CREATE DATABASE name`` (``OWNER owner``) unless it exists; ``conn`` in autocommit."""
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        return
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if owner is not None:
        create = sql.SQL("{} OWNER {}").format(create, sql.Identifier(owner))
    conn.execute(create)


def retry_while_refused(
    action: Callable[[], None],
    *,
    attempts: int,
    pause_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Run ``action`` until it succeeds, pausing after each InsufficientPrivilege, at most
    ``attempts`` times; the last refusal, or any other error at once, is raised."""
    for attempt in range(1, attempts + 1):
        try:
            action()
            return
        except psycopg.errors.InsufficientPrivilege:
            if attempt == attempts:
                raise
            sleep(pause_seconds)


class PostgresService(LocalService):
    name = "postgres"

    @property
    def address(self) -> str:
        return f"{self.settings.postgres_host}:{self.settings.postgres_port}"

    @property
    def socket_dir(self) -> Path:
        return self.settings.run_dir / "pg-socket"

    def _bin(self, tool: str) -> str:
        return str(self.settings.postgres_bin_dir / tool)

    @property
    def _wal2json(self) -> Path:
        return self.settings.postgres_bin_dir.parent / "lib" / "wal2json.so"

    def install(self) -> None:
        if (self.settings.postgres_bin_dir / "postgres").exists() and self._wal2json.exists():
            return
        if shutil.which("apt-get") is None:
            raise ServiceError(
                f"PostgreSQL 15 is not at {self.settings.postgres_bin_dir}; install it "
                "(Debian: apt-get install postgresql-15) or set SOUK_POSTGRES_BIN_DIR"
            )
        log.info("→ postgres: installing PostgreSQL 15 and wal2json from Debian packages ...")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            [
                "apt-get",
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                "postgresql-15",
                "postgresql-15-wal2json",
            ],
            check=True,
        )

    def _initdb(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.user.own(self.data_dir)
        pwfile = self.settings.run_dir / "initdb-password"
        pwfile.write_text(self.settings.postgres_password + "\n")
        self.user.own(pwfile.parent)
        result = run_as(
            self.user,
            [
                self._bin("initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        )
        pwfile.unlink()
        if result.returncode != 0:
            raise ServiceError(f"initdb failed:\n{result.stdout}{result.stderr}")
        conf = self.data_dir / "postgresql.auto.conf"
        with conf.open("a") as out:
            out.write(
                "\n# Souk El-Syarat local cluster\n"
                f"listen_addresses = '{self.settings.postgres_host}'\n"
                f"port = {self.settings.postgres_port}\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "wal_level = logical\n"
                "max_replication_slots = 16\n"
                "max_wal_senders = 16\n"
                "max_connections = 200\n"
                "shared_buffers = 256MB\n"
                "synchronous_commit = on\n"
                "logging_collector = off\n"
            )

    def start(self) -> None:
        self._initdb()
        self.user.own(self.socket_dir)
        self.user.own(self.settings.run_dir)
        if self.pid() is None:
            spawn(
                self.user,
                [self._bin("postgres"), "-D", str(self.data_dir)],
                log_file=self.log_file,
                pid_file=self.pid_file,
            )
        wait_until_healthy(
            self.name,
            self.healthy,
            timeout_seconds=60,
            log_file=self.log_file,
            pid_file=self.pid_file,
        )
        self._ensure_role_and_database()
        self._trust_wal2json()

    def _superuser_connection(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.settings.postgres_port,
            user=SUPERUSER,
            dbname="postgres",
            autocommit=True,
            connect_timeout=3,
        )

    def _ensure_role_and_database(self) -> None:
        s = self.settings
        try:
            with self._superuser_connection() as conn:
                role_exists = conn.execute(
                    "SELECT 1 FROM pg_roles WHERE rolname = %s", (s.postgres_user,)
                ).fetchone()
                verb = "ALTER" if role_exists else "CREATE"
                conn.execute(
                    sql.SQL(verb + " ROLE {} LOGIN REPLICATION CREATEDB PASSWORD {}").format(
                        sql.Identifier(s.postgres_user), sql.Literal(s.postgres_password)
                    )
                )
                create_database_if_missing(conn, s.postgres_db, owner=s.postgres_user)
        except psycopg.Error as exc:
            raise ServiceStartError(
                self.name, f"creating role/database: {exc}", tail(self.log_file)
            ) from exc

    def _trust_wal2json(self) -> None:
        """Allow wal2json as an output plugin (the relay's; see docs/RELAY.md).

        PostgreSQL 15.20 and the other November 2026 minor releases only load output plugins
        named in ``output_plugin_libraries`` (default ``'pgoutput, test_decoding'``); older
        minors lack the parameter and load any plugin.
        """
        with self._superuser_connection() as conn:
            row = conn.execute(
                "SELECT setting FROM pg_settings WHERE name = 'output_plugin_libraries'"
            ).fetchone()
            if row is None:
                return
            trusted = [name.strip(' "') for name in str(row[0]).split(",") if name.strip(' "')]
            if "wal2json" in trusted:
                return
            # A list parameter: one literal per library ('a, b' would be one quoted name).
            names = sql.SQL(", ").join(sql.Literal(name) for name in [*trusted, "wal2json"])
            conn.execute(sql.SQL("ALTER SYSTEM SET output_plugin_libraries = {}").format(names))
            conn.execute("SELECT pg_reload_conf()")
            log.info("→ postgres: wal2json added to output_plugin_libraries")

    def healthy(self) -> bool:
        try:
            with self._superuser_connection() as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def version(self) -> str:
        with self._superuser_connection() as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0] if row else "?"

    def stop(self) -> bool:
        # SIGTERM on the postmaster is PostgreSQL's "smart" shutdown; SIGINT is "fast".
        pid = self.pid()
        if pid is None:
            return super().stop()
        run_as(
            self.user, [self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
        )
        super().stop()
        return True
