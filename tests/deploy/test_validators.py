"""Each offline validator passes on the real file and fails on a deliberately broken copy of it.

The real files are also checked by `make deploy-check` directly; here each check is shown to bite.
"""

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.database import ROOT
from tests.deploy import logstash, nginx_compat
from tests.deploy.tools import (
    COMPOSE_FILES,
    clean_env,
    compose_config,
    run,
    secret_stand_ins,
    system_tool,
    venv_tool,
)
from tests.monitoring_files import render_alertmanager


def broken_copy(tmp_path: Path, source: str, old: str, new: str) -> Path:
    """A copy of `source` with its one occurrence of `old` replaced."""
    text = (ROOT / source).read_text()
    assert text.count(old) == 1, f"{old!r} should occur once in {source}"
    copy = tmp_path / Path(source).name
    copy.write_text(text.replace(old, new))
    return copy


def with_misspelt_key(tmp_path: Path, source: str) -> Path:
    """A copy of a compose file whose first service has `restrat:`, a typo Compose must not ignore."""
    model = yaml.safe_load((ROOT / source).read_text())
    first = next(iter(model["services"].values()))
    first["restrat"] = "always"
    copy = tmp_path / Path(source).name
    copy.write_text(yaml.safe_dump(model, sort_keys=False))
    return copy


# ---- compose: `docker-compose config` and the Compose Specification schema ----


@pytest.mark.parametrize("file", COMPOSE_FILES)
def test_compose_config_accepts_the_file(file: str) -> None:
    result = compose_config(file, COMPOSE_FILES[file], clean_env(**secret_stand_ins()), "-q")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("file", COMPOSE_FILES)
def test_compose_config_refuses_a_misspelt_key(file: str, tmp_path: Path) -> None:
    result = compose_config(with_misspelt_key(tmp_path, file), COMPOSE_FILES[file], clean_env(**secret_stand_ins()))
    assert result.returncode != 0
    assert "restrat" in result.stderr


def test_compose_config_refuses_a_wrong_type(tmp_path: Path) -> None:
    copy = broken_copy(tmp_path, "docker-compose.yml", "replicas: ${APP_REPLICAS:-3}", "replicas: three")
    result = compose_config(copy, ".env", clean_env(**secret_stand_ins()))
    assert result.returncode != 0
    assert "replicas" in result.stderr


def check_jsonschema(*files: str | Path) -> tuple[int, str]:
    args = [venv_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", *map(str, files)]
    result = run(args)
    return result.returncode, result.stdout + result.stderr


def test_compose_spec_schema_accepts_the_files() -> None:
    returncode, output = check_jsonschema(*COMPOSE_FILES)
    assert returncode == 0, output


@pytest.mark.parametrize("file", COMPOSE_FILES)
def test_compose_spec_schema_refuses_a_misspelt_key(file: str, tmp_path: Path) -> None:
    returncode, output = check_jsonschema(with_misspelt_key(tmp_path, file))
    assert returncode != 0
    assert "restrat" in output


# ---- Dockerfile (hadolint) and shell scripts (shellcheck) ----


def hadolint(path: Path) -> tuple[int, str]:
    result = run([venv_tool("hadolint"), str(path)])
    return result.returncode, result.stdout + result.stderr


def test_hadolint_accepts_the_dockerfile() -> None:
    returncode, output = hadolint(ROOT / "Dockerfile")
    assert returncode == 0, output


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        pytest.param("USER ${APP_UID}:${APP_UID}", "USER root", "DL3002", id="runs-as-root"),
        pytest.param("uv:0.13.9 AS uv", "uv:latest AS uv", "DL3007", id="latest-image"),
        pytest.param("# Owned by root", "RUN cd /app && ls\n# Owned by root", "DL3003", id="cd-in-run"),
    ],
)
def test_hadolint_refuses_a_broken_dockerfile(tmp_path: Path, old: str, new: str, rule: str) -> None:
    returncode, output = hadolint(broken_copy(tmp_path, "Dockerfile", old, new))
    assert returncode != 0
    assert rule in output


