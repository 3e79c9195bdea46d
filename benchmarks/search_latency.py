"""Search latency and throughput through the API (uvicorn, the real ``create_app``) against
the same queries sent straight to Elasticsearch, at several client concurrencies.

    .venv/bin/python -m benchmarks.search_latency --listings 200000 --requests 2000
    .venv/bin/python -m benchmarks.search_latency --alias bench-catalog --keep   # reuse
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import typer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import BaseModel, Field

from api.app import create_app
from benchmarks.results import BenchmarkResult, Chart, Figure, Target
from benchmarks.search_queries import query_mix, search_request
from local_services.process import read_pid
from search.catalog_index import drop_catalog, ensure_catalog
from search.documents import listing_document, seller_summary
from search.elastic import async_client, bulk_write, ndjson_lines
from search.query.builder import search_requests
from search.synthetic import SyntheticMarket
from souk.settings import PROJECT_ROOT, Settings, load_settings
from souk.topics import LISTING_VIEWS, RESULT_CLICKS, SEARCHES
from tests.integration.search.helpers import eventually

CHUNK = 2000
TARGET_LISTINGS = 200_000  # the catalog size for the latency targets
TARGET_CLIENTS = 8


class ConcurrencyLevel(BaseModel):
    """One concurrency level: the same queries through the API and straight to ES."""

    clients: int
    api_p50_ms: float
    api_p99_ms: float
    api_requests_per_s: float
    es_p50_ms: float
    es_p99_ms: float
    es_requests_per_s: float
    errors: int
    # CPU per request (user + system of the process and its children), load average 1 min
    api_cpu_ms: float | None = None  # the uvicorn process, per /search
    es_cpu_ms_through_api: float | None = None  # Elasticsearch, per /search
    es_cpu_ms: float | None = None  # Elasticsearch, per search sent straight to it
    # the same without the JVM's JIT compiler and GC threads (see jvm_work_seconds)
    es_work_cpu_ms_through_api: float | None = None
    es_work_cpu_ms: float | None = None
    # this load generator's own CPU per request on each side (both pay an aiohttp client)
    generator_cpu_ms_api: float | None = None
    generator_cpu_ms_es: float | None = None
    load_average: float | None = None


class SearchLatencyResult(BenchmarkResult):
    listings: int
    requests: int
    levels: list[ConcurrencyLevel]
    # the same load through benchmarks/search_floor_app.py (``--floor``), its own ES beside it
    floor: list[ConcurrencyLevel] = Field(default_factory=list)

    def figures(self) -> list[Figure]:
        full = self.listings >= TARGET_LISTINGS
        condition = f"at {TARGET_CLIENTS} clients on {TARGET_LISTINGS:,} listings"
        figures: list[Figure] = []
        for level in self.levels:
            c = level.clients
            judged = full and c == TARGET_CLIENTS
            latency = Target("<", 100, condition, judged) if c == TARGET_CLIENTS else None
            overhead = Target("<=", 1.3, condition, judged) if c == TARGET_CLIENTS else None
            figures += [
                Figure(f"{c} clients: API p50", level.api_p50_ms, "ms"),
                Figure(f"{c} clients: API p99", level.api_p99_ms, "ms", latency),
                Figure(f"{c} clients: Elasticsearch alone p50", level.es_p50_ms, "ms"),
                Figure(f"{c} clients: Elasticsearch alone p99", level.es_p99_ms, "ms"),
                Figure(f"{c} clients: API overhead p50 (API / ES)",
                       level.api_p50_ms / level.es_p50_ms, "×", overhead),
                Figure(f"{c} clients: API overhead p99 (API / ES)",
                       level.api_p99_ms / level.es_p99_ms, "×", overhead),
                Figure(f"{c} clients: API throughput", level.api_requests_per_s, "req/s"),
                Figure(f"{c} clients: Elasticsearch throughput", level.es_requests_per_s,
                       "req/s"),
                Figure(f"{c} clients: API errors", level.errors, ""),
            ]  # fmt: skip
            if level.api_cpu_ms is not None:
                figures.append(Figure(f"{c} clients: API process CPU per search", level.api_cpu_ms,
                                      "ms"))  # fmt: skip
            if level.es_cpu_ms is not None and level.es_cpu_ms_through_api is not None:
                figures += [
                    Figure(f"{c} clients: Elasticsearch CPU per search through the API",
                           level.es_cpu_ms_through_api, "ms"),
                    Figure(f"{c} clients: Elasticsearch CPU per search sent straight",
                           level.es_cpu_ms, "ms"),
                ]  # fmt: skip
            if level.es_work_cpu_ms is not None and level.es_work_cpu_ms_through_api is not None:
                figures += [
                    Figure(f"{c} clients: Elasticsearch CPU per search through the API, "
                           "without JIT and GC", level.es_work_cpu_ms_through_api, "ms"),
                    Figure(f"{c} clients: Elasticsearch CPU per search sent straight, "
                           "without JIT and GC", level.es_work_cpu_ms, "ms"),
                ]  # fmt: skip
        for level in self.floor:
            c = level.clients
            figures += [
                Figure(f"{c} clients: floor (bare ASGI app, same _msearch) p50",
                       level.api_p50_ms, "ms"),
                Figure(f"{c} clients: floor p99", level.api_p99_ms, "ms"),
                Figure(f"{c} clients: floor overhead p50 (floor / ES)",
                       level.api_p50_ms / level.es_p50_ms, "×"),
                Figure(f"{c} clients: floor overhead p99 (floor / ES)",
                       level.api_p99_ms / level.es_p99_ms, "×"),
            ]  # fmt: skip
            if level.api_cpu_ms is not None:
                figures.append(Figure(f"{c} clients: floor process CPU per search",
                                      level.api_cpu_ms, "ms"))  # fmt: skip
        return figures

    def charts(self) -> list[Chart]:
        categories = [f"{level.clients} clients {p}" for level in self.levels
                      for p in ("p50", "p99")]  # fmt: skip
        return [
            Chart("search-latency", f"Search latency on {self.listings:,} listings: API vs "
                  "Elasticsearch alone", "bars", "ms", categories=categories,
                  series={"API (/search)": [v for lv in self.levels
                                            for v in (lv.api_p50_ms, lv.api_p99_ms)],
                          "Elasticsearch alone": [v for lv in self.levels
                                                  for v in (lv.es_p50_ms, lv.es_p99_ms)]},
                  line=100, line_label="target API p99 < 100 ms at 8 clients"),
        ]  # fmt: skip


def bench_app() -> Any:
    """uvicorn factory: the platform's API with these settings from the environment."""
    return create_app(load_settings())


