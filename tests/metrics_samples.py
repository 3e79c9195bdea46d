"""Prometheus text exposition to ``{(sample name, sorted labels): value}`` for assertions."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

SampleKey = tuple[str, tuple[tuple[str, str], ...]]


def samples(exposition: bytes | str) -> dict[SampleKey, float]:
    text = exposition.decode() if isinstance(exposition, bytes) else exposition
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict[SampleKey, float], name: str, **labels: str) -> float:
    """One sample's value; 0 when it is absent (a labelled counter not incremented yet)."""
    return found.get((name, tuple(sorted(labels.items()))), 0.0)
