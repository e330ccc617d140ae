"""A throwaway PostgreSQL cluster the fault tests may stop, crash and freeze: never the machine's own server.

initdb + pg_ctl from the Debian packages, on a free port of 127.0.0.1, in a temporary directory removed
afterwards. PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` OS user.
Everything a fault test does to the database goes through the five verbs of `ThrowawayCluster`, so another
way of starting a disposable server can replace this one behind the same interface.
"""

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.live_server import free_port

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"  # only used when the tests run as root
START_TIMEOUT_SECONDS = 30


class ThrowawayCluster:
    def __init__(self, directory: Path) -> None:
        self.data = directory / "data"
        self.port = free_port()
        self.server = f"postgres@127.0.0.1:{self.port}"  # trust authentication, like TEST_DATABASE_SERVER

    def url(self, database: str, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{self.server}/{database}"

    def init(self) -> None:
        self._run("initdb", "--pgdata", str(self.data), "--username", "postgres", "--auth", "trust", "--no-sync")

    def start(self) -> None:
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        self._run("pg_ctl", "start", "--pgdata", str(self.data), "--wait", f"--timeout={START_TIMEOUT_SECONDS}",
                  "--options", options, "--log", str(self.data.parent / "server.log"))  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """A clean shutdown: `fast` rolls back open transactions and closes every connection."""
        self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", mode, "--wait")

    def crash(self) -> None:
        """kill -9 the postmaster and its backends, as a crashed host would; the next start recovers."""
        self._signal_all(signal.SIGKILL)
        (self.data / "postmaster.pid").unlink(missing_ok=True)

    def freeze(self) -> None:
        """SIGSTOP every server process: connections stay open, nothing answers (a hung host)."""
        self._signal_all(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal_all(signal.SIGCONT)

    def _signal_all(self, sig: signal.Signals) -> None:
        # Every server process is the postmaster or its child (each in a session of its own: no group kill).
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        for pid in [postmaster, *_children_of(postmaster)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(BIN / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", OS_USER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=START_TIMEOUT_SECONDS + 10)


def _children_of(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # "pid (command) state ppid ...": the command may hold spaces, so split after its last ")".
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                children.append(int(stat.parent.name))
    return children


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[ThrowawayCluster]:
    """A started cluster; afterwards it is stopped (thawed first, if frozen) and its files removed."""
    directory = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(OS_USER)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    cluster = ThrowawayCluster(directory)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(Exception):
            cluster.thaw()
        with contextlib.suppress(Exception):
            cluster.stop(mode="immediate")
        shutil.rmtree(directory, ignore_errors=True)
