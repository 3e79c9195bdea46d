"""A deterministic, realistic Egyptian car market for demos, benchmarks and load tests."""
