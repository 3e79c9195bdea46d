"""How figures read on the dashboards: EGP amounts, rates, changes, makes, governorates."""

from __future__ import annotations

from core.governorates import GOVERNORATES

GOVERNORATE_NAMES: dict[str, tuple[str, str]] = {
    g.code: (g.name_en, g.name_ar) for g in GOVERNORATES
}
# Makes written in capitals (the warehouse keeps makes lower-case).
ACRONYM_MAKES = {"bmw", "mg", "byd", "gmc", "jac", "baic", "dfsk", "ds", "gac", "jmc", "vw"}


def make_label(make: str | None) -> str:
    if not make:
        return "Unknown"
    if make.lower() in ACRONYM_MAKES:
        return make.upper()
    words = make.replace("_", " ").split()
    return " ".join("-".join(p.capitalize() for p in w.split("-")) for w in words)


def model_label(model: str | None) -> str:
    if not model:
        return ""
    return " ".join(
        w.upper() if any(c.isdigit() for c in w) else w.capitalize() for w in model.split()
    )


def car_title(make: str | None, model: str | None, year: int | None) -> str:
    parts = [make_label(make), model_label(model), str(year) if year else ""]
    return " ".join(p for p in parts if p)


def governorate_names(code: str | None) -> tuple[str | None, str | None]:
    """English and Arabic names of a governorate code (the code itself when unknown)."""
    if code is None:
        return None, None
    return GOVERNORATE_NAMES.get(code, (code.replace("_", " ").title(), None))


def egp(value: float | None, *, decimals: int = 0) -> str:
    """``EGP 1,250,000`` (an en dash when there is no amount)."""
    if value is None:
        return "–"
    return f"EGP {value:,.{decimals}f}"


def count(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def percent(value: float | None, *, decimals: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{decimals}f}%"


def change_text(change: float | None, change_kind: str, direction: str = "flat") -> str:
    """``+12.5%`` for a relative change, ``+1.2 pts`` for a rate's change in points."""
    if change is None:
        return "new" if direction == "new" else "–"
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    if change_kind == "points":
        return f"{sign}{abs(change) * 100:.1f} pts"
    return f"{sign}{abs(change) * 100:.1f}%"


def egp_short(value: float | None) -> str:
    """``EGP 1.25M`` from a million up (a key figure's card is narrow), else :func:`egp`."""
    if value is None or abs(value) < 1_000_000:
        return egp(value)
    if abs(value) < 1_000_000_000:
        return f"EGP {value / 1_000_000:,.2f}M"
    return f"EGP {value / 1_000_000_000:,.2f}B"


def kpi_value(value: float | None, kind: str) -> str:
    if kind == "money":
        return egp_short(value)
    if kind == "rate":
        return percent(value, decimals=2)
    return count(value)
