"""What `make bench` drives: the app (or the flat reference, or another revision's app) served by serve.py with
production settings, optionally behind the production nginx configuration, each in its own process group."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.database import ROOT
from tests.live_server import free_port

NGINX_CONF = ROOT / "infra" / "nginx" / "nginx.conf"
# The nginx configuration runs unchanged but for where it listens, where the app is and where it logs.
_NGINX_EDITS = {
    "listen 80 default_server;": "listen 127.0.0.1:{port} default_server;",
    "set $app_upstream http://app:8000;": "set $app_upstream http://127.0.0.1:{app_port};",
    "access_log /dev/stdout json;": "access_log {work}/access.log json;",
}


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"the server exited early (see {log})"
            raise RuntimeError(msg)
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    msg = f"{url} did not answer 200 within 60 s (see {log})"
    raise RuntimeError(msg)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class AppServer:
    """`python serve.py` of this checkout with `.env`'s production settings on the bench database.

    `app` is the factory to serve; `app_dir` serves another checkout's app (make bench-ab) with this
    checkout's serve.py, so that only the app differs."""

    def __init__(self, database_url: str, workers: int, log: Path, *, app: str, app_dir: Path | None = None) -> None:
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._metrics_dir = tempfile.mkdtemp(prefix="bench-metrics-")
        env = {
            **os.environ,
            "ENV_FILE": str(ROOT / ".env"),  # production defaults ...
            "DATABASE_URL": database_url,  # ... on the bench database
            "LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": self._metrics_dir,
        }
        command = [sys.executable, str(ROOT / "serve.py"), "--app", app, "--port", str(self.port),
                   "--workers", str(workers)]  # fmt: skip
        if app_dir is not None:
            command += ["--app-dir", str(app_dir)]
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            command, cwd=app_dir or ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self) -> None:
        _wait_for(f"{self.base_url}/health/ready", self.process, Path(self._log.name))

    def _serving_pids(self) -> list[int]:
        """The workers, or the single process: those that serve requests."""
        if self.workers == 1:
            return [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        # multiprocessing's resource tracker is a child too, but serves nothing
        return [int(p) for p in children if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]

    def peak_rss_mb(self) -> list[float]:
        """VmHWM of every process that serves requests."""
        peaks = []
        for pid in self._serving_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
            peaks.append(round(int(line.split()[1]) / 1024, 1))
        return peaks

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the serving processes have used so far: on a shared machine, CPU per
        order varies much less than orders per second."""
        ticks = 0
        for pid in self._serving_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        _stop_group(self.process)
        self._log.close()
        shutil.rmtree(self._metrics_dir, ignore_errors=True)


class NginxFront:
    """Debian's nginx running infra/nginx/nginx.conf in front of one server, on loopback, as deployed."""

    def __init__(self, app_port: int, log: Path) -> None:
        if shutil.which("nginx") is None:
            msg = "nginx is missing: `make deploy-tools` installs it"
            raise RuntimeError(msg)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._work = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        conf = NGINX_CONF.read_text()
        for original, replacement in _NGINX_EDITS.items():
            if original not in conf:
                msg = f"{NGINX_CONF} no longer contains {original!r}: update tests/benchmarks/servers.py"
                raise RuntimeError(msg)
            conf = conf.replace(original, replacement.format(port=self.port, app_port=app_port, work=self._work))
        (self._work / "nginx.conf").write_text(conf)
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            ["nginx", "-e", "stderr", "-p", str(self._work), "-c", str(self._work / "nginx.conf"),
             "-g", f"daemon off; pid {self._work}/nginx.pid;"],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self) -> None:
        _wait_for(f"{self.base_url}/health/ready", self.process, Path(self._log.name))

    def stop(self) -> None:
        _stop_group(self.process)
        self._log.close()
        shutil.rmtree(self._work, ignore_errors=True)


@contextlib.contextmanager
def revision_checkout(revision: str) -> Iterator[Path]:
    """A temporary `git worktree` of `revision` (its own files, this checkout's virtualenv), removed after."""
    folder = Path(tempfile.mkdtemp(prefix="bench-rev-"))
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", "--quiet", str(folder), revision], check=True)
    try:
        if subprocess.run([*git, "diff", "--quiet", revision, "--", "uv.lock"], check=False).returncode:
            print(f"note: uv.lock differs at {revision}; its app runs on this checkout's packages", file=sys.stderr)
        yield folder
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def migrate_checkout(folder: Path, database_url: str) -> None:
    """Migrate a database with another checkout's own migrations (its alembic, its code on the path)."""
    env = {**os.environ, "ENV_FILE": str(ROOT / ".env"), "DATABASE_URL": database_url}
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=folder, env=env, check=True)
