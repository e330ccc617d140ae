"""deploy/rolling-deploy.sh (make deploy), run against a stand-in for the docker CLI (tests/deploy/fake_docker.py):
the new replicas start beside the old ones and the old ones stop only once every new one is healthy, so the
count of serving replicas never drops below the configured one; a new replica that fails leaves the old ones
serving; a failed migration touches no replica.

What Docker itself does (compose's scaling, healthchecks, nginx finding the new replicas) only a real Docker host
can show.
"""

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.database import ROOT
from tests.deploy.tools import clean_env, compose_model, run

SCRIPT = ROOT / "deploy" / "rolling-deploy.sh"
REPLICAS = 3


def deploy(
    tmp_path: Path, *, new_health: list[str], migrate_exit: int = 0, old: int = REPLICAS, timeout: int = 30
) -> dict[str, Any]:
    state_file = tmp_path / "docker.json"
    state = {
        "migrate_exit": migrate_exit,
        "image": "v2",
        "new_health": new_health,
        "containers": [
            {"id": f"old{i}", "image": "v1", "status": "running", "health": ["healthy"]} for i in range(old)
        ],
        "events": [],
    }
    state_file.write_text(json.dumps(state))
    docker = tmp_path / "docker"
    docker.write_text(f'#!/bin/sh\nexec {sys.executable} -m tests.deploy.fake_docker "$@"\n')
    docker.chmod(0o755)
    env = clean_env(
        COMPOSE=f"{docker} compose -f docker-compose.yml --env-file .env",
        DOCKER=str(docker),
        APP_REPLICAS=str(REPLICAS),
        DEPLOY_TIMEOUT_SECONDS=str(timeout),
        DEPLOY_POLL_SECONDS="0",
        FAKE_DOCKER_STATE=str(state_file),
        PYTHONPATH=str(ROOT),
    )
    result = run(["sh", str(SCRIPT)], env=env)
    outcome: dict[str, Any] = json.loads(state_file.read_text())
    outcome["returncode"], outcome["log"] = result.returncode, result.stderr
    return outcome


def images(outcome: dict[str, Any]) -> list[str]:
    return sorted(c["image"] for c in outcome["containers"] if c["status"] == "running")


def test_new_replicas_replace_the_old_without_the_service_going_short(tmp_path: Path) -> None:
    outcome = deploy(tmp_path, new_health=["starting", "starting", "healthy"])
    assert outcome["returncode"] == 0, outcome["log"]
    assert images(outcome) == ["v2"] * REPLICAS
    assert min(event["serving"] for event in outcome["events"]) >= REPLICAS
    commands = [event["command"] for event in outcome["events"]]
    assert commands.index("compose run migrate") < commands.index(f"compose up app={2 * REPLICAS} app")
    assert commands.index("stop") > max(i for i, c in enumerate(commands) if c == "inspect")


def test_a_first_deploy_starts_the_replicas(tmp_path: Path) -> None:
    outcome = deploy(tmp_path, new_health=["healthy"], old=0)
    assert outcome["returncode"] == 0, outcome["log"]
    assert images(outcome) == ["v2"] * REPLICAS
    assert "stop" not in [event["command"] for event in outcome["events"]]


def test_an_unhealthy_new_replica_leaves_the_old_ones_serving(tmp_path: Path) -> None:
    outcome = deploy(tmp_path, new_health=["starting", "unhealthy"])
    assert outcome["returncode"] != 0
    assert images(outcome) == ["v1"] * REPLICAS
    assert "the old ones keep serving" in outcome["log"]
    assert min(event["serving"] for event in outcome["events"]) >= REPLICAS


def test_replicas_that_never_become_healthy_are_given_up_on(tmp_path: Path) -> None:
    outcome = deploy(tmp_path, new_health=["starting"], timeout=1)  # starting for ever
    assert outcome["returncode"] != 0
    assert images(outcome) == ["v1"] * REPLICAS
    assert "not healthy (running/starting running/starting running/starting)" in outcome["log"]


def test_a_failed_migration_touches_no_replica(tmp_path: Path) -> None:
    outcome = deploy(tmp_path, new_health=["healthy"], migrate_exit=1)
    assert outcome["returncode"] != 0
    assert images(outcome) == ["v1"] * REPLICAS
    assert [event["command"] for event in outcome["events"]] == ["compose ps app", "compose run migrate"]


def test_the_app_has_the_healthcheck_and_grace_period_the_deploy_relies_on() -> None:
    app = compose_model("docker-compose.yml")["services"]["app"]
    assert "/health/live" in " ".join(app["healthcheck"]["test"])
    assert app["stop_grace_period"]
    makefile = (ROOT / "Makefile").read_text()
    assert "deploy/rolling-deploy.sh" in makefile
    assert yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["migrate"]["restart"] == "no"
