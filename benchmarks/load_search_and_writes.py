"""Sustained load: buyers searching and sellers writing at stated rates, held for minutes.

Drives the running API with locust (headless, its own process): anonymous buyers search
(Arabic, English, misspelt, filters, facets, sorts; the judged queries of
``benchmarks/search_queries.py``), type into suggest and open listings; demo sellers signed in
through ``/auth/login`` publish cars, change prices and mark cars sold; demo buyers send leads
and place orders they cancel. Meanwhile, every few seconds, it samples the memory of every
process (PostgreSQL, Kafka, Elasticsearch, API, relay, Faust worker, locust), the Faust groups'
consumer lag per topic and the relay slot's lag. It reports requests, achieved rate and
p50/p95/p99 per kind, errors by kind, peak and final memory, and whether the lag stayed
bounded; it draws a PNG time series and, with ``--json``, writes the result.

It runs against the demo platform (``souk demo up``), reused when it answers, else started
here (services, relay, Faust worker, API; no Dagster) with a small generated market, and
stops what it started. ``--namespace`` runs on a platform of its own instead (own database,
slot, topics, index, consumer group, ports), dropped at the end (the smoke test uses it).

    .venv/bin/python -m benchmarks.load_search_and_writes --duration 300     # the 5-minute run
    .venv/bin/python -m benchmarks.load_search_and_writes --search-rps 5 --write-rps 1 \\
        --contact-rps 0.5 --duration 60 --json load.json --plot load.png

Rate limits: an API started here gets its limits raised to 4x the run's per-minute rate
(``SOUK_RATE_LIMIT_*``, listed in the report) so no request meets a 429; a reused API keeps
its own limits, and any 429 counts as an error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import typer

from benchmarks.market_load import platform as load_platform
from benchmarks.market_load.plan import (
    BUYER_KINDS,
    CONTACT_KINDS,
    PLAN_VARIABLE,
    SELLER_KINDS,
    LoadPlan,
    users_for,
)
from benchmarks.market_load.plot import plot_run
from benchmarks.market_load.sampling import ConsumerLagProbe, relay_lag_bytes, tree_memory
from benchmarks.market_load.summary import (
    TOTAL,
    KindSummary,
    LagVerdict,
    LatencyWindow,
    ProcessMemory,
    Sample,
    consumer_lag_verdicts,
    error_kinds,
    latency_windows,
    load_seconds,
    memory_summary,
    read_requests,
    relay_lag_verdict,
    summarise_kinds,
)
from benchmarks.results import BenchmarkResult, Chart, Figure, Target
from souk.logs import configure_logging
from souk.settings import PROJECT_ROOT, Settings, load_settings

log = logging.getLogger(__name__)
LOCUSTFILE = Path(__file__).parent / "market_load" / "locustfile.py"
GROUPS = {kind: "buyers browsing" for kind in BUYER_KINDS}
GROUPS |= {kind: "sellers writing" for kind in SELLER_KINDS}
GROUPS |= {kind: "buyers contacting" for kind in CONTACT_KINDS}
RATE_LIMIT_HEADROOM = 4
# Locust's own --run-time counts its start-up (seconds on a busy machine); we stop it
# ourselves the duration after its first request, and give --run-time this margin on top.
LOCUST_START_ALLOWANCE_S = 120


class LoadResult(BenchmarkResult):
    started_at: str
    duration_s: float  # first request to the deadline we stopped locust at (or last answer)
    target_rps: dict[str, float]  # search (browsing buyers), write (sellers), contact (buyers)
    users: dict[str, int]  # locust users per class
    active_listings: int
    started_processes: list[str]  # what the benchmark started (the rest was reused)
    namespace: str | None
    rate_limits: dict[str, str] | None  # what the API we started was given; None: reused API
    cpu_count: int
    load_average_before: list[float]
    load_average_after: list[float]
    kinds: list[KindSummary]  # per request kind, then "total"
    errors: dict[str, int]  # "<kind>: <status or exception>" → count
    memory: list[ProcessMemory]
    consumer_lag: list[LagVerdict]  # per "<group> <topic>", then "total" (the verdict)
    relay_lag: LagVerdict
    lag_bounded: bool  # consumer total and relay slot both bounded
    drained_after_s: float | None  # after the load stopped, until the consumer lag ≤ bound
    samples: list[Sample]
    latency: list[LatencyWindow]  # p50/p99 per window and group
    plot: str | None

    def figures(self) -> list[Figure]:
        figures: list[Figure] = []
        for k in sorted(self.kinds, key=lambda k: k.kind != TOTAL):  # all requests first
            figures += [
                Figure(f"{k.kind}: p50", k.p50_ms, "ms"),
                Figure(f"{k.kind}: p99", k.p99_ms, "ms"),
                Figure(f"{k.kind}: achieved rate", k.per_second, "req/s"),
            ]
        figures.append(Figure("errors (non-2xx other than expected 4xx)",
                              sum(self.errors.values()), ""))  # fmt: skip
        figures += [Figure(f"peak memory (PSS): {m.process}", m.peak_pss_mb, "MiB")
                    for m in self.memory]  # fmt: skip
        total, relay = self.consumer_lag[-1], self.relay_lag
        figures += [
            Figure("max consumer lag (all Faust topics)", total.max, "records"),
            Figure("consumer lag at the end", total.final, "records"),
            Figure("consumer lag stayed bounded (1 yes, 0 no)", float(total.bounded), "",
                   Target(">=", 1, f"(ends ≤ {total.bound:.0f}, grows < ¼ of it)")),
            Figure("max relay slot lag", relay.max / 1024, "KiB"),
        ]  # fmt: skip
        return figures

    def charts(self) -> list[Chart]:
        kinds = [k for k in self.kinds if k.kind != TOTAL]
        return [
            Chart("load-latency", f"Latency per request kind under {self.duration_s:.0f} s of "
                  "sustained load", "bars", "ms", categories=[k.kind for k in kinds],
                  series={"p50": [k.p50_ms for k in kinds], "p95": [k.p95_ms for k in kinds],
                          "p99": [k.p99_ms for k in kinds]}, horizontal=True),
            Chart("load-memory", "Peak memory per process under sustained load (PSS)", "bars",
                  "MiB", categories=[m.process for m in self.memory],
                  series={"peak": [m.peak_pss_mb for m in self.memory],
                          "final": [m.final_pss_mb for m in self.memory]}, horizontal=True),
        ]  # fmt: skip

    def notes(self) -> list[str]:
        target = ", ".join(f"{k} {v:g}/s" for k, v in self.target_rps.items())
        achieved = next((k.per_second for k in self.kinds if k.kind == TOTAL), 0.0)
        errors = ", ".join(f"{k} ×{n}" for k, n in self.errors.items()) or "none"
        limits = "raised to 4× the run's rates" if self.rate_limits else "the reused API's own"
        return [
            f"Target rates {target}; achieved {achieved:g} req/s in all with {self.users} "
            f"locust users; {self.active_listings} active listings; rate limits {limits}.",
            f"Errors: {errors}.",
            f"Consumer lag back under its bound {self.drained_after_s} s after the load."
            if self.drained_after_s is not None
            else "Consumer lag did not get back under its bound within the wait after the load.",
        ]


def rate_limit_environment(args: argparse.Namespace, settings: Settings) -> dict[str, str]:
    """Limits RATE_LIMIT_HEADROOM times the run's per-minute rates (never below the
    defaults), so a 429 means the limiter misjudged, not that the load was too high."""

    def per_minute(rate: float, default: int) -> str:
        return str(max(default, math.ceil(rate * 60 * RATE_LIMIT_HEADROOM)))

    writes = args.write_rps + 2 * args.contact_rps  # an order is placed, then cancelled
    s = settings
    return {
        "SOUK_RATE_LIMIT_SEARCH_PER_IP": per_minute(args.search_rps, s.rate_limit_search_per_ip),
        "SOUK_RATE_LIMIT_SEARCH_PER_USER": per_minute(
            args.search_rps, s.rate_limit_search_per_user
        ),
        "SOUK_RATE_LIMIT_WRITE_PER_IP": per_minute(writes, s.rate_limit_write_per_ip),
        "SOUK_RATE_LIMIT_WRITE_PER_USER": per_minute(writes, s.rate_limit_write_per_user),
        "SOUK_RATE_LIMIT_LOGIN_PER_IP": per_minute(1, s.rate_limit_login_per_ip),
        "SOUK_ACCESS_LOG_ENABLED": "false",
    }


def first_request_at(requests_file: Path) -> float | None:
    """When locust sent its first request (the requests file's first line), if it has."""
    try:
        with requests_file.open() as lines:
            first = lines.readline()
    except FileNotFoundError:
        return None
    return float(first.split(",")[0]) if first.endswith("\n") else None


def take_sample(
    started: float, platform: load_platform.Platform, extra_pids: dict[str, int],
    lag: dict[str, int],
) -> Sample:  # fmt: skip
    rss: dict[str, float] = {}
    pss: dict[str, float] = {}
    for name, pid in (platform.pids() | extra_pids).items():
        memory = tree_memory(pid)
        if memory is not None:
            rss[name], pss[name] = memory.rss_mb, memory.pss_mb
    return Sample(t=round(time.time() - started, 1), rss_mb=rss, pss_mb=pss, consumer_lag=lag,
                  relay_lag_bytes=relay_lag_bytes(platform.settings))  # fmt: skip


async def run_load(
    args: argparse.Namespace, platform: load_platform.Platform, workdir: Path
) -> LoadResult:
    settings = platform.settings
    sellers = max(1, min(args.sellers, users_for(args.write_rps)))
    logins = load_platform.sign_in(platform, sellers=sellers, buyers=args.buyers)
    plan = LoadPlan(
        base_url=platform.base_url, search_rps=args.search_rps, write_rps=args.write_rps,
        contact_rps=args.contact_rps, seller_tokens=logins.sellers, buyer_tokens=logins.buyers,
        listing_ids=logins.listing_ids, requests_file=workdir / "requests.csv", seed=args.seed,
    )  # fmt: skip
    plan.write(workdir / "plan.json")
    users = {
        "buyers browsing": users_for(args.search_rps),
        "sellers writing": users_for(args.write_rps) if logins.sellers else 0,
        "buyers contacting": users_for(args.contact_rps) if logins.buyers else 0,
    }
    total_users = max(1, sum(users.values()))
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
               "--users", str(total_users), "--spawn-rate", str(total_users),
               "--run-time", f"{args.duration + LOCUST_START_ALLOWANCE_S}s",
               "--stop-timeout", "10", "--only-summary",
               "--loglevel", "WARNING"]  # fmt: skip
    probe = ConsumerLagProbe(settings)
    await probe.start()
    load_before = [round(x, 2) for x in os.getloadavg()]
    with (workdir / "locust.log").open("wb") as locust_log:
        started = time.time()
        locust = await asyncio.create_subprocess_exec(
            *command, cwd=PROJECT_ROOT, stdout=locust_log, stderr=locust_log,
            env=os.environ | {PLAN_VARIABLE: str(workdir / "plan.json")},
        )  # fmt: skip
        log.info("→ load for %ds: %s users (pid %d)", args.duration, users, locust.pid)
        samples: list[Sample] = []
        deadline: float | None = None  # the first request + the duration
        try:
            while locust.returncode is None:
                if deadline is None:
                    first_request = first_request_at(plan.requests_file)
                    deadline = None if first_request is None else first_request + args.duration
                elif deadline is not None and time.time() >= deadline:
                    locust.terminate()  # locust stops its users and quits gracefully
                    await asyncio.wait_for(locust.wait(), timeout=60)
                    break
                lag = await probe.read()
                samples.append(take_sample(started, platform, {"locust": locust.pid}, lag))
                last = samples[-1]
                log.info("  t=%4.0fs consumer lag %d, relay lag %s bytes", last.t,
                         sum(last.consumer_lag.values()), last.relay_lag_bytes)  # fmt: skip
                pause = args.sample_seconds if deadline is None else max(
                    0.1, min(args.sample_seconds, deadline - time.time()))  # fmt: skip
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(locust.wait(), timeout=pause)
        finally:
            if locust.returncode is None:
                locust.terminate()
                await locust.wait()
        ended = time.time()
        load_after = [round(x, 2) for x in os.getloadavg()]
        drained = None
        while time.time() - ended < args.drain_seconds:
            if sum((await probe.read()).values()) <= args.lag_bound:
                drained = round(time.time() - ended, 1)
                break
            await asyncio.sleep(1)
        await probe.close()
    # 1: some requests failed, which the report shows; -15: stopped by our SIGTERM
    if locust.returncode not in (0, 1, -signal.SIGTERM):
        tail = (workdir / "locust.log").read_text()[-2000:]
        raise RuntimeError(f"locust exited with {locust.returncode}:\n{tail}")
    records = read_requests(plan.requests_file)
    duration = load_seconds(records) or ended - started
    if deadline is not None:  # we held the load from the first request until the deadline
        duration = max(duration, min(ended, deadline) - (deadline - args.duration))
    # Time zero is the first request (locust takes a while to start): earlier samples are
    # the platform before the load, at negative times.
    first = min((r.started_at for r in records), default=started)
    samples = [sample.model_copy(update={"t": round(sample.t - (first - started), 1)})
               for sample in samples]  # fmt: skip
    under_load = [sample for sample in samples if sample.t >= 0]  # the verdicts' samples
    consumer = consumer_lag_verdicts(under_load, args.lag_bound)
    relay = relay_lag_verdict(under_load, args.relay_lag_bound_mb * 1024 * 1024)
    return LoadResult(
        started_at=datetime.fromtimestamp(first, UTC).isoformat(timespec="seconds"),
        duration_s=round(duration, 1),
        target_rps={
            "search": args.search_rps,
            "write": args.write_rps,
            "contact": args.contact_rps,
        },
        users=users,
        active_listings=load_platform.active_listings(settings),
        started_processes=platform.services_started + platform.started,
        namespace=platform.namespace,
        rate_limits=None if platform.reused_api else rate_limit_environment(args, settings),
        cpu_count=os.cpu_count() or 0,
        load_average_before=load_before,
        load_average_after=load_after,
        kinds=summarise_kinds(records, duration),
        errors=error_kinds(records),
        memory=memory_summary(samples),
        consumer_lag=consumer,
        relay_lag=relay,
        lag_bounded=consumer[-1].bounded and relay.bounded,
        drained_after_s=drained,
        samples=samples,
        latency=latency_windows(records, GROUPS, first, max(args.sample_seconds, 5.0)),
        plot=None,
    )


