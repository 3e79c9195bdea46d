"""The notification texts as data: every kind in both languages, filled in by one function."""

from __future__ import annotations

import re
import uuid
from string import Formatter

import pytest

from notifications.messages import Bilingual, NotificationKind
from notifications.templates import TEXTS, OrderSummary, egp, render

ARABIC = re.compile(r"[\u0600-\u06FF]")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_kind_has_a_subject_and_a_body_in_arabic_and_in_english(
    kind: NotificationKind,
) -> None:
    text = TEXTS[kind]
    for part in (text.subject, text.body):
        assert ARABIC.search(part.ar), f"{kind}: no Arabic in {part.ar!r}"
        assert part.en.strip(), kind
        assert not ARABIC.search(part.en), f"{kind}: Arabic in {part.en!r}"
        # Arabic may leave out a detail (a card issuer's reason), never add one
        assert _fields(part.ar) <= _fields(part.en), kind


def test_a_bilingual_field_gives_each_language_its_text_and_a_plain_one_both() -> None:
    order = OrderSummary(
        order_id=uuid.UUID("3f2a9c1b-0000-4000-8000-000000000000"),
        title=Bilingual("هيونداي النترا", "Hyundai Elantra"), items=3,
        kind="car_reservation", total_egp=47_500,
    )  # fmt: skip
    message = render(NotificationKind.NEW_ORDER, **order.fields, buyer="Mona Adel")
    assert message.subject == Bilingual("طلب جديد #3F2A9C1B", "New order #3F2A9C1B")
    assert message.body.ar == (
        "طلب من Mona Adel: «هيونداي النترا» (+2 أصناف أخرى)، حجز سيارة بعربون بإجمالي 47,500 جنيه."
    )
    assert message.body.en == (
        "Mona Adel ordered “Hyundai Elantra” (+2 more): car reservation (deposit), "
        "total EGP 47,500."
    )


def test_a_missing_field_is_an_error_not_a_gap_in_the_text() -> None:
    with pytest.raises(KeyError):
        render(NotificationKind.ORDER_PAID, total=egp(100))
