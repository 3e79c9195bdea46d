"""Asking prices consistent with model, age, mileage and condition."""

from __future__ import annotations

import random

from demo_market.catalogue import CarModel

CURRENT_YEAR = 2026


def typical_mileage_km(year: int, rng: random.Random) -> int:
    """Egyptian cars run ~15,000 km a year, with a wide spread; new cars have none."""
    age = max(CURRENT_YEAR - year, 0)
    if age == 0:
        return rng.choice((0, 0, 0, 5, 20, 1_500))
    yearly = rng.lognormvariate(9.55, 0.35)  # median ~14,000 km
    return int(round(age * yearly, -2))


def asking_price_egp(model: CarModel, year: int, mileage_km: int, rng: random.Random) -> int:
    """Depreciation of ~9%/year (slower for popular Japanese/Korean models), mileage and noise."""
    age = max(CURRENT_YEAR - year, 0)
    yearly_loss = 0.07 if model.base_price_egp < 1_500_000 else 0.09
    price = model.base_price_egp * (1 - yearly_loss) ** age
    expected_km = age * 14_000
    price *= 1 - max(min((mileage_km - expected_km) / 400_000, 0.25), -0.1)
    price *= rng.gauss(1.0, 0.08)
    floor = 60_000
    rounded = int(round(max(price, floor), -3))
    return rounded
