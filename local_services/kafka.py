"""Apache Kafka in KRaft mode (one combined broker and controller) from Maven Central jars."""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
import uuid
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from local_services.errors import ServiceError
from local_services.java import java_home
from local_services.maven import copy_dependencies
from local_services.process import run_as, spawn, wait_until_healthy
from local_services.service import LocalService

log = logging.getLogger(__name__)

LOG4J = """\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
"""


class KafkaService(LocalService):
    name = "kafka"

    @property
    def address(self) -> str:
        return self.settings.kafka_bootstrap

    @property
    def libs_dir(self) -> Path:
        return self.settings.cache_dir / f"kafka-{self.settings.kafka_version}" / "libs"

    def install(self) -> None:
        marker = self.libs_dir / ".complete"
        if marker.exists():
            return
        log.info(
            f"→ kafka: fetching Kafka {self.settings.kafka_version} jars from Maven Central ..."
        )
        copy_dependencies(
            "kafka-pom.xml",
            "kafka.version",
            self.settings.kafka_version,
            into=self.libs_dir,
            repo=self.settings.cache_dir / "m2",
        )
        if not (self.libs_dir / f"kafka_2.13-{self.settings.kafka_version}.jar").exists():
            raise ServiceError(
                f"Maven did not deliver kafka_2.13-{self.settings.kafka_version}.jar"
            )
        marker.touch()

    def _write_config(self) -> Path:
        s = self.settings
        config_dir = self.data_dir / "config"
        config_dir.mkdir(parents=True, exist_ok=True)
        properties = config_dir / "server.properties"
        properties.write_text(
            "process.roles=broker,controller\n"
            "node.id=1\n"
            f"controller.quorum.voters=1@{s.kafka_host}:{s.kafka_controller_port}\n"
            f"listeners=PLAINTEXT://{s.kafka_host}:{s.kafka_port},"
            f"CONTROLLER://{s.kafka_host}:{s.kafka_controller_port}\n"
            f"advertised.listeners=PLAINTEXT://{s.kafka_host}:{s.kafka_port}\n"
            "controller.listener.names=CONTROLLER\n"
            "inter.broker.listener.name=PLAINTEXT\n"
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n"
            f"log.dirs={self.data_dir / 'log-segments'}\n"
            f"num.partitions={s.kafka_topic_partitions}\n"
            "auto.create.topics.enable=false\n"
            "offsets.topic.replication.factor=1\n"
            "offsets.topic.num.partitions=8\n"
            "transaction.state.log.replication.factor=1\n"
            "transaction.state.log.min.isr=1\n"
            "group.initial.rebalance.delay.ms=0\n"
            f"log.retention.hours={s.kafka_topic_retention_hours}\n"
            "message.max.bytes=10485760\n"
        )
        (config_dir / "log4j.properties").write_text(LOG4J)
        return properties

    def _java(self) -> list[str]:
        return [
            str(java_home(self.settings.java_home) / "bin" / "java"),
            f"-Xms{self.settings.kafka_heap}",
            f"-Xmx{self.settings.kafka_heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{self.data_dir / 'config' / 'log4j.properties'}",
            f"-Dkafka.logs.dir={self.settings.logs_dir}",
            "-cp",
            str(self.libs_dir / "*"),
        ]

    def _format_storage(self, properties: Path) -> None:
        if (self.data_dir / "log-segments" / "meta.properties").exists():
            return
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        self.user.own(self.data_dir)
        result = run_as(
            self.user,
            [
                *self._java(),
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(properties),
            ],
        )
        if result.returncode != 0:
            raise ServiceError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")

    def start(self) -> None:
        if self.pid() is None:
            properties = self._write_config()
            self.user.own(self.data_dir)
            self._format_storage(properties)
            spawn(
                self.user,
                [*self._java(), "kafka.Kafka", str(properties)],
                log_file=self.log_file,
                pid_file=self.pid_file,
            )
        wait_until_healthy(
            self.name,
            self.healthy,
            timeout_seconds=90,
            log_file=self.log_file,
            pid_file=self.pid_file,
        )

    def healthy(self) -> bool:
        try:
            with socket.create_connection(
                (self.settings.kafka_host, self.settings.kafka_port), timeout=1
            ):
                pass
        except OSError:
            return False
        return asyncio.run(self._metadata_answers())

    async def _metadata_answers(self) -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.address, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
        except Exception:
            return False
        finally:
            await admin.close()
        return True

    def version(self) -> str:
        return self.settings.kafka_version
