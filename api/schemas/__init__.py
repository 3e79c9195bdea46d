"""Request and response bodies of the transactional API (pydantic 2)."""
