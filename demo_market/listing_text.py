"""Titles and descriptions the way Egyptians write them: Arabic, English, mixed, Franco-Arabic.

A share of texts carries the spellings people really type: أ/ا and ة/ه swapped, Franco
(e.g. "3arabeya fabrika"), misspelt makes ("toyta", "hundai") and Arabic-Indic digits.
"""

from __future__ import annotations

import random

from demo_market.catalogue import CarModel, Make

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

AR_PHRASES = (
    "فابريكة بالكامل",
    "حالة ممتازة",
    "صيانات توكيل",
    "استعمال دكتور",
    "بدون حوادث",
    "أول مالك",
    "كسر زيرو",
    "رخصة سارية",
    "قابل للتفاوض",
    "بالتقسيط",
    "عداد قليل",
)
EN_PHRASES = (
    "excellent condition",
    "dealer maintained",
    "first owner",
    "no accidents",
    "full options",
    "low mileage",
    "original paint",
    "negotiable",
    "installments available",
)
FRANCO_PHRASES = (
    "fabrika bel kamel",
    "7alet mmtaza",
    "awel malek",
    "zero kasr",
    "bedon 7wades",
    "siana tawkeel",
    "3adad 2alil",
)


def _arabic_variant(text: str, rng: random.Random) -> str:
    """Spelling variants that Arabic search must forgive."""
    if rng.random() < 0.3:
        text = text.replace("أ", "ا").replace("إ", "ا")
    if rng.random() < 0.3:
        text = text.replace("ة ", "ه ").replace("ي ", "ى ")
    if rng.random() < 0.15:
        text = text.translate(ARABIC_DIGITS)
    return text


def car_title(
    make: Make, model: CarModel, year: int, rng: random.Random
) -> tuple[str | None, str | None]:
    """(title_ar, title_en); at least one is set, often both, sometimes mixed scripts."""
    style = rng.random()
    ar = _arabic_variant(f"{make.name_ar} {model.name_ar} {year}", rng)
    en_make = make.franco if rng.random() < 0.12 else make.name_en
    en_model = model.name_en.lower() if rng.random() < 0.3 else model.name_en
    en = f"{en_make} {en_model} {year}"
    if style < 0.35:
        return ar, None
    if style < 0.55:
        return None, en
    if style < 0.7:
        return f"{make.name_ar} {model.name_en} {year}", None  # mixed scripts in one title
    return ar, en


def car_description(
    make: Make, model: CarModel, year: int, mileage_km: int, rng: random.Random
) -> tuple[str | None, str | None]:
    ar_bits = rng.sample(AR_PHRASES, k=3)
    ar = _arabic_variant(
        f"{make.name_ar} {model.name_ar} موديل {year} {'، '.join(ar_bits)}، "
        f"العداد {mileage_km:,} كم",
        rng,
    )
    if rng.random() < 0.25:
        ar += " " + rng.choice(FRANCO_PHRASES)
    en = None
    if rng.random() < 0.5:
        en = f"{make.name_en} {model.name_en} {year}, " + ", ".join(rng.sample(EN_PHRASES, k=2))
        en += f", {mileage_km:,} km"
    return ar, en
