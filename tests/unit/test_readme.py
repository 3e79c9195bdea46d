"""The README's configuration table names every setting the platform reads."""

from __future__ import annotations

from souk.settings import PROJECT_ROOT, Settings


def test_readme_documents_every_setting() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    missing = [
        f"SOUK_{name.upper()}" for name in Settings.model_fields
        if f"`SOUK_{name.upper()}`" not in readme
    ]  # fmt: skip
    assert missing == []