def _documents(seed: int, start: int, count: int) -> list[tuple[str, dict[str, Any]]]:
    market = SyntheticMarket(seed=seed, sellers=2000)
    sellers = {s["id"]: seller_summary(s) for s in market.seller_rows}
    market.rng.seed(seed * 1_000_003 + start)
    rows = [market.car(market.seller_rows[n % 2000], start + n) if n % 9 else
            market.part(market.seller_rows[n % 2000], start + n) for n in range(count)]  # fmt: skip
    return [(r["id"], listing_document(r, sellers[r["seller_id"]], listing_lsn=1, seller_lsn=1))
            for r in rows]  # fmt: skip


async def load_catalog(settings: Settings, listings: int) -> None:
    es = async_client(settings, timeout=300.0)
    try:
        index = await ensure_catalog(es, settings)
        if (await es.count(index=index))["count"] >= listings:
            return
        await es.indices.put_settings(index=index, settings={"refresh_interval": "-1"})
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=2) as pool:
            chunks = [
                loop.run_in_executor(pool, _documents, 17, start, min(CHUNK, listings - start))
                for start in range(0, listings, CHUNK)
            ]
            meta = {"_index": index, "version": 1, "version_type": "external_gte"}
            for chunk in chunks:
                documents = await chunk
                await bulk_write(es, [(meta | {"_id": i}, d) for i, d in documents])
        await es.indices.put_settings(index=index, settings={"refresh_interval": "1s"})
        await es.indices.refresh(index=index)
        await es.indices.forcemerge(index=index, max_num_segments=1)
        rate = listings / (time.perf_counter() - started)
        typer.echo(f"loaded {listings} listings ({rate:.0f} docs/s)")
    finally:
        await es.close()


