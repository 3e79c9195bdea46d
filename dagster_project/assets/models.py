"""Warehouse :class:`~warehouse.models.Model` s as daily-partitioned Dagster assets.

Every daily model (staging, dimensions, marts) is an asset of its own in the UI (its group,
partitions, lineage and checks), and they are one subsettable ``multi_asset``, as
dagster-dbt makes a whole dbt project one: a run that selects several of them builds them in
one step (``warehouse.build.build_models``: models that do not read each other side by side,
a one-thread DuckDB session each, a model waiting only for the models it reads; so
``dim_listing`` runs beside the last facts and the marts that do not read it, where one step
per layer left a core idle). A single model, or only its checks, can still be materialised
on its own (``can_subset``). Dagster's bookkeeping is per step (run and step events, the
upstream assets' data versions looked up at the start of each step), which one step per
model paid 20-odd times per run.

Each model's checks are reported in the same step (checks beside the asset): key uniqueness,
no null keys, and for facts the row count against the raw events. Backfills run as one run
per range (``BackfillPolicy.single_run``).
"""

import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import dagster as dg

from dagster_project.partitions import partition_days
from dagster_project.resources import WarehouseResource
from warehouse.build import BuildConfig, build_models, compact_sources
from warehouse.dimensions import DIMENSIONS
from warehouse.layout import WarehouseLayout
from warehouse.marts import MARTS
from warehouse.models import BuildResult, Model
from warehouse.quality import expected_fact_rows, measure
from warehouse.staging import FACTS

UNIQUE, NOT_NULL, MATCHES_RAW = "unique_key", "non_null_key", "rows_match_raw_events"
ModelEvent = dg.MaterializeResult[Any] | dg.AssetCheckResult


def upstream_keys(model: Model) -> list[dg.AssetKey]:
    keys = []
    for source in model.sources:
        layer, table = source.split(":", 1)
        keys.append(dg.AssetKey(f"raw_{table}" if layer == "raw" else table))
    return keys


def check_specs(model: Model) -> list[dg.AssetCheckSpec]:
    key = dg.AssetKey(model.name)
    checks = [
        dg.AssetCheckSpec(UNIQUE, asset=key, description=f"{', '.join(model.key)} is unique"),
        dg.AssetCheckSpec(NOT_NULL, asset=key, description="no key column is null"),
    ]
    if model.key == ("event_id",):
        checks.append(dg.AssetCheckSpec(MATCHES_RAW, asset=key,
                                        description="rows = distinct raw events"))  # fmt: skip
    return checks


def model_spec(model: Model, group: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        model.name, group_name=group, deps=upstream_keys(model),
        description=f"Grain: {model.grain}. Key: {', '.join(model.key)}.",
        kinds={"duckdb", "parquet"}, metadata={"grain": model.grain},
    )  # fmt: skip


def daily_model_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """Every daily model, staging, dimensions and marts, in one step (each in its group)."""
    return [models_asset("daily_models", {"staging": FACTS, "dimensions": DIMENSIONS,
                                          "marts": MARTS}, partitions)]  # fmt: skip


