"""`make bench`: how fast the service places orders, as a ratio to PostgreSQL's own ceiling.

Builds a dedicated database (10,000 products, 5 warehouses, stock for every product everywhere), then for
each scenario (spread: any product; hot: 5 products) and client count runs
  - pgbench with the transaction PlaceOrder performs (tests/benchmarks/place_order.pgbench.sql), and
  - the app under uvicorn with production settings (JSON logs, no reload), 1 and 2 workers, driven by wrk
    (tests/benchmarks/orders.lua),
each for a warm-up and a measured period. Before every cell the orders are cleared and the stock refilled;
after it the invariants are checked in SQL. Absolute numbers drift with the machine's load; the ratio
app / pgbench measured minutes apart in one run is the figure to compare.
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import httpx

from tests.database import ROOT, create_database, database_server, database_url, migrate
from tests.live_server import free_port

HERE = Path(__file__).resolve().parent
RESULTS = ROOT / ".bench-results"
DATABASE = "order_service_bench"
WAREHOUSES = 5
INITIAL_STOCK = 1_000_000  # per product and warehouse: no cell can run out
HOT_PRODUCTS = 5


@dataclass
class Cell:
    engine: str  # "app" or "pgbench"
    scenario: str  # "spread" or "hot"
    concurrency: int
    workers: int = 0  # uvicorn workers (app cells)
    orders_per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    peak_rss_mb: list[float] = field(default_factory=list)
    invariants_ok: bool = False
    ratio: float | None = None
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.errors > 0 or not self.invariants_ok

    @property
    def label(self) -> str:
        return f"app, {self.workers} worker{'s' if self.workers > 1 else ''}" if self.engine == "app" else "pgbench"


# ---------------------------------------------------------------------------------------------- database


async def seed(url: str, products: int) -> list[UUID]:
    """Products, warehouses and stock, written with COPY; returns the product ids in bench order."""
    connection = await asyncpg.connect(url)
    try:
        now = datetime.now(UTC)
        ids = [uuid4() for _ in range(products)]
        await connection.copy_records_to_table(
            "products",
            schema_name="catalog",
            columns=["id", "name", "description", "price", "created_at", "updated_at"],
            records=[
                (pid, f"Bench product {n}", "", Decimal(f"{1 + n % 500}.{n % 100:02d}"), now, now)
                for n, pid in enumerate(ids, start=1)
            ],
        )
        warehouses = [uuid4() for _ in range(WAREHOUSES)]
        await connection.copy_records_to_table(
            "warehouses",
            schema_name="inventory",
            columns=["id", "name", "address", "created_at"],
            records=[(w, f"Bench warehouse {n}", "", now) for n, w in enumerate(warehouses, start=1)],
        )
        await connection.copy_records_to_table(
            "stock",
            schema_name="inventory",
            columns=["product_id", "warehouse_id", "quantity"],
            records=[(p, w, INITIAL_STOCK) for p in ids for w in warehouses],
        )
        # pgbench picks products by number: n -> id.
        await connection.execute("CREATE SCHEMA bench; CREATE TABLE bench.products (n int PRIMARY KEY, id uuid)")
        await connection.copy_records_to_table("products", schema_name="bench", records=list(enumerate(ids, 1)))
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return ids


async def reset(url: str) -> None:
    """Forget every order and refill the stock, so each cell starts from the same state."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "TRUNCATE ordering.orders, ordering.order_lines, ordering.order_out_of_stock, inventory.allocations "
            "CASCADE",
        )
        await connection.execute("UPDATE inventory.stock SET quantity = $1 WHERE quantity <> $1", INITIAL_STOCK)
        await connection.execute("VACUUM ANALYZE inventory.stock")
    finally:
        await connection.close()


async def invariants_hold(url: str) -> tuple[bool, str]:
    """No negative stock; per product, placed quantities plus what is left equal the initial stock."""
    connection = await asyncpg.connect(url)
    try:
        negative = await connection.fetchval("SELECT count(*) FROM inventory.stock WHERE quantity < 0")
        broken = await connection.fetchval(
            """
            WITH placed AS (
                SELECT l.product_id, sum(l.quantity) AS quantity
                FROM ordering.order_lines l JOIN ordering.orders o ON o.id = l.order_id
                WHERE o.status = 'placed' GROUP BY l.product_id),
            left_over AS (SELECT product_id, sum(quantity) AS quantity FROM inventory.stock GROUP BY product_id)
            SELECT count(*) FROM left_over LEFT JOIN placed USING (product_id)
            WHERE left_over.quantity + coalesce(placed.quantity, 0) <> $1
            """,
            INITIAL_STOCK * WAREHOUSES,
        )
        orders = await connection.fetchval("SELECT count(*) FROM ordering.orders")
    finally:
        await connection.close()
    if negative or broken:
        return False, f"{negative} negative stock rows, {broken} products off balance"
    return True, f"{orders} orders"


