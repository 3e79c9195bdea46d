"""The change-stream relay: a PostgreSQL logical replication slot (wal2json) to Kafka.

Row changes of the CDC tables go to ``souk.cdc.<table>``, outbox inserts to
``souk.domain-events``; see docs/RELAY.md for the record format and the guarantees.
"""
