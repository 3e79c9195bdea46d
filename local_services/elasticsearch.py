"""Elasticsearch from Elastic's runnable distribution on Maven Central (integ-test-zip).

That distribution carries the server core only: transport, x-pack core and security, no
``analysis-common``, ``mapper-extras``, painless, ``_rank_eval`` or ``_reindex``.
"""

from __future__ import annotations

import json
import logging
import shutil
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from local_services.errors import ServiceError
from local_services.java import java_home, java_major
from local_services.maven import copy_dependencies
from local_services.process import spawn, wait_until_healthy
from local_services.service import LocalService

log = logging.getLogger(__name__)


class ElasticsearchService(LocalService):
    name = "elasticsearch"

    @property
    def address(self) -> str:
        return self.settings.elasticsearch_url

    @property
    def home(self) -> Path:
        return self.settings.cache_dir / f"elasticsearch-{self.settings.elasticsearch_version}"

    def install(self) -> None:
        version = self.settings.elasticsearch_version
        if (self.home / ".complete").exists():
            return
        log.info(f"→ elasticsearch: fetching {version} (integ-test-zip) from Maven Central ...")
        download = self.settings.cache_dir / "downloads"
        copy_dependencies(
            "elasticsearch-pom.xml",
            "elasticsearch.version",
            version,
            into=download,
            repo=self.settings.cache_dir / "m2",
        )
        archive = download / f"elasticsearch-{version}.zip"
        if not archive.exists():
            raise ServiceError(f"Maven did not deliver {archive.name}")
        shutil.rmtree(self.home, ignore_errors=True)
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(self.settings.cache_dir)
        for script in (self.home / "bin").iterdir():
            script.chmod(0o755)
        (self.home / ".complete").touch()

    def _write_config(self) -> Path:
        s = self.settings
        config = self.data_dir / "config"
        shutil.rmtree(config, ignore_errors=True)
        shutil.copytree(self.home / "config", config)
        (config / "elasticsearch.yml").write_text(
            "cluster.name: souk-local\n"
            "node.name: souk-local-1\n"
            f"path.data: {self.data_dir / 'data'}\n"
            f"path.logs: {self.settings.logs_dir / 'elasticsearch-server'}\n"
            f"network.host: {s.elasticsearch_host}\n"
            f"http.port: {s.elasticsearch_port}\n"
            f"transport.port: {s.elasticsearch_transport_port}\n"
            "discovery.type: single-node\n"
            "xpack.security.enabled: false\n"
            "cluster.routing.allocation.disk.threshold_enabled: false\n"
            "action.destructive_requires_name: false\n"
        )
        (config / "jvm.options.d" / "heap.options").write_text(
            f"-Xms{s.elasticsearch_heap}\n-Xmx{s.elasticsearch_heap}\n"
        )
        return config

    def start(self) -> None:
        if self.pid() is None:
            jdk = java_home(self.settings.java_home)
            if java_major(jdk) < 17:
                raise ServiceError(f"Elasticsearch 8 needs Java 17+, {jdk} is older")
            config = self._write_config()
            self.user.own(self.data_dir)
            self.user.own(self.settings.logs_dir)
            env = {
                "PATH": "/usr/bin:/bin",
                "ES_JAVA_HOME": str(jdk),
                "ES_PATH_CONF": str(config),
                "HOME": str(self.data_dir),
            }
            spawn(
                self.user,
                [str(self.home / "bin" / "elasticsearch")],
                log_file=self.log_file,
                pid_file=self.pid_file,
                env=env,
                cwd=self.data_dir,
            )
        wait_until_healthy(
            self.name,
            self.healthy,
            timeout_seconds=180,
            log_file=self.log_file,
            pid_file=self.pid_file,
        )

    def _get(self, path: str) -> dict[str, object] | None:
        try:
            with urllib.request.urlopen(self.address + path, timeout=3) as response:
                body: dict[str, object] = json.load(response)
                return body
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def healthy(self) -> bool:
        health = self._get("/_cluster/health")
        return health is not None and health.get("status") in {"green", "yellow"}

    def version(self) -> str:
        # This distribution has no root ("GET /") handler: the rest-root module is absent.
        info = self._get("/_nodes/_local?filter_path=nodes.*.version")
        nodes = info.get("nodes") if info else None
        if isinstance(nodes, dict):
            for node in nodes.values():
                return str(node.get("version", "?"))
        return "?"