def models_asset(
    name: str, groups: Mapping[str, Sequence[Model]], partitions: dg.PartitionsDefinition
) -> dg.AssetsDefinition:
    """The models of ``groups`` (group name: its models in build order, upstream groups
    first) as one subsettable multi-asset named ``name``."""
    models = [m for layer in groups.values() for m in layer]
    specs = [model_spec(m, group) for group, layer in groups.items() for m in layer]

    @dg.multi_asset(
        name=name, specs=specs,
        check_specs=[c for m in models for c in check_specs(m)],
        partitions_def=partitions, backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=True,
    )  # fmt: skip
    def _build(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[ModelEvent]:
        layout, config = warehouse.layout(), warehouse.build_config()
        # Checks launched on their own run without a partition: every built day is checked.
        partitioned = context.has_partition_key or context.has_partition_key_range
        days = partition_days(context) if partitioned else None
        assets = context.selected_asset_keys
        checks = context.selected_asset_check_keys
        built = [m for m in models if dg.AssetKey(m.name) in assets]
        started = time.perf_counter()
        if days is not None:
            compacted = [c for c in compact_sources(layout, built, days, config) if c.merged]
            if compacted:
                context.log.info(f"merged the raw files of {len(compacted)} table-days "
                                 f"({sum(c.merged for c in compacted)} files) in "
                                 f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        started = time.perf_counter()
        results = build_models(layout, built, days, config) if days is not None else []
        if results:
            context.log.info(f"built {len(built)} models, {len(results)} partitions, "
                             f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        started = time.perf_counter()
        selected = {m.name: {c.name for c in checks if c.asset_key == dg.AssetKey(m.name)}
                    for m in models}  # fmt: skip
        checked = _check_models([m for m in models if selected[m.name]], selected, layout,
                                config, days)  # fmt: skip
        if checked:
            context.log.info(f"checked {len(checked)} models in "
                             f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        for model in models:
            if dg.AssetKey(model.name) in assets:
                yield _materialisation(model, [r for r in results if r.model == model.name])
            yield from checked.get(model.name, [])

    return _build


def _materialisation(model: Model, results: list[BuildResult]) -> dg.MaterializeResult[Any]:
    return dg.MaterializeResult(
        asset_key=model.name,
        metadata={
            "rows": sum(r.rows for r in results),
            "days": len(results),
            "seconds": round(sum(r.seconds for r in results), 3),
            "rows_by_day": dg.MetadataValue.json({str(r.day): r.rows for r in results}),
        },
    )


def _check_models(
    models: Sequence[Model], selected: dict[str, set[str]], layout: WarehouseLayout,
    config: BuildConfig, days: list[date] | None,
) -> dict[str, list[dg.AssetCheckResult]]:  # fmt: skip
    """Every model's selected checks, as many models at once as the build has threads (a
    one-thread session each: one model's checks alone kept ~1.4 of 2 cores busy)."""
    if config.threads < 2 or len(models) < 2:
        return {m.name: _checks(m, selected[m.name], layout, config, days) for m in models}
    with ThreadPoolExecutor(config.threads, thread_name_prefix="model-checks") as pool:
        futures = {
            m.name: pool.submit(_checks, m, selected[m.name], layout, config, days, threads=1)
            for m in models
        }
        return {name: future.result() for name, future in futures.items()}


def _checks(
    model: Model, selected: set[str], layout: WarehouseLayout, config: BuildConfig,
    days: list[date] | None, threads: int | None = None,
) -> list[dg.AssetCheckResult]:  # fmt: skip
    """``model``'s ``selected`` checks over its built partitions of ``days`` (None: all)."""
    if days is None:
        files = layout.dated_files(model.layer, model.name)
        days = [date.fromisoformat(p.parent.name.removeprefix("date=")) for p in files]
    conn = config.connect(threads)
    try:
        measured = measure(conn, layout, model, days)
        raw = MATCHES_RAW in selected
        expected = expected_fact_rows(conn, layout, model, days) if raw else None
    finally:
        conn.close()
    results = {
        UNIQUE: dg.AssetCheckResult(
            asset_key=model.name, check_name=UNIQUE, passed=measured.duplicate_keys == 0,
            metadata={"duplicate_keys": measured.duplicate_keys},
        ),
        NOT_NULL: dg.AssetCheckResult(
            asset_key=model.name, check_name=NOT_NULL, passed=measured.null_keys == 0,
            metadata={"null_keys": measured.null_keys},
        ),
        MATCHES_RAW: dg.AssetCheckResult(
            asset_key=model.name, check_name=MATCHES_RAW, passed=expected == measured.rows,
            metadata={"rows": measured.rows, "expected_from_raw": expected or 0},
        ),
    }  # fmt: skip
    return [result for name, result in results.items() if name in selected]
