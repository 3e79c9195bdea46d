"""wal2json's text values become the JSON values to_jsonb gives (the snapshot's shape)."""

from __future__ import annotations

import pytest

from pipelines.relay.lsn import format_lsn, parse_lsn
from pipelines.relay.pg_values import converter_for, parse_array, timestamptz_iso


def test_lsn_round_trip() -> None:
    assert parse_lsn("16/B374D848") == 0x16B374D848
    assert format_lsn(0x16B374D848) == "16/B374D848"
    assert parse_lsn("0/0") == 0
    with pytest.raises(ValueError, match="not an LSN"):
        parse_lsn("12345")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026-11-25 23:56:16.9129+00", "2026-11-25T23:56:16.9129+00:00"),
        ("2026-11-25 23:56:16+05:30", "2026-11-25T23:56:16+05:30"),
        ("2026-11-25 23:56:16-03", "2026-11-25T23:56:16-03:00"),
        ("infinity", "infinity"),
    ],
)
def test_timestamptz_becomes_iso(text: str, iso: str) -> None:
    assert timestamptz_iso(text) == iso


def test_conversions_by_type_name() -> None:
    assert converter_for("text") is None
    assert converter_for("uuid") is None
    jsonb = converter_for("jsonb")
    assert jsonb is not None
    assert jsonb('{"a": [1, 2]}') == {"a": [1, 2]}
    ts = converter_for("timestamp(3) without time zone")  # typmods are ignored
    assert ts is not None
    assert ts("2024-01-02 03:04:05.123") == "2024-01-02T03:04:05.123"


def test_text_array_with_quotes_escapes_and_nulls() -> None:
    # PostgreSQL's output of ARRAY['a b','c"d',NULL,'NULL','x\y','{}']::text[]
    literal = r'{"a b","c\"d",NULL,"NULL","x\\y","{}"}'
    convert = converter_for("text[]")
    assert convert is not None
    assert convert(literal) == ["a b", 'c"d', None, "NULL", "x\\y", "{}"]


def test_typed_arrays() -> None:
    def convert(type_name: str, literal: str) -> object:
        converter = converter_for(type_name)
        assert converter is not None
        return converter(literal)

    assert convert("integer[]", "{{1,2},{3,NULL}}") == [[1, 2], [3, None]]
    assert convert("numeric[]", "{1.5,NaN}") == [1.5, "NaN"]
    assert convert("boolean[]", "{t,f}") == [True, False]
    assert convert("jsonb[]", r'{"{\"a\": 1}","[1, \"x\"]"}') == [{"a": 1}, [1, "x"]]
    assert convert("timestamp with time zone[]", '{"2026-01-01 00:00:00+00"}') == [
        "2026-01-01T00:00:00+00:00"
    ]
    assert parse_array("{}", None) == []
    assert parse_array("[0:1]={a,b}", None) == ["a", "b"]