async def run_load(
    call: Callable[[dict[str, Any]], Awaitable[None]], queries: list[dict[str, Any]],
    requests: int, concurrency: int, *, first: int = 0,
) -> tuple[list[float], float]:  # fmt: skip
    """``requests`` calls from ``concurrency`` closed-loop clients, the queries in turn from
    the ``first``; each call's latency (ms) and the calls per second."""
    latencies: list[float] = []
    counter = iter(range(first, first + requests))

    async def client() -> None:
        for n in counter:
            began = time.perf_counter()
            await call(queries[n % len(queries)])
            latencies.append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, requests / (time.perf_counter() - started)


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process and its live children (None: not ours to see)."""
    if pid is None:
        return None
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in processes)
    except psutil.Error:
        return None


JIT_THREADS = ("C1 CompilerThre", "C2 CompilerThre")
GC_THREADS = ("GC Thread", "G1 ")
JIT_QUIET_CPU = 0.05  # s of JIT CPU per s: the compiler has caught up
JIT_SETTLE_WITHIN = 120.0


def jvm_seconds(pid: int | None) -> tuple[float, float] | None:
    """CPU time (user + system) of a JVM and its children, split in two: its JIT compiler
    threads, and every other thread but GC's ("work"), from Linux's ``/proc`` (thread names
    there are cut at 15 characters). None when not ours to see.

    Elasticsearch's JIT compiler keeps compiling through a run and seconds after it, at a
    rate set by the time under load more than by the number of searches: counted per search,
    it charges the slower side for its longer run (the API side, with the same searches,
    counted ~3 ms more of it per search at 200 000 listings, load ~9).
    """
    if pid is None:
        return None
    try:
        root = psutil.Process(pid)
        pids = [root.pid, *(p.pid for p in root.children(recursive=True))]
    except psutil.Error:
        return None
    jit = work = 0
    for process in pids:
        tasks = Path(f"/proc/{process}/task")
        for task in tasks.iterdir() if tasks.is_dir() else ():
            try:
                name = (task / "comm").read_text().rstrip("\n")
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # the thread ended meanwhile
                continue
            ticks = int(fields[11]) + int(fields[12])  # utime, stime
            if name.startswith(JIT_THREADS):
                jit += ticks
            elif not name.startswith(GC_THREADS):
                work += ticks
    per_second = os.sysconf("SC_CLK_TCK")
    return jit / per_second, work / per_second


def jvm_work_seconds(pid: int | None) -> float | None:
    seconds = jvm_seconds(pid)
    return None if seconds is None else seconds[1]


async def jit_settled(pid: int | None) -> bool:
    """Whether the JVM's JIT compiler used under ``JIT_QUIET_CPU`` of a core this second
    (after the warm-up it compiles a backlog for a while, taking CPU from the measured side)."""
    before = jvm_seconds(pid)
    await asyncio.sleep(1.0)
    after = jvm_seconds(pid)
    return before is None or after is None or after[0] - before[0] < JIT_QUIET_CPU


def own_cpu_seconds() -> float:
    """User + system CPU time of this process (the load generator)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def summary(latencies: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49], cuts[98]


