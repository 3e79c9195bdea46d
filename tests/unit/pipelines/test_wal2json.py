"""wal2json format-version 2 messages (captured from the plugin) parse into typed changes."""

from __future__ import annotations

import pytest

from pipelines.relay.wal2json import (
    Begin,
    Commit,
    LogicalMessage,
    RowChange,
    Truncate,
    parse_message,
    plugin_options,
)

BEGIN = (
    b'{"action":"B","xid":753,"timestamp":"2026-11-25 23:56:16.917044+00",'
    b'"lsn":"0/1DD4F58","nextlsn":"0/1DD4F88"}'
)
INSERT = (
    b'{"action":"I","xid":751,"timestamp":"2026-11-25 23:56:16.91424+00","lsn":"0/1DD4B28",'
    b'"schema":"public","table":"listings","columns":['
    b'{"name":"id","type":"uuid","value":"8c6f0a9e-3f0c-4a55-9e5c-1b7f7f0a9e01"},'
    b'{"name":"title","type":"text","value":"\xd9\x83\xd8\xa7\xd8\xb1 \\"x\\""},'
    b'{"name":"price","type":"numeric(12,2)","value":12345.50},'
    b'{"name":"attrs","type":"jsonb","value":"{\\"a\\": [1, 2]}"},'
    b'{"name":"photos","type":"text[]","value":"{\\"a b\\",c}"},'
    b'{"name":"created_at","type":"timestamp with time zone",'
    b'"value":"2026-11-25 23:56:16.9129+00"},'
    b'{"name":"ok","type":"boolean","value":true},'
    b'{"name":"n","type":"integer","value":null}],'
    b'"pk":[{"name":"id","type":"uuid"}]}'
)
UPDATE = (
    b'{"action":"U","xid":754,"timestamp":"2026-11-25 23:56:16.917818+00","lsn":"0/1DD4F88",'
    b'"schema":"public","table":"listings","columns":['
    b'{"name":"id","type":"uuid","value":"8c6f0a9e-3f0c-4a55-9e5c-1b7f7f0a9e02"},'
    b'{"name":"title","type":"text","value":"xxxxx"}],'
    b'"identity":[{"name":"id","type":"uuid","value":"8c6f0a9e-3f0c-4a55-9e5c-1b7f7f0a9e01"}],'
    b'"pk":[{"name":"id","type":"uuid"}]}'
)
DELETE = (
    b'{"action":"D","xid":755,"timestamp":"2026-11-25 23:56:16.920053+00","lsn":"0/1DD5100",'
    b'"schema":"public","table":"listings",'
    b'"identity":[{"name":"id","type":"uuid","value":"8c6f0a9e-3f0c-4a55-9e5c-1b7f7f0a9e02"}],'
    b'"pk":[{"name":"id","type":"uuid"}]}'
)
COMMIT = (
    b'{"action":"C","xid":753,"timestamp":"2026-11-25 23:56:16.917044+00",'
    b'"lsn":"0/1DD4F58","nextlsn":"0/1DD4F88"}'
)
TRUNCATE = (
    b'{"action":"T","xid":758,"timestamp":"2026-11-25 23:56:16.929591+00","lsn":"0/1DD5E50",'
    b'"schema":"public","table":"listings"}'
)


def test_begin_carries_the_commit_position_and_time() -> None:
    assert parse_message(BEGIN) == Begin(
        xid=753, commit_lsn=0x1DD4F88, commit_time="2026-11-25T23:56:16.917044+00:00"
    )
    assert parse_message(COMMIT) == Commit(xid=753, commit_lsn=0x1DD4F88)


def test_insert_values_are_json_values() -> None:
    change = parse_message(INSERT)
    assert isinstance(change, RowChange)
    assert (change.op, change.xid, change.lsn, change.table) == ("c", 751, 0x1DD4B28, "listings")
    assert change.pk == ("id",)
    assert change.before is None
    assert change.after == {
        "id": "8c6f0a9e-3f0c-4a55-9e5c-1b7f7f0a9e01",
        "title": 'كار "x"',
        "price": 12345.5,
        "attrs": {"a": [1, 2]},
        "photos": ["a b", "c"],
        "created_at": "2026-11-25T23:56:16.9129+00:00",
        "ok": True,
        "n": None,
    }


def test_update_and_delete_carry_the_replica_identity() -> None:
    update = parse_message(UPDATE)
    assert isinstance(update, RowChange)
    assert update.op == "u"
    assert update.before == {"id": "8c6f0a9e-3f0c-4a55-9e5c-1b7f7f0a9e01"}
    delete = parse_message(DELETE)
    assert isinstance(delete, RowChange)
    assert delete.op == "d"
    assert delete.after is None
    assert delete.before == {"id": "8c6f0a9e-3f0c-4a55-9e5c-1b7f7f0a9e02"}


def test_truncate_and_messages() -> None:
    assert parse_message(TRUNCATE) == Truncate(758, 0x1DD5E50, "public", "listings")
    message = b'{"action":"M","xid":9,"lsn":"0/1","transactional":true,"prefix":"x","content":"y"}'
    assert parse_message(message) == LogicalMessage("x", "y", transactional=True)
    assert parse_message(b'{"action":"Z"}') is None


def test_numbers_beyond_64_bits_become_floats() -> None:
    payload = INSERT.replace(b"12345.50", b"123456789012345678901234567890")
    change = parse_message(payload)
    assert isinstance(change, RowChange)
    assert change.after is not None
    assert change.after["price"] == pytest.approx(1.2345678901234568e29)


def test_plugin_options_filter_the_relayed_tables() -> None:
    options = plugin_options("public", ["listings", "outbox", "odd.name"])
    assert options["format-version"] == "2"
    assert options["add-tables"] == r"public.listings,public.outbox,public.odd\.name"
    assert options["include-pk"] == options["include-lsn"] == options["include-xids"] == "1"
    assert options["add-msg-prefixes"] == "souk.trace"  # other applications' messages stay out
