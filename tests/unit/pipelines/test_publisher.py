"""The relay partitions keys exactly as Kafka's clients do (murmur2), so keys keep partitions."""

from __future__ import annotations

import uuid

from aiokafka.partitioner import DefaultPartitioner

from pipelines.relay.publisher import partition_of


def test_partition_of_matches_the_default_partitioner() -> None:
    partitioner = DefaultPartitioner()
    for partitions in (1, 4, 12):
        every = list(range(partitions))
        for n in range(300):
            key = str(uuid.UUID(int=n * 7919)).encode()
            assert partition_of(key, partitions) == partitioner(key, every, every)
