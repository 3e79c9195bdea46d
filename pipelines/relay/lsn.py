"""Log sequence numbers: PostgreSQL writes them as ``16/B374D848``; the relay uses integers."""

from __future__ import annotations


def parse_lsn(text: str) -> int:
    """``'16/B374D848'`` -> 97_500_059_720."""
    high, _, low = text.partition("/")
    if not low:
        raise ValueError(f"not an LSN: {text!r}")
    return (int(high, 16) << 32) | int(low, 16)


def format_lsn(value: int) -> str:
    """97_500_059_720 -> ``'16/B374D848'`` (PostgreSQL's own spelling)."""
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"