async def create_behaviour_topics(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        names = [
            settings.streams_topic_prefix + t for t in (SEARCHES, RESULT_CLICKS, LISTING_VIEWS)
        ]
        existing = await admin.list_topics()
        await admin.create_topics([NewTopic(n, 1, 1) for n in names if n not in existing])
    finally:
        await admin.close()


ES_WARM_UP_SEARCHES = 2000  # straight to ES, after the API's warm-up (see measure)
SLICES = 4  # per side and concurrency level, alternating API / straight


def slices(requests: int) -> list[tuple[int, int]]:
    """``requests`` cut into ``SLICES`` runs: (first query, searches) of each."""
    bounds = [requests * n // SLICES for n in range(SLICES + 1)]
    return [(low, high - low) for low, high in itertools.pairwise(bounds) if high > low]


def _spent(pair: tuple[float | None, float | None]) -> float | None:
    before, after = pair
    return None if before is None or after is None else after - before


@dataclass
class SideTotals:
    """One side's slices added up: latencies, time under load, CPU seconds (None: not seen)."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    searches: int = 0
    es_seconds: float | None = 0.0  # Elasticsearch, every thread
    work_seconds: float | None = 0.0  # Elasticsearch without JIT and GC
    own_seconds: float | None = 0.0  # this load generator
    process_seconds: float | None = 0.0  # the side's own process (the API's uvicorn)

    def add(
        self, latencies: list[float], seconds: float, *,
        es: tuple[float | None, float | None], work: tuple[float | None, float | None],
        own: tuple[float | None, float | None], process: tuple[float | None, float | None],
    ) -> None:  # fmt: skip
        self.latencies += latencies
        self.seconds += seconds
        self.searches += len(latencies)
        for name, pair in (("es_seconds", es), ("work_seconds", work), ("own_seconds", own),
                           ("process_seconds", process)):  # fmt: skip
            total, spent = getattr(self, name), _spent(pair)
            setattr(self, name, None if total is None or spent is None else total + spent)

    def per_request_ms(self, seconds: float | None) -> float | None:
        return None if seconds is None or not self.searches else seconds * 1000 / self.searches


async def measure(
    settings: Settings, port: int, requests: int, levels: list[int], api_pid: int | None = None
) -> list[ConcurrencyLevel]:
    queries = query_mix()
    results: list[ConcurrencyLevel] = []
    errors: list[int] = []
    es = async_client(settings, timeout=30.0)
    base = f"http://127.0.0.1:{port}"
    # aiohttp, as under the Elasticsearch client of the other side: httpx cost this process
    # ~4x the CPU per request (5.7 vs 1.4 ms), taken from the API on a 2-core machine
    connector = aiohttp.TCPConnector(limit=max(levels))
    timeout = aiohttp.ClientTimeout(total=30.0)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as api:

        async def through_api(params: dict[str, Any]) -> None:
            query = {name: str(value) for name, value in params.items()}
            try:
                async with api.get("/search", params=query) as response:
                    await response.read()
            except (aiohttp.ClientError, TimeoutError):
                errors.append(0)
                return
            if not response.ok:
                errors.append(response.status)

        async def straight_to_es(params: dict[str, Any]) -> None:
            # the API's requests: hits, then facets and total, in one _msearch
            searches = search_requests(search_request(params), settings.catalog_alias)
            await es.msearch(searches=ndjson_lines(searches))

        # warm both paths with as many clients as the largest level: warmed with 8, the first
        # ~100 searches at 32 waited 1-3 s on the API's Elasticsearch call (ES's took 6-120 ms)
        # while the new connections opened (docs/SEARCH.md). Then Elasticsearch's own code,
        # which is the same on both paths: a fresh node's searches cost it several times
        # more CPU (interpreted and profiling code) until the JIT has compiled them
        await run_load(through_api, queries, 200, max(levels))
        await run_load(straight_to_es, queries, ES_WARM_UP_SEARCHES, max(levels))
        es_pid = read_pid(settings.run_dir / "elasticsearch.pid")

        async def settle() -> None:
            """Each slice starts once Elasticsearch's JIT compiler has caught up (with the
            warm-up, or the other side's slice): its backlog would slow the side measured."""
            try:
                await eventually(lambda: jit_settled(es_pid), within=JIT_SETTLE_WITHIN, every=0)
            except AssertionError:
                typer.echo(f"Elasticsearch's JIT compiler busy for {JIT_SETTLE_WITHIN:.0f} s")

        for level in levels:
            via_api, direct = SideTotals(), SideTotals()
            for first, size in slices(requests):
                # the sides alternate in slices, so Elasticsearch's JIT still warming up
                # (its CPU per search keeps falling for minutes) weighs on both alike
                for side, call, cpu_pid in ((via_api, through_api, api_pid),
                                            (direct, straight_to_es, None)):  # fmt: skip
                    await settle()
                    es0, work0 = cpu_seconds(es_pid), jvm_work_seconds(es_pid)
                    own0, process0 = own_cpu_seconds(), cpu_seconds(cpu_pid)
                    latencies, rate = await run_load(call, queries, size, level, first=first)
                    own1, process1 = own_cpu_seconds(), cpu_seconds(cpu_pid)
                    await settle()  # each slice's ES CPU includes the JIT work it left behind
                    es1, work1 = cpu_seconds(es_pid), jvm_work_seconds(es_pid)
                    side.add(latencies, size / rate, es=(es0, es1), work=(work0, work1),
                             own=(own0, own1), process=(process0, process1))  # fmt: skip
            api_lat, es_lat = via_api.latencies, direct.latencies
            api_rate, es_rate = requests / via_api.seconds, requests / direct.seconds
            (a50, a99), (e50, e99) = summary(api_lat), summary(es_lat)
            api_cpu = via_api.per_request_ms(via_api.process_seconds)
            es_cpu_api = via_api.per_request_ms(via_api.es_seconds)
            es_cpu = direct.per_request_ms(direct.es_seconds)
            es_work_api = via_api.per_request_ms(via_api.work_seconds)
            es_work = direct.per_request_ms(direct.work_seconds)
            own_api = via_api.per_request_ms(via_api.own_seconds)
            own_es = direct.per_request_ms(direct.own_seconds)
            load = os.getloadavg()[0]
            typer.echo(f"{level:>3} clients  API p50 {a50:6.1f} ms  p99 {a99:6.1f} ms  "
                       f"{api_rate:6.0f} req/s | ES p50 {e50:6.1f} ms  p99 {e99:6.1f} ms  "
                       f"{es_rate:6.0f} req/s | overhead p50 x{a50 / e50:.2f} p99 x{a99 / e99:.2f} "
                       f"throughput x{es_rate / api_rate:.2f} | errors {len(errors)}")  # fmt: skip
            typer.echo(f"    CPU per search: API process {api_cpu or 0:.1f} ms, "
                       f"ES {es_cpu_api or 0:.1f} ms (through the API) / {es_cpu or 0:.1f} ms "
                       f"(straight); without JIT and GC {es_work_api or 0:.1f} / "
                       f"{es_work or 0:.1f} ms; load generator {own_api or 0:.1f} / "
                       f"{own_es or 0:.1f} ms | load {load:.2f}")  # fmt: skip
            results.append(ConcurrencyLevel(
                clients=level, api_p50_ms=a50, api_p99_ms=a99, api_requests_per_s=api_rate,
                es_p50_ms=e50, es_p99_ms=e99, es_requests_per_s=es_rate, errors=len(errors),
                api_cpu_ms=api_cpu, es_cpu_ms_through_api=es_cpu_api, es_cpu_ms=es_cpu,
                es_work_cpu_ms_through_api=es_work_api, es_work_cpu_ms=es_work,
                generator_cpu_ms_api=own_api, generator_cpu_ms_es=own_es, load_average=load,
            ))  # fmt: skip
            errors.clear()
    await es.close()
    return results


API_APP = ("benchmarks.search_latency:bench_app", "--factory")
FLOOR_APP = ("benchmarks.search_floor_app:app",)


def start_api(
    settings: Settings, port: int, app: tuple[str, ...] = API_APP
) -> subprocess.Popen[bytes]:
    """uvicorn (one process) serving the real API (or ``FLOOR_APP``); rate limits off for the
    load test."""
    env = os.environ | {
        "SOUK_CATALOG_ALIAS": settings.catalog_alias,
        "SOUK_STREAMS_TOPIC_PREFIX": settings.streams_topic_prefix,
        "SOUK_RATE_LIMITS_ENABLED": "false",
        "SOUK_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", *app, "--port", str(port), "--log-level",
               "warning", "--no-access-log"]  # fmt: skip
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)


async def wait_until_serving(port: int, path: str = "/suggest?q=to") -> None:
    async def serving() -> bool:
        try:
            async with (
                aiohttp.ClientSession() as probe,
                probe.get(f"http://127.0.0.1:{port}{path}") as response,
            ):
                return response.ok
        except aiohttp.ClientError:
            return False

    await eventually(serving, within=300, every=0.5)  # importing the whole API takes a while


async def main(args: argparse.Namespace) -> SearchLatencyResult:
    base = load_settings()
    settings = base.model_copy(update={"catalog_alias": args.alias,
                                       "streams_topic_prefix": f"{args.alias}."})  # fmt: skip
    await load_catalog(settings, args.listings)
    await create_behaviour_topics(settings)
    floor: list[ConcurrencyLevel] = Field(default_factory=list)
    try:
        server = start_api(settings, args.port)
        try:
            await wait_until_serving(args.port)
            levels = await measure(
                settings, args.port, args.requests, args.concurrency, api_pid=server.pid
            )
        finally:
            server.terminate()
            server.wait(timeout=20)
        if args.floor:
            typer.echo("the floor: a bare ASGI app sending the same _msearch (search_floor_app)")
            server = start_api(settings, args.port, FLOOR_APP)
            try:
                await wait_until_serving(args.port, "/search?q=toyota")
                floor = await measure(
                    settings, args.port, args.requests, args.concurrency, api_pid=server.pid
                )
            finally:
                server.terminate()
                server.wait(timeout=20)
    finally:
        if not args.keep:
            es = async_client(settings)
            await drop_catalog(es, settings)
            await es.close()
    return SearchLatencyResult(listings=args.listings, requests=args.requests, levels=levels,
                               floor=floor)  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--listings", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=2000, help="per concurrency level and path")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--alias", default="bench-search-catalog")
    parser.add_argument("--port", type=int, default=18081)
    parser.add_argument("--keep", action="store_true", help="keep the loaded index for next time")
    parser.add_argument("--json", type=Path, help="write the result as JSON to PATH")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="then the same load through a bare ASGI app sending the same "
        "_msearch (benchmarks/search_floor_app.py): the floor of any Python hop",
    )
    arguments = parser.parse_args()
    result = asyncio.run(main(arguments))
    if arguments.json:
        result.write_json(arguments.json)
