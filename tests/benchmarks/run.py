"""`make bench`: how fast the service places orders, next to two references measured in the same run.

Builds a dedicated database (10,000 products, 5 warehouses, stock for every product everywhere), then for
each scenario (spread: any product; hot: 5 products) and client count runs
  - pgbench with the transaction PlaceOrder performs (place_order.pgbench.sql): PostgreSQL's own ceiling;
  - engines served by serve.py with production settings (JSON logs, access log), driven by wrk (orders.lua):
    "app" (main:create_app), "flat" (flat_app.py: the same transaction as one flat handler, no layers) and,
    with --ab REV, "rev" (the app of git revision REV, from a temporary worktree);
    with --front nginx, each behind the production nginx configuration;
each for a warm-up and a measured period, the engines' cells interleaved in rounds (A B, then B A, ...).
Before every cell the orders are cleared and the stock refilled; after it the invariants are checked in SQL.
Absolute numbers drift with the machine's load; read the ratios, which compare cells minutes or seconds
apart in one run (tests/benchmarks/README.md).
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from tests.benchmarks.dataset import invariants_hold, reset, seed
from tests.benchmarks.load import Cell, run_pgbench, run_wrk
from tests.benchmarks.servers import AppServer, NginxFront, migrate_checkout, revision_checkout
from tests.database import ROOT, create_database, database_server, database_url, migrate

RESULTS = ROOT / ".bench-results"
DATABASE = "order_service_bench"
# The rev engine's own database, migrated by its revision's migrations: a schema change cannot break it.
REV_DATABASE = "order_service_bench_rev"
HOT_PRODUCTS = 5
APP = "main:create_app"
FLAT_APP = "tests.benchmarks.flat_app:create_app"

# Goals at 2 workers: app / pgbench per (scenario, clients), and app / flat at 64 clients.
PGBENCH_TARGETS = {("spread", 64): 0.30, ("hot", 64): 0.50}
FLAT_TARGET = 0.85


# ------------------------------------------------------------------------------------------------ report


def median_cell(cells: list[Cell]) -> Cell:
    """One row for an engine's rounds: medians of the figures, all errors, the last peak RSS."""
    first = cells[0]
    return Cell(
        first.engine, first.scenario, first.concurrency, first.workers, len(cells),
        orders_per_second=statistics.median(c.orders_per_second for c in cells),
        p50_ms=statistics.median(c.p50_ms for c in cells), p99_ms=statistics.median(c.p99_ms for c in cells),
        cpu_ms_per_order=statistics.median(c.cpu_ms_per_order for c in cells),
        errors=sum(c.errors for c in cells), peak_rss_mb=cells[-1].peak_rss_mb,
        invariants_ok=all(c.invariants_ok for c in cells), load=max(c.load for c in cells),
        note="; ".join(sorted({c.note for c in cells if c.failed})),
    )  # fmt: skip


def summarize(cells: list[Cell]) -> list[Cell]:
    groups: dict[tuple[str, int, int, str], list[Cell]] = {}
    for c in cells:
        groups.setdefault((c.scenario, c.concurrency, c.workers, c.engine), []).append(c)
    return [median_cell(group) for group in groups.values()]


def reference(rows: list[Cell], row: Cell, engine: str) -> Cell | None:
    workers = 0 if engine == "pgbench" else row.workers
    return next(
        (r for r in rows if (r.scenario, r.concurrency, r.workers, r.engine) == (row.scenario, row.concurrency,
                                                                               workers, engine)),
        None,
    )  # fmt: skip


def ratio(rows: list[Cell], row: Cell, engine: str) -> float | None:
    ref = reference(rows, row, engine)
    if ref is None or ref is row or not ref.orders_per_second:
        return None
    return row.orders_per_second / ref.orders_per_second


