"""Raw files written before a derived column existed are still built right.

The sink writes ``results_count`` beside each search's list of results shown, and
fct_searches reads the number; a raw file of an older sink has no such column, and the build
computes it from the list for that file only (also when both kinds share one day).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from tests.unit.warehouse.conftest import sink_scenario, table
from tests.unit.warehouse.scenario import DAY1, DAY2
from warehouse.build import BuildConfig, build_models
from warehouse.duckdb_session import open_memory
from warehouse.layout import WarehouseLayout
from warehouse.models import register_raw_files
from warehouse.raw_tables import BY_NAME
from warehouse.staging import BY_FACT


def _rewrite_without_results_count(path: Path, into: Path) -> None:
    frame = pl.read_parquet(path)
    assert "results_count" in frame.columns
    frame.drop("results_count").write_parquet(into)
    path.unlink()


def test_older_raw_files_get_the_results_count_from_the_list(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    sink_scenario(layout)
    day1 = layout.raw_files("searches", DAY1)
    assert len(day1) == 2  # both batches hold searches of day 1: make one of them older
    _rewrite_without_results_count(day1[0], day1[0].with_name("older.parquet"))
    for path in layout.raw_files("searches", DAY2):  # every file of day 2 older
        _rewrite_without_results_count(path, path.with_name(f"older-{path.name}"))
    build_models(layout, [BY_FACT["fct_searches"]], [DAY1, DAY2], BuildConfig())
    searches = table(layout, "facts", "fct_searches")
    counts = dict(zip(searches["event_id"], searches["results_count"], strict=True))
    assert (counts["e-search-a"], counts["e-search-b"], counts["e-search-c"]) == (3, 2, 0)
    files = [str(p) for day in (DAY1, DAY2) for p in layout.raw_files("searches", day)]
    raw = duckdb.sql(
        "SELECT event_id, coalesce(len(results_shown), 0) AS n "
        f"FROM read_parquet({files}, union_by_name = true)"
    )
    assert raw is not None
    assert {e: n for e, n in raw.fetchall()} == counts


def test_a_file_with_the_column_is_read_as_written(tmp_path: Path) -> None:
    """The column is read, not computed again: a file whose count disagrees with its list
    (none does; written here on purpose) keeps its own count."""
    path = tmp_path / "current.parquet"
    pl.DataFrame(
        {"event_id": ["e1"], "results_shown": [["L1", "L2"]], "results_count": [7]}
    ).write_parquet(path)
    older = tmp_path / "older.parquet"
    pl.DataFrame({"event_id": ["e2"], "results_shown": [["L1", "L2"]]}).write_parquet(older)
    conn = open_memory(threads=1)
    register_raw_files(conn, BY_NAME["searches"], [path, older])
    found = conn.execute(
        "SELECT event_id, results_count, filename IS NOT NULL, file_row_number "
        "FROM searches_files ORDER BY event_id"
    ).fetchall()
    assert found == [("e1", 7, True, 0), ("e2", 2, True, 0)]
