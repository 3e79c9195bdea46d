"""The API against a fresh, migrated database: a TestClient and signed-in users."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from psycopg import sql

import core.passwords
from api.app import create_app
from core import migrate
from core.payments import SandboxPaymentProvider
from local_services.postgres import drop_database
from souk.settings import Settings


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        core.passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(scope="session")
def migrated(postgres_ready: Settings) -> Iterator[Settings]:
    """One migrated database for every API test of the session (like ``fresh_database``,
    but created once: the tests keep apart by signing up new users with random emails)."""
    name = f"souk_test_api_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_ready.postgres_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    settings = postgres_ready.model_copy(update={"postgres_db": name})
    try:
        migrate.upgrade(settings)
        yield settings
    finally:
        drop_database(postgres_ready, name)


@pytest.fixture
def payments() -> SandboxPaymentProvider:
    return SandboxPaymentProvider()


@pytest.fixture
def client(migrated: Settings, payments: SandboxPaymentProvider) -> Iterator[TestClient]:
    with TestClient(create_app(migrated, payment_provider=payments)) as test_client:
        yield test_client


@dataclass
class Account:
    id: str
    email: str
    headers: dict[str, str]


SELLER_PROFILE = {
    "seller_type": "dealer",
    "display_name": "Abou Ghaly Motors",
    "governorate": "cairo",
    "city": "Nasr City",
}


def sign_up(client: TestClient, *, seller: bool = False, **extra: Any) -> Account:
    email = f"{'seller' if seller else 'buyer'}-{uuid.uuid4().hex[:8]}@example.eg"
    body: dict[str, Any] = {"email": email, "password": "long-password", "full_name": "Test User"}
    if seller:
        body |= {"role": "seller", "seller": SELLER_PROFILE}
    body |= extra
    created = client.post("/auth/register", json=body)
    assert created.status_code == 201, created.text
    login = client.post("/auth/login", json={"email": email, "password": "long-password"})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    return Account(created.json()["id"], email, {"Authorization": f"Bearer {token}"})


CAR = {
    "category": "car",
    "title_en": "Toyota Corolla 2021",
    "title_ar": "تويوتا كورولا ٢٠٢١",
    "make": "Toyota",
    "model": "Corolla",
    "year": 2021,
    "mileage_km": 40_000,
    "condition": "used",
    "transmission": "automatic",
    "price_egp": 1_150_000,
    "governorate": "giza",
    "city": "6th of October",
    "latitude": 29.97,
    "longitude": 30.95,
    "photos": ["https://img.example/corolla.jpg"],
}

PART = {
    "category": "part",
    "title_en": "Oil filter",
    "part_number": "90915-YZZE1",
    "compatible": [{"make": "Toyota", "model": "Corolla", "year_from": 2008, "year_to": 2022}],
    "price_egp": 350,
    "governorate": "alexandria",
    "stock_quantity": 3,
}


def listing(client: TestClient, seller: Account, body: dict[str, Any], **extra: Any) -> str:
    created = client.post("/listings", json=body | extra, headers=seller.headers)
    assert created.status_code == 201, created.text
    listing_id: str = created.json()["id"]
    return listing_id
