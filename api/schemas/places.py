"""Governorate codes as a validated, documented string type."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from core.governorates import GOVERNORATE_CODES


def _known_governorate(code: str) -> str:
    if code not in GOVERNORATE_CODES:
        raise ValueError(f"{code!r} is not one of Egypt's 27 governorate codes")
    return code


GovernorateCode = Annotated[
    str,
    Field(json_schema_extra={"enum": sorted(GOVERNORATE_CODES)}, examples=["cairo"]),
    AfterValidator(_known_governorate),
]
