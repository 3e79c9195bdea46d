from __future__ import annotations

import pytest
from pydantic import ValidationError

from souk.settings import DEFAULT_SECRET, Settings


def test_local_defaults_listen_on_loopback() -> None:
    settings = Settings()
    assert settings.postgres_host == "127.0.0.1"
    assert settings.kafka_bootstrap.startswith("127.0.0.1:")
    assert settings.elasticsearch_url.startswith("http://127.0.0.1:")
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_environment_variables_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOUK_POSTGRES_PORT", "6543")
    monkeypatch.setenv("SOUK_KAFKA_PORT", "29092")
    settings = Settings()
    assert settings.postgres_port == 6543
    assert settings.kafka_bootstrap == "127.0.0.1:29092"


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ValidationError, match="SOUK_JWT_SECRET"):
        Settings(environment="production")
    ok = Settings(environment="production", jwt_secret="s3cret", service_token_secret="other")
    assert ok.jwt_secret != DEFAULT_SECRET


def test_copy_with_other_database_changes_urls() -> None:
    settings = Settings().model_copy(update={"postgres_db": "elsewhere"})
    assert settings.database_url.endswith("/elsewhere")
    assert "dbname=elsewhere" in settings.postgres_dsn