# ------------------------------------------------------------------------------------------------- cells


def run_pgbench(cell: Cell, dsn: str, products: int, seconds: int, log_dir: Path) -> None:
    """One pgbench run; with log_dir, per-transaction latencies are kept for the percentiles."""
    clients = cell.concurrency
    command = [
        "pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds),
        "-f", str(HERE / "place_order.pgbench.sql"), "-D", f"products={products}",
        "-l", "--log-prefix", str(log_dir / "tx"), dsn,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        cell.errors += 1
        cell.note = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "pgbench failed"
        return
    latencies_us: list[int] = []
    for log in log_dir.glob("tx.*"):
        latencies_us += [int(line.split()[2]) for line in log.read_text().splitlines() if line.strip()]
        log.unlink()
    failed_line = next((line for line in result.stdout.splitlines() if "failed" in line.lower()), "")
    if failed_line and not failed_line.strip().endswith("0 (0.000%)"):
        cell.errors += int(failed_line.split(":")[1].split()[0])
    cell.orders_per_second = len(latencies_us) / seconds
    cell.p50_ms, cell.p99_ms = _percentiles_ms(latencies_us)


def _percentiles_ms(latencies_us: list[int]) -> tuple[float, float]:
    if len(latencies_us) < 2:
        return 0.0, 0.0
    cuts = statistics.quantiles(latencies_us, n=100)
    return cuts[49] / 1000, cuts[98] / 1000


def run_wrk(cell: Cell, base_url: str, ids_file: Path, seconds: int) -> None:
    command = [
        "wrk", "-t", "2", "-c", str(cell.concurrency), "-d", f"{seconds}s", "--timeout", "10s",
        "-s", str(HERE / "orders.lua"), base_url, "--", str(ids_file),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    summary_line = next((line for line in result.stdout.splitlines() if line.startswith('{"requests"')), None)
    if result.returncode != 0 or summary_line is None:
        cell.errors += 1
        cell.note = (result.stderr or result.stdout).strip()[-200:]
        return
    summary = json.loads(summary_line)
    cell.orders_per_second = (summary["requests"] - summary["status_errors"]) / (summary["duration_us"] / 1e6)
    cell.errors += summary["errors"] + summary["status_errors"]
    cell.p50_ms, cell.p99_ms = summary["p50_us"] / 1000, summary["p99_us"] / 1000


class AppServer:
    """The production server (shared_kernel.api.serving) with production settings, in its own process group."""

    def __init__(self, url: str, workers: int, log_file: Path) -> None:
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._metrics_dir = tempfile.mkdtemp(prefix="bench-metrics-")
        env = {
            **os.environ,
            "ENV_FILE": str(ROOT / ".env"),  # production defaults ...
            "DATABASE_URL": url,  # ... on the bench database
            "LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": self._metrics_dir,
        }
        command = [
            sys.executable, "-m", "shared_kernel.api.serving", "main:create_app", "--host", "127.0.0.1",
            "--port", str(self.port), "--workers", str(workers),
        ]  # fmt: skip
        self._log = log_file.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                msg = f"the server exited early (see {self._log.name})"
                raise RuntimeError(msg)
            try:
                if httpx.get(f"{self.base_url}/health/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        msg = "the server did not become ready"
        raise RuntimeError(msg)

    def peak_rss_mb(self) -> list[float]:
        """VmHWM of every process that serves requests (the workers, or the single process)."""
        pids = [self.process.pid]
        if self.workers > 1:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            # multiprocessing's resource tracker is a child too, but serves nothing
            pids = [int(p) for p in children if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]
        peaks = []
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
            peaks.append(round(int(line.split()[1]) / 1024, 1))
        return peaks

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._log.close()
        shutil.rmtree(self._metrics_dir, ignore_errors=True)


# ------------------------------------------------------------------------------------------------ report


TARGETS = {("spread", 64): 0.30, ("hot", 64): 0.50}


def markdown(cells: list[Cell]) -> str:
    rows = [
        "| scenario | clients | engine | orders/s | p50 ms | p99 ms | errors | peak RSS MB/worker | app/pgbench | ok |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cells:
        rss = ", ".join(f"{r:.0f}" for r in c.peak_rss_mb) or "-"
        ratio = f"{c.ratio:.2f}" if c.ratio is not None else "-"
        ok = "FAILED: " + c.note if c.failed else "yes"
        rows.append(
            f"| {c.scenario} | {c.concurrency} | {c.label} | {c.orders_per_second:.0f} | {c.p50_ms:.1f} | "
            f"{c.p99_ms:.1f} | {c.errors} | {rss} | {ratio} | {ok} |",
        )
    return "\n".join(rows)


def target_lines(cells: list[Cell]) -> list[str]:
    lines = []
    for c in cells:
        if c.engine != "app" or c.workers != 2 or (c.scenario, c.concurrency) not in TARGETS:
            continue
        goal = TARGETS[(c.scenario, c.concurrency)]
        checks = [f"ratio {c.ratio or 0:.2f} >= {goal:.2f}: {'met' if (c.ratio or 0) >= goal else 'MISSED'}"]
        if c.scenario == "spread":
            checks.append(f"p99 {c.p99_ms:.0f} ms <= 150: {'met' if c.p99_ms <= 150 else 'MISSED'}")
        peak = max(c.peak_rss_mb, default=0)
        checks.append(f"peak RSS {peak:.0f} MB <= 200: {'met' if peak <= 200 else 'MISSED'}")
        lines.append(f"- target, 2 workers, c={c.concurrency}, {c.scenario}: " + "; ".join(checks))
    return lines


# -------------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one short cell (2 workers, c=16, spread)")
    parser.add_argument("--seconds", type=int, default=10, help="measured time per cell")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured time before each cell")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--concurrency", default="16,64")
    parser.add_argument("--scenarios", default="spread,hot")
    parser.add_argument("--products", type=int, default=10_000)
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup, args.workers, args.concurrency, args.scenarios = 3, 1, "2", "16", "spread"
    return args


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

    cells: list[Cell] = []
    for scenario in args.scenarios.split(","):
        for concurrency in map(int, args.concurrency.split(",")):
            baseline = Cell("pgbench", scenario, concurrency)
            asyncio.run(reset(dsn))
            run_pgbench(Cell("pgbench", scenario, concurrency), dsn, picks[scenario], args.warmup, work)
            run_pgbench(baseline, dsn, picks[scenario], args.seconds, work)
            baseline.invariants_ok, checked = asyncio.run(invariants_hold(dsn))
            baseline.note = baseline.note or checked
            cells.append(baseline)
            print(f"  {scenario} c={concurrency} pgbench: {baseline.orders_per_second:.0f}/s", flush=True)
            for workers in map(int, args.workers.split(",")):
                cell = Cell("app", scenario, concurrency, workers)
                asyncio.run(reset(dsn))
                server = AppServer(url, workers, RESULTS / f"app-{scenario}-c{concurrency}-w{workers}.log")
                try:
                    run_wrk(Cell("app", scenario, concurrency, workers), server.base_url, ids_files[scenario],
                            args.warmup)  # fmt: skip
                    run_wrk(cell, server.base_url, ids_files[scenario], args.seconds)
                    cell.peak_rss_mb = server.peak_rss_mb()
                finally:
                    server.stop()
                cell.invariants_ok, checked = asyncio.run(invariants_hold(dsn))
                cell.note = cell.note or checked
                if baseline.orders_per_second:
                    cell.ratio = cell.orders_per_second / baseline.orders_per_second
                cells.append(cell)
                print(f"  {scenario} c={concurrency} app w={workers}: {cell.orders_per_second:.0f}/s", flush=True)
    shutil.rmtree(work, ignore_errors=True)

    report = markdown(cells)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    machine = (
        f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, server {database_server()}"
    )
    print(f"\n## Order placement benchmark, {stamp}\n\n{machine}; {args.seconds} s per cell, {args.warmup} s warm-up\n")
    print(report)
    for line in target_lines(cells):
        print(line)
    output = RESULTS / f"bench-{stamp}.json"
    output.write_text(
        json.dumps(
            {"when": stamp, "machine": machine, "seconds": args.seconds, "warmup": args.warmup,
             "cells": [asdict(c) | {"failed": c.failed} for c in cells]},
            indent=2,
        ),
    )  # fmt: skip
    print(f"\nJSON: {output.relative_to(ROOT)}")
    return 1 if any(c.failed for c in cells) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