def markdown(rows: list[Cell], references: list[str]) -> str:
    head = ["scenario", "clients", "workers", "engine", "orders/s", "p50 ms", "p99 ms", "CPU ms/order", "errors",
            "peak RSS MB/worker", *[f"x {r}" for r in references], "load", "ok"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in rows:
        rss = ", ".join(f"{r:.0f}" for r in c.peak_rss_mb) or "-"
        ratios = [ratio(rows, c, r) for r in references]
        values = [c.scenario, c.concurrency, c.workers or "-", c.engine, f"{c.orders_per_second:.0f}",
                  f"{c.p50_ms:.1f}", f"{c.p99_ms:.1f}", f"{c.cpu_ms_per_order:.2f}" if c.workers else "-",
                  c.errors, rss,
                  *[f"{x:.2f}" if x is not None else "-" for x in ratios], f"{c.load:.1f}",
                  "FAILED: " + c.note if c.failed else "yes"]  # fmt: skip
        lines.append("| " + " | ".join(map(str, values)) + " |")
    return "\n".join(lines)


def paired(cells: list[Cell], key: tuple[str, int, int], other: str) -> list[tuple[Cell, Cell]]:
    """(app, other) cells of the same round, in one scenario, client count and worker count."""
    return [
        (a, o)
        for a in cells if (a.engine, a.scenario, a.concurrency, a.workers) == ("app", *key)
        for o in cells if (o.engine, o.scenario, o.concurrency, o.workers, o.round) == (other, *key, a.round)
        if o.orders_per_second and o.cpu_ms_per_order
    ]  # fmt: skip


def round_ratios(cells: list[Cell], others: list[str]) -> dict[tuple[str, int, int, str], list[tuple[float, float]]]:
    """app / each other engine per round, paired cells seconds apart: (orders/s ratio, CPU per order ratio)."""
    keys = dict.fromkeys((c.scenario, c.concurrency, c.workers) for c in cells if c.engine == "app")
    ratios = {
        (*key, other): [(a.orders_per_second / o.orders_per_second, a.cpu_ms_per_order / o.cpu_ms_per_order)
                        for a, o in paired(cells, key, other)]
        for key in keys for other in others
    }  # fmt: skip
    return {key: pairs for key, pairs in ratios.items() if pairs}


def ratio_lines(ratios: dict[tuple[str, int, int, str], list[tuple[float, float]]]) -> list[str]:
    lines = []
    for (scenario, clients, workers, other), pairs in ratios.items():
        rounds = ", ".join(f"{r:.2f}" for r, _ in pairs)
        speed, cpu = statistics.median(r for r, _ in pairs), statistics.median(c for _, c in pairs)
        lines.append(f"- {scenario}, c={clients}, {workers} workers: app / {other} = {speed:.2f} orders/s "
                     f"(rounds: {rounds}); CPU per order x {cpu:.2f}")  # fmt: skip
    return lines


def target_lines(rows: list[Cell], ratios: dict[tuple[str, int, int, str], list[tuple[float, float]]]) -> list[str]:
    lines = []
    for c in rows:
        if c.engine != "app" or c.workers != 2 or c.concurrency != 64:
            continue
        checks = []
        if (goal := PGBENCH_TARGETS.get((c.scenario, c.concurrency))) is not None:
            got = ratio(rows, c, "pgbench") or 0
            checks.append(f"x pgbench {got:.2f} >= {goal:.2f}: {'met' if got >= goal else 'MISSED'}")
        if pairs := ratios.get((c.scenario, c.concurrency, c.workers, "flat")):
            flat = statistics.median(r for r, _ in pairs)
            checks.append(f"app / flat {flat:.2f} >= {FLAT_TARGET:.2f}: {'met' if flat >= FLAT_TARGET else 'MISSED'}")
        if c.scenario == "spread":
            checks.append(f"p99 {c.p99_ms:.0f} ms <= 150: {'met' if c.p99_ms <= 150 else 'MISSED'}")
        peak = max(c.peak_rss_mb, default=0)
        checks.append(f"peak RSS {peak:.0f} MB <= 200: {'met' if peak <= 200 else 'MISSED'}")
        lines.append(f"- target, 2 workers, c={c.concurrency}, {c.scenario}: " + "; ".join(checks))
    return lines


# -------------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="one short round: 2 workers, c=16, spread")
    parser.add_argument("--seconds", type=int, default=10, help="measured time per cell")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured time before each cell")
    parser.add_argument("--rounds", type=int, default=2, help="cells per engine, interleaved (A B, B A, ...)")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--concurrency", default="16,64")
    parser.add_argument("--scenarios", default="spread,hot")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--engines", default="app,flat", help="served engines: app, flat")
    parser.add_argument("--ab", metavar="REV", help="also serve the app of git revision REV, as engine rev")
    parser.add_argument("--front", choices=["none", "nginx"], default="none", help="nginx in front of each server")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup, args.rounds, args.workers, args.concurrency, args.scenarios = (
            3, 1, 1, "2", "16", "spread")  # fmt: skip
    return args


class Engines:
    """Every server of the run, started together (in parallel) and kept until the end."""

    def __init__(self, stack: ExitStack, args: argparse.Namespace, url: str, ids: list[UUID]) -> None:
        self.names = args.engines.split(",")
        self.dsns = dict.fromkeys(self.names, database_url(DATABASE, driver="postgresql"))
        revision = None
        if args.ab:
            revision = stack.enter_context(revision_checkout(args.ab))
            self.names.append("rev")
            self.dsns["rev"] = database_url(REV_DATABASE, driver="postgresql")
            create_database(REV_DATABASE)
            migrate_checkout(revision, database_url(REV_DATABASE))
            asyncio.run(seed(self.dsns["rev"], len(ids), ids))
        self.urls: dict[tuple[str, int], str] = {}
        self.servers: dict[tuple[str, int], AppServer] = {}
        waiting: list[AppServer | NginxFront] = []
        for workers in map(int, args.workers.split(",")):
            for name in self.names:
                log = RESULTS / f"{name}-w{workers}.log"
                server = AppServer(database_url(REV_DATABASE) if name == "rev" else url, workers, log,
                                   app=FLAT_APP if name == "flat" else APP,
                                   app_dir=revision if name == "rev" else None)  # fmt: skip
                stack.callback(server.stop)
                self.servers[name, workers] = server
                self.urls[name, workers] = server.base_url
                waiting.append(server)
                if args.front == "nginx":
                    front = NginxFront(server.port, RESULTS / f"{name}-w{workers}-nginx.log")
                    stack.callback(front.stop)
                    self.urls[name, workers] = front.base_url
                    waiting.append(front)
        for process in waiting:
            process.wait_ready()


def measure(cell: Cell, engines: Engines, args: argparse.Namespace, ids_file: Path) -> None:
    """One wrk cell on a fresh database: warm-up, measured run, the server's CPU per order, the invariants."""
    dsn = engines.dsns[cell.engine]
    asyncio.run(reset(dsn))
    key = (cell.engine, cell.workers)
    target, server = engines.urls[key], engines.servers[key]
    run_wrk(Cell(cell.engine, cell.scenario, cell.concurrency, cell.workers), target, ids_file, args.warmup)
    cpu_before = server.cpu_seconds()
    run_wrk(cell, target, ids_file, args.seconds)
    cpu = server.cpu_seconds() - cpu_before
    if cell.orders_per_second:
        cell.cpu_ms_per_order = 1000 * cpu / (cell.orders_per_second * args.seconds)
    cell.peak_rss_mb = server.peak_rss_mb()
    cell.finish(asyncio.run(invariants_hold(dsn)))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            print(f"{tool} is missing: `make bench-tools` installs it", file=sys.stderr)
            return 2
    RESULTS.mkdir(exist_ok=True)
    url = database_url(DATABASE)
    dsn = database_url(DATABASE, driver="postgresql")
    create_database(DATABASE)
    migrate(url)
    ids = asyncio.run(seed(dsn, args.products))
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    ids_files = {"spread": work / "spread.txt", "hot": work / "hot.txt"}
    ids_files["spread"].write_text("\n".join(map(str, ids)) + "\n")
    ids_files["hot"].write_text("\n".join(map(str, ids[:HOT_PRODUCTS])) + "\n")
    picks = {"spread": args.products, "hot": HOT_PRODUCTS}
    load_at_start = os.getloadavg()

    cells: list[Cell] = []
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        engines = Engines(stack, args, url, ids)
        for scenario in args.scenarios.split(","):
            for concurrency in map(int, args.concurrency.split(",")):
                asyncio.run(reset(dsn))
                run_pgbench(Cell("pgbench", scenario, concurrency), dsn, picks[scenario], args.warmup, work)
                baseline = Cell("pgbench", scenario, concurrency)
                run_pgbench(baseline, dsn, picks[scenario], args.seconds, work)
                baseline.finish(asyncio.run(invariants_hold(dsn)))
                cells.append(baseline)
                print(f"  {scenario} c={concurrency} pgbench: {baseline.orders_per_second:.0f}/s", flush=True)
                for workers in map(int, args.workers.split(",")):
                    for round_ in range(args.rounds):
                        for name in engines.names if round_ % 2 == 0 else engines.names[::-1]:
                            cell = Cell(name, scenario, concurrency, workers, round_)
                            measure(cell, engines, args, ids_files[scenario])
                            cells.append(cell)
                            print(f"  {scenario} c={concurrency} w={workers} {name} round {round_ + 1}: "
                                  f"{cell.orders_per_second:.0f}/s, {cell.cpu_ms_per_order:.2f} ms CPU/order "
                                  f"(load {cell.load:.1f})", flush=True)  # fmt: skip
        names = engines.names

    rows = summarize(cells)
    references = ["pgbench", *[n for n in ("flat", "rev") if n in names]]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    server = database_server()
    machine = f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, server {server}"
    conditions = (f"{args.seconds} s per cell after {args.warmup} s warm-up, {args.rounds} round(s) per engine, "
                  f"front: {args.front}{f', rev: {args.ab}' if args.ab else ''}; load average "
                  f"{load_at_start[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")  # fmt: skip
    print(f"\n## Order placement benchmark, {stamp}\n\n{machine}; {conditions}\n")
    print(markdown(rows, references))
    print()
    ratios = round_ratios(cells, [n for n in names if n != "app"])
    for line in ratio_lines(ratios) + target_lines(rows, ratios):
        print(line)
    output = RESULTS / f"bench-{stamp}.json"
    output.write_text(
        json.dumps(
            {"when": stamp, "machine": machine, "conditions": conditions, "args": vars(args),
             "cells": [asdict(c) | {"failed": c.failed} for c in cells]},
            indent=2,
        ),
    )  # fmt: skip
    print(f"\nJSON: {output.relative_to(ROOT)}")
    return 1 if any(c.failed for c in cells) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
