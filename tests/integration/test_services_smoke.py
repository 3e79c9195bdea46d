"""Smoke tests of the three real services that `souk services up` starts (no fakes)."""

from __future__ import annotations

import asyncio
import secrets

import faust
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from elasticsearch import Elasticsearch, helpers
from sqlalchemy import create_engine, text

from souk.settings import Settings

pytestmark = pytest.mark.integration


def test_sqlalchemy_round_trip_and_logical_wal(postgres_ready: Settings) -> None:
    engine = create_engine(postgres_ready.database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE smoke (id int PRIMARY KEY, title text NOT NULL)"))
        conn.execute(
            text("INSERT INTO smoke VALUES (1, :a), (2, :b)"),
            {"a": "تويوتا كورولا ٢٠١٨", "b": "Toyota Corolla 2018"},
        )
        titles = conn.execute(text("SELECT title FROM smoke ORDER BY id")).scalars().all()
        wal_level = conn.execute(text("SHOW wal_level")).scalar_one()
        slots = conn.execute(text("SHOW max_replication_slots")).scalar_one()
    engine.dispose()
    assert titles == ["تويوتا كورولا ٢٠١٨", "Toyota Corolla 2018"]
    assert wal_level == "logical"
    assert int(slots) > 0


async def _faust_consumes_what_aiokafka_wrote(settings: Settings) -> list[dict[str, str]]:
    topic_name = f"smoke-{secrets.token_hex(4)}"
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic_name, num_partitions=2, replication_factor=1)])
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
        await producer.start()
        try:
            for i in range(5):
                await producer.send_and_wait(
                    topic_name, key=str(i).encode(), value=f'{{"listing": "{i}"}}'.encode()
                )
        finally:
            await producer.stop()

        app = faust.App(
            f"smoke-{secrets.token_hex(4)}",
            broker=f"kafka://{settings.kafka_bootstrap}",
            store="memory://",
            web_enabled=False,
            autodiscover=False,
            consumer_auto_offset_reset="earliest",
            topic_allow_declare=False,
        )
        topic = app.topic(topic_name, value_serializer="json")
        seen: list[dict[str, str]] = []
        done = asyncio.Event()

        @app.agent(topic)
        async def collect(stream: faust.StreamT[dict[str, str]]) -> None:
            async for value in stream:
                seen.append(value)
                if len(seen) == 5:
                    done.set()

        await app.start()
        try:
            await asyncio.wait_for(done.wait(), timeout=60)
        finally:
            await app.stop()
        return seen
    finally:
        await admin.delete_topics([topic_name])
        await admin.close()


def test_faust_agent_consumes_aiokafka_records(settings: Settings) -> None:
    seen = asyncio.run(_faust_consumes_what_aiokafka_wrote(settings))
    assert sorted(v["listing"] for v in seen) == ["0", "1", "2", "3", "4"]


def test_elasticsearch_indexes_and_finds_arabic_and_english(settings: Settings) -> None:
    es = Elasticsearch(settings.elasticsearch_url, request_timeout=30)
    index = f"smoke-{secrets.token_hex(4)}"
    try:
        health = es.cluster.health()
        # The client checks the product header on every response; assert it explicitly too.
        assert health.meta.headers["x-elastic-product"] == "Elasticsearch"
        nodes = es.nodes.info(node_id="_local")
        versions = {node["version"] for node in nodes["nodes"].values()}
        assert versions == {settings.elasticsearch_version}

        es.indices.create(index=index, mappings={"properties": {"title": {"type": "text"}}})
        docs = [
            {"_index": index, "_id": "1", "title": "تويوتا كورولا 2018 فابريكة بالكامل"},
            {"_index": index, "_id": "2", "title": "Hyundai Elantra 2020 automatic"},
            {"_index": index, "_id": "3", "title": "كيا سبورتاج Kia Sportage 2022"},
        ]
        indexed, errors = helpers.bulk(es, docs, refresh="wait_for")
        assert (indexed, errors) == (3, [])

        def ids(query: str) -> set[str]:
            hits = es.search(index=index, query={"match": {"title": query}})["hits"]["hits"]
            return {hit["_id"] for hit in hits}

        assert ids("كورولا") == {"1"}
        assert ids("elantra") == {"2"}
        assert ids("سبورتاج") == {"3"}
    finally:
        es.indices.delete(index=index, ignore_unavailable=True)
        es.close()
