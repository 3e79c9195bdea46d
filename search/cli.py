"""``souk search``: create the catalog index, rebuild it without downtime, score relevance."""

from __future__ import annotations

import asyncio
import logging

import typer

from souk.settings import Settings, load_settings

search_app = typer.Typer(help="Catalog index and product search.", no_args_is_help=True)
log = logging.getLogger(__name__)


# The search modules are imported by the commands that use them: every `souk` command
# imports this module.


async def _create(settings: Settings, swap: bool) -> str:
    from search.catalog_index import create_catalog_index, ensure_catalog, swap_alias
    from search.elastic import async_client

    es = async_client(settings, timeout=60.0)
    try:
        if not swap:
            return await ensure_catalog(es, settings)
        name = await create_catalog_index(es, settings)
        await swap_alias(es, settings.catalog_alias, name)
        return name
    finally:
        await es.close()


@search_app.command("create-index")
def create_index(
    new: bool = typer.Option(False, "--new", help="Create a fresh, empty index and swap to it."),
) -> None:
    """Make sure the catalog alias points at an index (or swap to a new empty one)."""
    settings = load_settings()
    name = asyncio.run(_create(settings, new))
    typer.echo(f"{settings.catalog_alias} -> {name}")


async def _reindex(settings: Settings, keep_old: bool) -> None:
    from search.elastic import async_client
    from search.reindex import reindex

    es = async_client(settings, timeout=120.0)
    try:
        report = await reindex(es, settings, keep_old=keep_old)
    finally:
        await es.close()
    typer.echo(
        f"{settings.catalog_alias} -> {report.index}: {report.snapshot_listings} listings and "
        f"{report.snapshot_sellers} sellers from Postgres, {report.caught_up} changes caught up "
        f"from Kafka; replaced {', '.join(report.old_indices) or 'nothing'}"
    )


@search_app.command("reindex")
def reindex_command(
    keep_old: bool = typer.Option(False, "--keep-old", help="Keep the previous index."),
) -> None:
    """Rebuild the catalog from Postgres, catch up from Kafka, swap the alias atomically."""
    asyncio.run(_reindex(load_settings(), keep_old))


@search_app.command("evaluate")
def evaluate_command(
    k: int = typer.Option(10, help="Cut-off for nDCG."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show every query."),
) -> None:
    """Score the judgment list on the fixture catalogue: nDCG@k and MRR."""
    from search.relevance.evaluate import evaluate

    report = asyncio.run(evaluate(load_settings(), k=k))
    if verbose:
        for s in report.scores:
            typer.echo(f"{s.id} {s.kind:<11} nDCG={s.ndcg:.3f} RR={s.rr:.3f}  {s.query}")
    for kind, (ndcg, mrr, count) in report.by_kind().items():
        typer.echo(f"{kind:<11} queries={count:<3} nDCG@{k}={ndcg:.3f} MRR={mrr:.3f}")
    total = len(report.scores)
    typer.echo(f"{'all':<11} queries={total:<3} nDCG@{k}={report.ndcg:.3f} MRR={report.mrr:.3f}")