SCRIPTS = [
    "deploy/entrypoint.sh",
    "deploy/rolling-deploy.sh",
    "infra/elasticsearch/setup.sh",
    "infra/kibana/setup.sh",
    "infra/alertmanager/render.sh",
    "infra/postgres/backup.sh",
    "infra/postgres/init-roles.sh",
]


@pytest.mark.parametrize("script", SCRIPTS)
def test_shellcheck_accepts_the_scripts(script: str) -> None:
    result = run([venv_tool("shellcheck"), script])
    assert result.returncode == 0, result.stdout


def test_shellcheck_refuses_an_unquoted_variable(tmp_path: Path) -> None:
    copy = broken_copy(
        tmp_path,
        "deploy/entrypoint.sh",
        'find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1',
        "find $PROMETHEUS_MULTIPROC_DIR -mindepth 1",
    )
    result = run([venv_tool("shellcheck"), str(copy)])
    assert result.returncode != 0
    assert "SC2086" in result.stdout


# ---- nginx -t (Debian's 1.22, on the copy it can load: tests/deploy/nginx_compat.py) ----

NGINX_CONF = "infra/nginx/nginx.conf"


def nginx_test(conf: Path, prefix: Path) -> tuple[int, str]:
    compatible = prefix / "nginx-1.22.conf"
    compatible.write_text(nginx_compat.compatible(conf.read_text()))
    result = run([system_tool("nginx"), "-t", "-p", str(prefix), "-c", str(compatible)])
    return result.returncode, result.stderr


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    returncode, output = nginx_test(ROOT / NGINX_CONF, tmp_path)
    assert returncode == 0, output


def test_debian_nginx_refuses_the_upstream_as_written(tmp_path: Path) -> None:
    """Why the compatible copy: 1.22 does not know `resolve` (nginx 1.27.3 and later do)."""
    result = run([system_tool("nginx"), "-t", "-p", str(tmp_path), "-c", str(ROOT / NGINX_CONF)])
    assert result.returncode != 0
    assert 'invalid parameter "resolve"' in result.stderr


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param("return 404;", "return 404", 'unexpected "}"', id="missing-semicolon"),
        pytest.param("$request_id_out always;\n\n", "$request_id_ou always;\n\n", "unknown", id="unknown-variable"),
        pytest.param("proxy_read_timeout 30s;", "proxy_read_timeuot 30s;", "unknown directive", id="unknown-directive"),
    ],
)
def test_nginx_refuses_a_broken_configuration(tmp_path: Path, old: str, new: str, message: str) -> None:
    returncode, output = nginx_test(broken_copy(tmp_path, NGINX_CONF, old, new), tmp_path)
    assert returncode != 0
    assert message in output


# ---- the logstash pipeline (LSCL grammar) ----


def test_the_logstash_pipeline_parses() -> None:
    result = run([str(Path(venv_tool("python"))), "-m", "tests.deploy.logstash", str(logstash.PIPELINE)])
    assert result.returncode == 0, result.stderr


