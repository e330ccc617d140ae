"""Run the offline validators of the deployment files. A missing tool fails the test, never skips it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.database import ROOT

VENV_BIN = Path(sys.executable).parent
COMPOSE_FILES = {
    # compose file: the env file it is deployed with
    "docker-compose.yml": ".env",
    "docker-compose.local.yml": ".local.env",
    "infra/docker-compose.yml": "infra/.env",
    "infra/docker-compose.local.yml": "infra/.local.env",
}
PRODUCTION_FILES = ("docker-compose.yml", "infra/docker-compose.yml")
ENV_EXAMPLE = ROOT / "infra" / ".env.example"


def venv_tool(name: str) -> str:
    """A validator from the dev dependency group (docker-compose, hadolint, shellcheck, yamllint...)."""
    path = VENV_BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not in {VENV_BIN}: run `make install` (the dev dependency group has it)")
    return str(path)


def system_tool(name: str) -> str:
    """A validator from Debian's packages (nginx, promtool, amtool)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run `make deploy-tools` (apt-get install nginx prometheus ...)")
    return path


def clean_env(**extra: str) -> dict[str, str]:
    """A minimal environment: no secret or setting of the caller's shell leaks into a check."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"), **extra}


def run(args: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120)


def secret_stand_ins() -> dict[str, str]:
    """Dummy values for every production secret listed in infra/.env.example (as make deploy-check passes)."""
    return dict.fromkeys(env_file_keys(ENV_EXAMPLE), "deploy-check-stand-in-value-0123456789")


def env_file_keys(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def compose_config(
    file: str | Path,
    env_file: str,
    env: dict[str, str],
    *extra: str,
) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` of a file, paths resolved as from its place in the repository."""
    path = Path(file) if Path(file).is_absolute() else ROOT / file
    project_dir = ROOT / Path(env_file).parent
    return run(
        [
            venv_tool("docker-compose"),
            "--profile",
            "*",  # the optional services too (filebeat locally)
            "--project-directory",
            str(project_dir),
            "-f",
            str(path),
            "--env-file",
            str(ROOT / env_file),
            "config",
            *extra,
        ],
        env=env,
    )


def compose_model(file: str) -> dict[str, Any]:
    """The compose file as Compose resolves it (anchors merged, variables interpolated), secrets stood in."""
    result = compose_config(file, COMPOSE_FILES[file], clean_env(**secret_stand_ins()), "--format", "json")
    assert result.returncode == 0, result.stderr
    model: dict[str, Any] = json.loads(result.stdout)
    return model
