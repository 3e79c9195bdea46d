"""Prometheus text exposition to ``{(sample name, sorted labels): value}`` for assertions,
and ``scrape`` to read an endpoint's."""

from __future__ import annotations

import httpx
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


def scrape(url: str) -> dict[SampleKey, float]:
    """The samples of ``url``/metrics; empty while nothing answers there, or not with 200."""
    try:
        response = httpx.get(f"{url}/metrics", timeout=5)
    except httpx.TransportError:
        return {}
    return samples(response.text) if response.status_code == 200 else {}
