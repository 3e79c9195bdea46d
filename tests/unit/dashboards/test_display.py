"""How figures read: EGP, rates, changes, makes and governorates (Arabic names kept)."""

from __future__ import annotations

from api.analytics import display
from api.routes.dashboards import _safe_next


def test_money_counts_and_rates() -> None:
    assert display.egp(1_250_000) == "EGP 1,250,000"
    assert display.egp(349.5, decimals=2) == "EGP 349.50"
    assert display.egp(None) == "–"
    assert display.count(12345) == "12,345"
    assert display.percent(0.1234) == "12.3%"
    assert display.kpi_value(0.25, "rate") == "25.00%"
    assert display.kpi_value(15000.0, "money") == "EGP 15,000"
    assert display.kpi_value(1_250_000.0, "money") == "EGP 1.25M"
    assert display.egp_short(3_400_000_000) == "EGP 3.40B"


def test_changes_read_with_their_sign_and_unit() -> None:
    assert display.change_text(0.125, "relative") == "+12.5%"
    assert display.change_text(-0.031, "relative") == "−3.1%"
    assert display.change_text(0.0, "relative") == "±0.0%"
    assert display.change_text(0.012, "points") == "+1.2 pts"
    assert display.change_text(None, "relative", "new") == "new"
    assert display.change_text(None, "points") == "–"


def test_names() -> None:
    assert display.car_title("toyota", "corolla", 2020) == "Toyota Corolla 2020"
    assert display.car_title("bmw", "320i", 2018) == "BMW 320I 2018"
    assert display.make_label("mercedes-benz") == "Mercedes-Benz"
    assert display.make_label(None) == "Unknown"
    assert display.governorate_names("cairo") == ("Cairo", "القاهرة")
    assert display.governorate_names("kafr_el_sheikh") == ("Kafr El Sheikh", "كفر الشيخ")
    assert display.governorate_names("atlantis") == ("Atlantis", None)


def test_sign_in_only_returns_to_our_own_pages() -> None:
    assert (
        _safe_next("/dashboards/seller?start=2026-03-01") == "/dashboards/seller?start=2026-03-01"
    )
    for hostile in (
        "https://evil.example/",
        "//evil.example/dashboards/",
        "/\\evil.example",
        "/dashboards/\\\\evil",
        "/auth/me",
        None,
        "",
    ):
        assert _safe_next(hostile) is None