PIPELINE_SOURCE = str(logstash.PIPELINE.relative_to(ROOT))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param('source => "message"', 'source => "message', id="unclosed-string"),
        pytest.param("port => 5044", "port = 5044", id="no-arrow"),
        pytest.param("  if [app][timestamp] {", "  if [app][timestamp] {{", id="extra-brace"),
        pytest.param("    rename => {", "    rename => {{", id="unbalanced-hash"),
        pytest.param("  if [log][level] {", "  if [log][level] == {", id="incomplete-condition"),
    ],
)
def test_the_logstash_parser_refuses_broken_syntax_where_it_is(tmp_path: Path, old: str, new: str) -> None:
    copy = broken_copy(tmp_path, PIPELINE_SOURCE, old, new)
    result = run([str(Path(venv_tool("python"))), "-m", "tests.deploy.logstash", str(copy)])
    assert result.returncode != 0
    broken_line = logstash.PIPELINE.read_text().split(old)[0].count("\n") + 1
    reported = re.search(r"At line (\d+), column \d+", result.stderr)
    assert reported, result.stderr
    # Where the parser noticed: the broken line or, for an unclosed string, the next quote.
    assert broken_line <= int(reported[1]) <= broken_line + 2, result.stderr


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            '  mutate {\n    id => "order_service_ecs"',
            '  mutat {\n    id => "order_service_ecs"',
            "filter plugin 'mutat'",
            id="unknown-plugin",
        ),
        pytest.param("input {", "inputs {", "top level", id="unknown-section"),
        pytest.param("output {\n  elasticsearch", "filter {\n  date", "no output section", id="no-output"),
    ],
)
def test_the_logstash_check_refuses_a_pipeline_logstash_would_not_load(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    copy = broken_copy(tmp_path, PIPELINE_SOURCE, old, new)
    result = run([str(Path(venv_tool("python"))), "-m", "tests.deploy.logstash", str(copy)])
    assert result.returncode != 0
    assert message in result.stderr


# ---- promtool and amtool ----


def test_promtool_accepts_the_prometheus_configuration() -> None:
    result = run([system_tool("promtool"), "check", "config", "infra/prometheus/prometheus.yml"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_refuses_a_broken_prometheus_configuration(tmp_path: Path) -> None:
    copy = broken_copy(tmp_path, "infra/prometheus/prometheus.yml", "scrape_interval: 15s", "scrape_interval: 15 s")
    result = run([system_tool("promtool"), "check", "config", str(copy)])
    assert result.returncode != 0
    assert "15 s" in result.stdout + result.stderr


def test_amtool_accepts_the_rendered_alertmanager_configuration(tmp_path: Path) -> None:
    rendered = tmp_path / "alertmanager.yml"
    assert render_alertmanager(rendered).returncode == 0
    result = run([system_tool("amtool"), "check-config", str(rendered)])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param("- receiver: critical", "- receiver: pager", "pager", id="undefined-receiver"),
        pytest.param("credentials_file: /run/secrets/heartbeat_token", "credentials_fil: x", "credentials_fil",
                     id="misspelt-key"),
    ],
)  # fmt: skip
def test_amtool_refuses_a_broken_alertmanager_configuration(tmp_path: Path, old: str, new: str, message: str) -> None:
    rendered = tmp_path / "rendered.yml"
    assert render_alertmanager(rendered).returncode == 0
    broken = rendered.read_text().replace(old, new)
    assert broken != rendered.read_text()
    rendered.write_text(broken)
    result = run([system_tool("amtool"), "check-config", str(rendered)])
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


# ---- yamllint ----


def yamllint(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = subprocess.run(
        [venv_tool("yamllint"), "--strict", "-c", str(ROOT / ".yamllint.yml"), *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_yamllint_accepts_every_yaml_file() -> None:
    returncode, output = yamllint(".")
    assert returncode == 0, output


YAML_BREAKS: list[tuple[str, Callable[[str], str], str]] = [
    ("infra/prometheus/prometheus.yml", lambda text: text + "global:\n  scrape_interval: 30s\n", "key-duplicates"),
    ("deploy/filebeat.yml", lambda text: text.replace("  hosts:", "   hosts:"), "indentation"),
    (
        "docker-compose.yml",
        lambda text: text.replace("restart: unless-stopped", "restart: unless-stopped   "),
        "trailing-spaces",
    ),
]


@pytest.mark.parametrize(("source", "breaking", "rule"), YAML_BREAKS, ids=[rule for _, _, rule in YAML_BREAKS])
def test_yamllint_refuses_broken_yaml(source: str, breaking: Callable[[str], str], rule: str) -> None:
    # Through stdin: the repository's yamllint config ignores what .gitignore lists, /tmp/ included.
    returncode, output = yamllint("-", stdin=breaking((ROOT / source).read_text()))
    assert returncode != 0
    assert rule in output
