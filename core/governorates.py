"""Egypt's 27 governorates: code, English and Arabic names, and the capital's coordinates."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Governorate:
    code: str
    name_en: str
    name_ar: str
    latitude: float
    longitude: float


GOVERNORATES: tuple[Governorate, ...] = (
    Governorate("cairo", "Cairo", "القاهرة", 30.0444, 31.2357),
    Governorate("giza", "Giza", "الجيزة", 30.0131, 31.2089),
    Governorate("alexandria", "Alexandria", "الإسكندرية", 31.2001, 29.9187),
    Governorate("qalyubia", "Qalyubia", "القليوبية", 30.1792, 31.2056),
    Governorate("sharqia", "Sharqia", "الشرقية", 30.5877, 31.5020),
    Governorate("dakahlia", "Dakahlia", "الدقهلية", 31.0409, 31.3785),
    Governorate("gharbia", "Gharbia", "الغربية", 30.7865, 31.0004),
    Governorate("monufia", "Monufia", "المنوفية", 30.5972, 30.9876),
    Governorate("beheira", "Beheira", "البحيرة", 31.0341, 30.4682),
    Governorate("kafr_el_sheikh", "Kafr El Sheikh", "كفر الشيخ", 31.1107, 30.9388),
    Governorate("damietta", "Damietta", "دمياط", 31.4165, 31.8133),
    Governorate("port_said", "Port Said", "بورسعيد", 31.2653, 32.3019),
    Governorate("ismailia", "Ismailia", "الإسماعيلية", 30.5965, 32.2715),
    Governorate("suez", "Suez", "السويس", 29.9668, 32.5498),
    Governorate("north_sinai", "North Sinai", "شمال سيناء", 31.1316, 33.7984),
    Governorate("south_sinai", "South Sinai", "جنوب سيناء", 28.2358, 33.6225),
    Governorate("red_sea", "Red Sea", "البحر الأحمر", 27.2579, 33.8116),
    Governorate("faiyum", "Faiyum", "الفيوم", 29.3084, 30.8428),
    Governorate("beni_suef", "Beni Suef", "بني سويف", 29.0661, 31.0994),
    Governorate("minya", "Minya", "المنيا", 28.1099, 30.7503),
    Governorate("asyut", "Asyut", "أسيوط", 27.1809, 31.1837),
    Governorate("sohag", "Sohag", "سوهاج", 26.5591, 31.6957),
    Governorate("qena", "Qena", "قنا", 26.1551, 32.7160),
    Governorate("luxor", "Luxor", "الأقصر", 25.6872, 32.6396),
    Governorate("aswan", "Aswan", "أسوان", 24.0889, 32.8998),
    Governorate("new_valley", "New Valley", "الوادي الجديد", 25.4390, 30.5586),
    Governorate("matrouh", "Matrouh", "مطروح", 31.3543, 27.2373),
)

GOVERNORATE_CODES: frozenset[str] = frozenset(g.code for g in GOVERNORATES)
BY_CODE: dict[str, Governorate] = {g.code: g for g in GOVERNORATES}