def print_report(result: LoadResult) -> None:
    typer.echo(f"\nSustained load, {result.duration_s:.0f} s, load average "
          f"{result.load_average_before} → {result.load_average_after} on {result.cpu_count} "
          f"CPUs; {result.active_listings} active listings; users {result.users}")  # fmt: skip
    typer.echo(f"rate limits: {result.rate_limits or 'the reused API own'}")
    typer.echo(f"\n{'kind':<16}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}{'4xx ok':>8}{'errors':>8}")  # fmt: skip
    for k in result.kinds:
        typer.echo(f"{k.kind:<16}{k.requests:>9}{k.per_second:>8.2f}{k.p50_ms:>9.1f}{k.p95_ms:>9.1f}"
              f"{k.p99_ms:>9.1f}{k.max_ms:>9.1f}{k.expected_4xx:>8}{k.errors:>8}")  # fmt: skip
    typer.echo("\nerrors: " + (", ".join(f"{k} ×{n}" for k, n in result.errors.items()) or "none"))
    typer.echo(
        f"\n{'process':<16}{'peak RSS':>10}{'final RSS':>11}{'peak PSS':>10}{'final PSS':>11}  MiB"
    )
    for m in result.memory:
        typer.echo(f"{m.process:<16}{m.peak_rss_mb:>10.0f}{m.final_rss_mb:>11.0f}"
              f"{m.peak_pss_mb:>10.0f}{m.final_pss_mb:>11.0f}")  # fmt: skip
    typer.echo(f"\n{'lag series':<52}{'max':>10}{'final':>10}{'growth':>10}{'bound':>10}  bounded")
    for v in [*result.consumer_lag, result.relay_lag]:
        typer.echo(f"{v.series:<52}{v.max:>10.0f}{v.final:>10.0f}{v.growth_last_half:>10.0f}"
              f"{v.bound:>10.0f}  {'yes' if v.bounded else 'NO'} ({v.unit})")  # fmt: skip
    drained = (
        f"{result.drained_after_s} s"
        if result.drained_after_s is not None
        else "not within the wait"
    )
    typer.echo(
        f"lag stayed bounded: {'yes' if result.lag_bounded else 'NO'}; "
        f"consumer lag back under the bound after the load: {drained}"
    )
    if result.plot:
        typer.echo(f"plot: {result.plot}")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.load_search_and_writes",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument(
        "--search-rps",
        type=float,
        default=50.0,
        help="buyers browsing: searches, suggestions, listing views per second (50)",
    )
    p.add_argument(
        "--write-rps",
        type=float,
        default=10.0,
        help="sellers: create listing, change price, mark sold per second (10)",
    )
    p.add_argument(
        "--contact-rps",
        type=float,
        default=2.0,
        help="signed-in buyers: leads and orders (placed then cancelled) per second (2)",
    )
    p.add_argument("--duration", type=int, default=300, help="seconds of load (300)")
    p.add_argument(
        "--sample-seconds",
        type=float,
        default=5.0,
        help="seconds between memory and lag samples (5)",
    )
    p.add_argument(
        "--lag-bound",
        type=float,
        default=500,
        help="records: the consumer lag (all Faust topics together) must end at or "
        "under it and grow less than a quarter of it over the last half (500)",
    )
    p.add_argument(
        "--relay-lag-bound-mb",
        type=float,
        default=64,
        help="the same for the relay slot's lag, in MiB of WAL (64)",
    )
    p.add_argument(
        "--drain-seconds",
        type=float,
        default=60,
        help="after the load, how long to wait for the consumer lag to get under the bound (60)",
    )
    p.add_argument(
        "--listings",
        type=int,
        default=2000,
        help="listings to generate when the database is empty (2000)",
    )
    p.add_argument("--sellers", type=int, default=20, help="demo sellers to sign in (at most 20)")
    p.add_argument("--buyers", type=int, default=10, help="demo buyers to sign in (10)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument(
        "--namespace",
        default=None,
        help="run on an isolated platform of this name (lowercase), dropped at the end",
    )
    p.add_argument("--json", type=Path, default=None, help="write the result as JSON here")
    p.add_argument(
        "--plot",
        type=Path,
        default=Path(".local/benchmarks/load_search_and_writes.png"),
        help="the PNG time series (.local/benchmarks/load_search_and_writes.png)",
    )
    return p  # fmt: skip


def main(argv: list[str] | None = None) -> LoadResult:
    args = parser().parse_args(argv)
    settings = load_settings()
    configure_logging("INFO", plain=True)
    platform = load_platform.bring_up(
        settings, listings=args.listings, seed=args.seed,
        api_env=rate_limit_environment(args, settings), namespace=args.namespace,
    )  # fmt: skip
    try:
        with tempfile.TemporaryDirectory(prefix="souk-load-") as workdir:
            result = asyncio.run(run_load(args, platform, Path(workdir)))
    finally:
        load_platform.stop(platform)
    title = (f"{result.duration_s:.0f} s at {args.search_rps:g} browse + {args.write_rps:g} "
             f"write + {args.contact_rps:g} contact req/s, load average "
             f"{result.load_average_after[0]}")  # fmt: skip
    result.plot = str(plot_run(args.plot, title, result.latency, result.samples))
    print_report(result)
    if args.json:
        result.write_json(args.json)
    return result


if __name__ == "__main__":
    main()
