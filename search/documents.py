"""Catalog documents: a listing row, denormalised with its seller, ready for the index."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from core.governorates import BY_CODE
from search.analysis.analyser import TextTokens, analyse_text
from search.analysis.normalise import fold_spaces, normalise
from search.analysis.vocabulary import MAKE, MODEL, canonical_token, load_vocabulary

SELLER_FIELDS = ("id", "seller_type", "display_name", "governorate", "city", "verified", "rating")
SUGGEST_STATUS = "status"


def seller_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    """The seller columns a catalog document carries."""
    summary = {name: row.get(name) for name in SELLER_FIELDS}
    summary["id"] = str(row["id"])
    if summary["rating"] is not None:
        summary["rating"] = float(summary["rating"])
    return summary


@lru_cache(maxsize=4096)
def _canonical(kind: str, text: str) -> str:
    return load_vocabulary().canonical_of(kind, text) or fold_spaces(text)


def canonical_make_model(row: Mapping[str, Any]) -> tuple[str | None, str | None]:
    make = row.get("make") or None
    model = row.get("model") or None
    return make and _canonical(MAKE, make), model and _canonical(MODEL, model)


def _attribute_text(row: Mapping[str, Any], seller: Mapping[str, Any] | None) -> str:
    words = [
        row.get(name) or ""
        for name in ("trim", "body_type", "fuel", "transmission", "colour", "condition",
                     "category", "service_type", "part_number", "city")
    ]  # fmt: skip
    words.append(str(row.get("year") or ""))
    governorate = BY_CODE.get(row.get("governorate") or "")
    if governorate:
        words += [governorate.name_en, governorate.name_ar]
    for fit in row.get("compatible") or []:
        words += [str(fit.get("make") or ""), str(fit.get("model") or "")]
    if row.get("installments_available"):
        words.append("installments")
    if seller:
        words.append(str(seller.get("display_name") or ""))
    return " ".join(str(w).replace("_", " ") for w in words if w)


def _suggest_inputs(row: Mapping[str, Any], make: str | None, model: str | None) -> list[str]:
    vocabulary = load_vocabulary()
    year = str(row.get("year") or "")
    inputs = [row.get("title_en") or "", row.get("title_ar") or ""]
    if make:
        ar_make = vocabulary.arabic_labels.get(canonical_token(MAKE, make), make)
        ar_model = vocabulary.arabic_labels.get(canonical_token(MODEL, model or ""), model or "")
        inputs += [f"{make} {model or ''} {year}", f"{model or ''} {year}"]
        inputs += [f"{ar_make} {ar_model} {year}", f"{ar_model} {year}"]
    folded = {fold_spaces(text)[:80] for text in inputs}
    return sorted(text for text in folded if text)


def listing_key(listing_id: str) -> dict[str, int]:
    """The listing id's 128 bits as two signed 64-bit numbers: the searches' last sort keys.

    They order listings as ``listing_id`` does (a UUID's hexadecimal text sorts as its number).
    A keyword among the sort keys stops Elasticsearch from skipping documents that cannot
    reach the page: browsing all 200,000 listings by newest cost ~115 ms of CPU with
    ``listing_id`` as the tie-breaker and ~11 ms with these two numbers. Ids that are not
    UUIDs (none in the platform) get the first 128 bits of their BLAKE2b digest instead.
    """
    try:
        value = uuid.UUID(listing_id).int
    except ValueError:
        value = int.from_bytes(hashlib.blake2b(listing_id.encode(), digest_size=16).digest())
    high, low = value >> 64, value & (2**64 - 1)
    return {"listing_key_high": high - 2**63, "listing_key_low": low - 2**63}


def listing_document(
    row: Mapping[str, Any],
    seller: Mapping[str, Any] | None,
    *,
    listing_lsn: int,
    seller_lsn: int | None,
) -> dict[str, Any]:
    """The catalog document of one listing row and its seller's summary (or None)."""
    make, model = canonical_make_model(row)
    title = analyse_text(" ".join(filter(None, [row.get("title_ar"), row.get("title_en")])))
    body = analyse_text(
        " ".join(filter(None, [row.get("description_ar"), row.get("description_en")]))
    )
    names = analyse_text(" ".join(filter(None, [row.get("make"), row.get("model"), make, model])))
    attrs = analyse_text(_attribute_text(row, seller))
    signals = TextTokens()
    for part in (names, title, attrs):
        signals.extend(part)
    latitude, longitude = row.get("latitude"), row.get("longitude")
    compatible = row.get("compatible") or []
    fits = [canonical_make_model(fit) for fit in compatible]
    status = row.get("status") or "draft"
    return {
        "listing_id": str(row["id"]),
        **listing_key(str(row["id"])),
        "seller_id": str(row["seller_id"]),
        "category": row.get("category"),
        "status": status,
        "make": make,
        "model": model,
        "year": row.get("year"),
        "body_type": row.get("body_type"),
        "fuel": row.get("fuel"),
        "transmission": row.get("transmission"),
        "colour": row.get("colour") and normalise(row["colour"]),
        "mileage_km": row.get("mileage_km"),
        "condition": row.get("condition"),
        "price_egp": row.get("price_egp"),
        "negotiable": bool(row.get("negotiable")),
        "installments_available": bool(row.get("installments_available")),
        "governorate": row.get("governorate"),
        "city": row.get("city") and fold_spaces(row["city"]),
        "location": (
            {"lat": float(latitude), "lon": float(longitude)}
            if latitude is not None and longitude is not None
            else None
        ),
        "part_number": row.get("part_number") and normalise(row["part_number"]).replace(" ", ""),
        "compatible_makes": sorted({m for m, _ in fits if m}),
        "compatible_models": sorted({m for _, m in fits if m}),
        "service_type": row.get("service_type"),
        "seller_type": seller.get("seller_type") if seller else None,
        "seller_verified": bool(seller.get("verified")) if seller else False,
        "seller_rating": seller.get("rating") if seller else None,
        "published_at": row.get("published_at"),
        "created_at": row.get("created_at"),
        "updated_at": row.get("updated_at"),
        "listing_lsn": listing_lsn,
        "seller_lsn": seller_lsn,
        "deleted": False,
        "search": {
            "title": " ".join(names.stems + title.stems),
            "body": " ".join(body.stems),
            "attrs": " ".join(attrs.stems),
            "canon": " ".join(signals.canon + body.canon),
            "phonetic": " ".join(names.phonetic + title.phonetic),
            "surface": " ".join(names.surface + title.surface + attrs.surface),
        },
        "suggest": {
            "input": _suggest_inputs(row, make, model),
            "contexts": {SUGGEST_STATUS: [status]},
        },
        "listing": dict(row),
        "seller": dict(seller) if seller else None,
    }


def tombstone_document(
    listing_id: str, seller_id: str | None, *, listing_lsn: int
) -> dict[str, Any]:
    """A deleted listing: kept, versioned, so an older change arriving late cannot revive it."""
    return {
        "listing_id": listing_id,
        **listing_key(listing_id),
        "seller_id": seller_id,
        "status": "deleted",
        "deleted": True,
        "listing_lsn": listing_lsn,
        "suggest": {"input": ["-"], "contexts": {SUGGEST_STATUS: ["deleted"]}},
    }
