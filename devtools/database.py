"""Which PostgreSQL a development command or a test run uses (devtools/README.md has the rules in full).

    python -m devtools.database run -- COMMAND...   exec COMMAND with DATABASE_URL chosen (make run, seed, ...)
    python -m devtools.database test -- COMMAND...  run COMMAND with TEST_DATABASE_SERVER chosen (make bench)
    python -m devtools.database stop                stop this checkout's embedded server (make db-stop)

A real server is used whenever one is named explicitly or answers; the embedded one only when asked for
(`embedded`) or when the local settings' server does not answer. An explicit address is never replaced.
"""

import asyncio
import contextlib
import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import asyncpg
from dotenv import dotenv_values
from sqlalchemy.engine import make_url

from devtools.postgres_server import MAJOR_VERSION, EmbeddedPostgres, throwaway_postgres

EMBEDDED = "embedded"
LOCAL_ENV_FILE = ".local.env"
DEFAULT_TEST_SERVER = "postgres@127.0.0.1:5432"
ROOT = Path(__file__).resolve().parent.parent
# The development server's folder (git-ignored): data/ (kept between runs), data.log, and who uses it.
# EMBEDDED_POSTGRES_DIR moves it (the tests use their own).
DEV_FOLDER = Path(os.environ.get("EMBEDDED_POSTGRES_DIR", ROOT / ".embedded-postgres"))
DEV_SERVER = EmbeddedPostgres(DEV_FOLDER / "data")
# The pids of the processes using the development server: each top-level `make` (the Makefile passes its pid
# as DATABASE_HOLDER), or the command itself. The reaper stops the server when none of them is left.
HOLDERS = DEV_FOLDER / "holders"
REAPER_INTERVAL_SECONDS = 0.2


def answers(url: str) -> bool:
    """Whether a PostgreSQL server answers at the URL's host and port (refusing the login still counts)."""
    parsed = make_url(url)

    async def connect() -> None:
        connection = await asyncpg.connect(
            host=parsed.host, port=parsed.port or 5432, user=parsed.username, database="postgres", timeout=3
        )
        await connection.close()

    try:
        asyncio.run(connect())
    except (OSError, TimeoutError):
        return False
    except asyncpg.PostgresError:
        return True
    return True


# ---- development: DATABASE_URL ----


def _database_urls(environ: Mapping[str, str]) -> tuple[str | None, str | None, str]:
    """DATABASE_URL from the environment, DATABASE_URL from the env file, and that file (as the settings read them)."""
    env_file = environ.get("ENV_FILE", ".env")
    configured = dotenv_values(env_file).get("DATABASE_URL") if Path(env_file).is_file() else None
    return environ.get("DATABASE_URL"), configured, env_file


def embedded_reason(environ: Mapping[str, str]) -> str | None:
    """Why DATABASE_URL should be the embedded server, or None to leave it as it is."""
    explicit, configured, env_file = _database_urls(environ)
    if EMBEDDED in (explicit, configured):
        return "DATABASE_URL=embedded"
    if explicit is not None or configured is None or Path(env_file).name != LOCAL_ENV_FILE:
        return None  # an explicit or production setting: a server that does not answer stays an error
    if answers(configured):
        return None
    parsed = make_url(configured)
    return f"nothing answers at {parsed.host}:{parsed.port or 5432} ({env_file})"


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    DEV_FOLDER.mkdir(exist_ok=True)
    with (DEV_FOLDER / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _live_holders() -> set[int]:
    holders = {int(pid) for pid in HOLDERS.read_text().split()} if HOLDERS.exists() else set()
    return {pid for pid in holders if _alive(pid)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def hold_dev_server(holder: int) -> bool:
    """Start the development server unless it runs, and count `holder` among its users. True when `holder`
    is new (its first command), so that the server is announced once per `make`."""
    with _locked():
        holders = _live_holders()
        if DEV_SERVER.pid is None:
            DEV_SERVER.start()
            # The reaper outlives this command: it stops the server once every holder has exited.
            subprocess.Popen(
                [sys.executable, "-m", "devtools.database", "reap"],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        HOLDERS.write_text(" ".join(str(pid) for pid in sorted(holders | {holder})))
        return holder not in holders


def reap() -> None:
    while True:
        with _locked():
            if DEV_SERVER.pid is None:
                return
            if not _live_holders():
                stop_dev_server_locked()
                return
        time.sleep(REAPER_INTERVAL_SECONDS)


def stop_dev_server_locked() -> None:
    DEV_SERVER.stop()
    HOLDERS.unlink(missing_ok=True)


def run(command: list[str]) -> None:
    """exec `command` with DATABASE_URL set to the chosen server (unchanged unless embedded)."""
    reason = embedded_reason(os.environ)
    if reason is not None:
        new_holder = hold_dev_server(int(os.environ.get("DATABASE_HOLDER", os.getpid())))
        explicit, configured, _ = _database_urls(os.environ)
        named = (make_url(url).database for url in (explicit, configured) if url and url != EMBEDDED)
        os.environ["DATABASE_URL"] = DEV_SERVER.url(next((name for name in named if name), "order_service"))
        if new_holder:
            folder = DEV_FOLDER.relative_to(ROOT) if DEV_FOLDER.is_relative_to(ROOT) else DEV_FOLDER
            print(  # noqa: T201
                f"database: {reason}, so the embedded PostgreSQL {MAJOR_VERSION} at {DEV_SERVER.address}, data in"
                f" {folder}/ (kept; stops with the last make using it; reset: make db-stop && rm -rf {folder})",
                file=sys.stderr,
            )
    os.execvp(command[0], command)  # noqa: S606


# ---- tests: TEST_DATABASE_SERVER ----


@contextlib.contextmanager
def chosen_test_server(environ: Mapping[str, str]) -> Iterator[str]:
    """The TEST_DATABASE_SERVER to use (`user@host:port`): as set, or the default when it answers, else a
    throwaway embedded server that lives as long as this context."""
    server = environ.get("TEST_DATABASE_SERVER")
    if server != EMBEDDED and (server is not None or answers(f"postgresql://{DEFAULT_TEST_SERVER}/postgres")):
        yield server or DEFAULT_TEST_SERVER
        return
    why = "TEST_DATABASE_SERVER=embedded" if server == EMBEDDED else f"nothing answers at {DEFAULT_TEST_SERVER}"
    with throwaway_postgres() as embedded:
        where = f"a throwaway embedded PostgreSQL {MAJOR_VERSION} at {embedded.address}"
        print(f"tests: {why}, so {where}", file=sys.stderr)  # noqa: T201
        yield embedded.address


def run_tests(command: list[str]) -> int:
    with chosen_test_server(os.environ) as server:
        return subprocess.run(command, env={**os.environ, "TEST_DATABASE_SERVER": server}, check=False).returncode


def main(argv: list[str]) -> int:
    action, command = argv[0] if argv else "", argv[2:] if argv[1:2] == ["--"] else argv[1:]
    if action == "run" and command:
        run(command)
    elif action == "test" and command:
        return run_tests(command)
    elif action == "stop" and not command:
        with _locked():
            stop_dev_server_locked()
    elif action == "reap" and not command:
        reap()
    else:
        print(__doc__, file=sys.stderr)  # noqa: T201
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
