"""The load generators: pgbench (PostgreSQL's own ceiling) and wrk (HTTP), each filling one Cell."""

import json
import os
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Cell:
    """One measured run: an engine (pgbench, app, flat, rev ...) in one scenario at one client count."""

    engine: str
    scenario: str  # "spread" or "hot"
    concurrency: int
    workers: int = 0  # server workers (0 for pgbench)
    round: int = 0
    orders_per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    cpu_ms_per_order: float = 0.0  # the server's CPU time (all workers) per order placed; 0 for pgbench
    errors: int = 0
    peak_rss_mb: list[float] = field(default_factory=list)
    invariants_ok: bool = False
    load: float = 0.0  # the machine's 1-minute load average when the cell ended
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.errors > 0 or not self.invariants_ok

    def finish(self, invariants: tuple[bool, str]) -> None:
        self.invariants_ok, checked = invariants
        self.note = self.note or checked
        self.load = os.getloadavg()[0]


def run_pgbench(cell: Cell, dsn: str, products: int, seconds: int, log_dir: Path) -> None:
    """One pgbench run; per-transaction latencies are logged to `log_dir` for the percentiles."""
    clients = cell.concurrency
    command = [
        "pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds),
        "-f", str(HERE / "place_order.pgbench.sql"), "-D", f"products={products}",
        "-l", "--log-prefix", str(log_dir / "tx"), dsn,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    latencies_us: list[int] = []
    for log in log_dir.glob("tx.*"):
        latencies_us += [int(line.split()[2]) for line in log.read_text().splitlines() if line.strip()]
        log.unlink()
    if result.returncode != 0:
        cell.errors += 1
        cell.note = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "pgbench failed"
        return
    failed_line = next((line for line in result.stdout.splitlines() if "failed" in line.lower()), "")
    if failed_line and not failed_line.strip().endswith("0 (0.000%)"):
        cell.errors += int(failed_line.split(":")[1].split()[0])
    cell.orders_per_second = len(latencies_us) / seconds
    if len(latencies_us) >= 2:
        cuts = statistics.quantiles(latencies_us, n=100)
        cell.p50_ms, cell.p99_ms = cuts[49] / 1000, cuts[98] / 1000


def run_wrk(cell: Cell, base_url: str, ids_file: Path, seconds: int) -> None:
    """wrk posting orders (orders.lua) for `seconds`; non-2xx answers count as errors."""
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
