"""The compose files: production refuses to start without its secrets, none is committed, and the files of
the two deployments (infra, service) agree with each other and with the nginx, prometheus, filebeat and
logstash configurations they mount."""

import re
from typing import Any

import pytest
import yaml

from tests.database import ROOT
from tests.deploy import logstash
from tests.deploy.tools import (
    COMPOSE_FILES,
    ENV_EXAMPLE,
    PRODUCTION_FILES,
    clean_env,
    compose_config,
    compose_model,
    env_file_keys,
    secret_stand_ins,
)

_REQUIRED = re.compile(r"\$\{([A-Z0-9_]+):\?")
SECRET_NAMES = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$")
LOCAL_FILES = ("docker-compose.local.yml", "infra/docker-compose.local.yml")
PAIRS = {  # service file: the infra file it is deployed on
    "docker-compose.yml": "infra/docker-compose.yml",
    "docker-compose.local.yml": "infra/docker-compose.local.yml",
}
APP_PORT = 8000


def required_secrets(file: str) -> set[str]:
    """The `${VAR:?}` variables of a production file that its committed env file does not set."""
    required = set(_REQUIRED.findall((ROOT / file).read_text()))
    return required - env_file_keys(ROOT / COMPOSE_FILES[file]).keys()


# ---- secrets ----


def test_the_production_secrets_are_the_ones_env_example_documents() -> None:
    documented = set(env_file_keys(ENV_EXAMPLE))
    assert required_secrets("infra/docker-compose.yml") == documented
    assert required_secrets("docker-compose.yml") <= documented
    assert required_secrets("docker-compose.yml") == {"POSTGRES_PASSWORD"}


PRODUCTION_SECRETS = [(file, name) for file in PRODUCTION_FILES for name in sorted(required_secrets(file))]


@pytest.mark.parametrize(("file", "secret"), PRODUCTION_SECRETS, ids=[f"{f}:{s}" for f, s in PRODUCTION_SECRETS])
def test_production_refuses_to_start_without_a_secret(file: str, secret: str) -> None:
    secrets = secret_stand_ins()
    del secrets[secret]
    result = compose_config(file, COMPOSE_FILES[file], clean_env(**secrets), "-q")
    assert result.returncode != 0
    assert f"required variable {secret} is missing a value" in result.stderr


@pytest.mark.parametrize("file", PRODUCTION_FILES)
def test_an_empty_secret_is_refused_too(file: str) -> None:
    result = compose_config(file, COMPOSE_FILES[file], clean_env(**{**secret_stand_ins(), "POSTGRES_PASSWORD": ""}))
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_no_secret_is_committed_in_an_env_file() -> None:
    for env_file in [*COMPOSE_FILES.values(), "infra/.env.example"]:
        for key, value in env_file_keys(ROOT / env_file).items():
            if SECRET_NAMES.search(key):
                assert value == "", f"{env_file} sets {key}"
        assert not re.search(r"://[^/:@\s]+:[^@\s]+@", (ROOT / env_file).read_text()), (
            f"a URL with a password in {env_file}"
        )


def environments(file: str) -> list[tuple[str, str, str]]:
    """(service, variable, raw value) of every environment entry, as written (not interpolated)."""
    model = yaml.safe_load((ROOT / file).read_text())
    return [
        (name, key, str(value))
        for name, service in model["services"].items()
        for key, value in (service.get("environment") or {}).items()
    ]


@pytest.mark.parametrize("file", PRODUCTION_FILES)
def test_production_secrets_come_only_from_the_environment(file: str) -> None:
    required = r"\$\{[A-Z0-9_]+:\?[^}]*\}"
    checked = 0
    for service, key, value in environments(file):
        if SECRET_NAMES.search(key):
            assert re.fullmatch(required, value), f"{service}.{key} = {value!r}"
            checked += 1
        if match := re.fullmatch(r"[a-z+]+://[^/:@]+:(.+)@[^@]+", value):  # a URL with a password
            assert re.fullmatch(required, match[1]), f"{service}.{key} holds a password"
            checked += 1
    assert checked, f"{file} should take secrets from the environment"


# ---- the two deployments fit together ----


@pytest.mark.parametrize(("service_file", "infra_file"), PAIRS.items())
def test_the_service_joins_the_network_the_infra_creates(service_file: str, infra_file: str) -> None:
    service, infra = compose_model(service_file), compose_model(infra_file)
    joined = service["networks"]["infra"]
    created = infra["networks"]["infra"]
    assert joined.get("external") is True
    assert not created.get("external")
    assert joined["name"] == created["name"]
    for name, definition in service["services"].items():
        assert set(definition["networks"]) == {"infra"}, name


@pytest.mark.parametrize(("service_file", "infra_file"), PAIRS.items())
def test_the_database_url_names_the_infra_postgres(service_file: str, infra_file: str) -> None:
    service, infra = compose_model(service_file), compose_model(infra_file)
    postgres = infra["services"]["postgres"]["environment"]
    for name in ("migrate", "app"):
        url = service["services"][name]["environment"]["DATABASE_URL"]
        match = re.fullmatch(r"postgresql\+asyncpg://([^:@]+)(?::[^@]+)?@([^:/]+):(\d+)/(\w+)", url)
        assert match, url
        user, host, port, database = match.groups()
        assert (user, host, port, database) == (postgres["POSTGRES_USER"], "postgres", "5432", postgres["POSTGRES_DB"])


def test_migrations_run_before_the_app_starts() -> None:
    for file in PAIRS:
        services = compose_model(file)["services"]
        assert services["migrate"]["command"] == ["migrate"]
        assert services["migrate"]["image"] == services["app"]["image"]
        assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_nginx_proxies_to_the_app_service() -> None:
    conf = (ROOT / "infra/nginx/nginx.conf").read_text()
    match = re.search(r"set \$app_upstream http://([\w-]+):(\d+);", conf)
    assert match, "nginx.conf should proxy to http://<service>:<port>"
    assert match[1] in compose_model("docker-compose.yml")["services"]
    assert int(match[2]) == APP_PORT
    assert "location ^~ /metrics" in conf


def test_prometheus_discovers_the_app_replicas() -> None:
    config = yaml.safe_load((ROOT / "infra/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    discovery = jobs["order-service"]["dns_sd_configs"]
    assert discovery == [{"names": ["app"], "type": "A", "port": APP_PORT, "refresh_interval": "15s"}]
    assert jobs["order-service"]["metrics_path"] == "/metrics"
    assert "app" in compose_model("docker-compose.yml")["services"]
    assert {"prometheus", "alertmanager"} <= jobs.keys()
    targets = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert targets == ["alertmanager:9093"]


def test_filebeat_ships_the_app_logs_to_the_logstash_beats_input() -> None:
    filebeat = yaml.safe_load((ROOT / "deploy/filebeat.yml").read_text())
    host, port = filebeat["output.logstash"]["hosts"][0].split(":")
    assert host in compose_model("infra/docker-compose.yml")["services"]
    assert f"port => {port}" in logstash.PIPELINE.read_text()
    provider = filebeat["filebeat.autodiscover"]["providers"][0]
    assert provider["hints.enabled"] is True
    assert provider["hints.default_config"]["enabled"] is False  # only the labelled containers
    for file in PAIRS:
        services = compose_model(file)["services"]
        assert services["app"]["labels"]["co.elastic.logs/enabled"] == "true"
        assert "co.elastic.logs/enabled" not in services["migrate"].get("labels", {})
        mounts = {volume["target"]: volume["source"] for volume in services["filebeat"]["volumes"]}
        assert mounts["/usr/share/filebeat/filebeat.yml"] == str(ROOT / "deploy/filebeat.yml")


@pytest.mark.parametrize("file", ["infra/docker-compose.yml", "infra/docker-compose.local.yml"])
def test_logstash_gets_every_variable_its_pipeline_reads(file: str) -> None:
    variables = set(re.findall(r"\$\{([A-Z0-9_]+)\}", logstash.PIPELINE.read_text()))
    assert variables, "the pipeline reads its Elasticsearch address and credentials from the environment"
    environment = compose_model(file)["services"]["logstash"]["environment"]
    assert variables <= environment.keys()
    mounts = {volume["target"]: volume["source"] for volume in compose_model(file)["services"]["logstash"]["volumes"]}
    assert mounts["/usr/share/logstash/pipeline"] == str(logstash.PIPELINE.parent)


def test_local_and_production_run_the_same_image_versions() -> None:
    for local, production in [
        ("infra/docker-compose.local.yml", "infra/docker-compose.yml"),
        ("docker-compose.local.yml", "docker-compose.yml"),
    ]:
        local_images = {
            n: s["image"] for n, s in compose_model(local)["services"].items() if n not in {"app", "migrate"}
        }
        production_images = {n: s["image"] for n, s in compose_model(production)["services"].items()}
        for name, image in local_images.items():
            assert production_images[name] == image, name


@pytest.mark.parametrize("file", COMPOSE_FILES)
def test_every_third_party_image_is_pinned(file: str) -> None:
    for name, service in compose_model(file)["services"].items():
        if name in {"app", "migrate"}:
            continue
        image, _, tag = service["image"].rpartition(":")
        assert image, service["image"]
        assert re.fullmatch(r"v?\d+\.\d+(\.\d+)?(-[a-z0-9]+)?", tag), f"{name}: {service['image']}"


# ---- local: everything on 127.0.0.1; production: hardened ----


@pytest.mark.parametrize("file", LOCAL_FILES)
def test_local_ports_listen_on_127_0_0_1_only(file: str) -> None:
    for name, service in compose_model(file)["services"].items():
        for port in service.get("ports", []):
            assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"


def test_production_publishes_only_nginx_to_the_outside() -> None:
    infra = compose_model("infra/docker-compose.yml")["services"]
    for name, service in infra.items():
        for port in service.get("ports", []):
            assert name == "nginx" or port.get("host_ip") == "127.0.0.1", f"{name}: {port}"
    assert not any(s.get("ports") for s in compose_model("docker-compose.yml")["services"].values())


def long_running(model: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in model["services"].items() if s.get("restart") != "no"}


@pytest.mark.parametrize("file", PRODUCTION_FILES)
def test_production_services_are_limited_restarted_and_rotate_their_logs(file: str) -> None:
    model = compose_model(file)
    for name, service in model["services"].items():
        assert service["deploy"]["resources"]["limits"]["memory"], name
        assert service["logging"]["driver"] == "json-file", name
        assert service["logging"]["options"]["max-size"], name
    for name, service in long_running(model).items():
        assert service["restart"] == "unless-stopped", name


def test_production_keeps_its_data_in_named_volumes() -> None:
    services = compose_model("infra/docker-compose.yml")["services"]
    data = {
        "postgres": "/var/lib/postgresql/data",
        "elasticsearch": "/usr/share/elasticsearch/data",
        "prometheus": "/prometheus",
        "alertmanager": "/alertmanager",
        "grafana": "/var/lib/grafana",
    }
    for name, target in data.items():
        volumes = {v["target"]: v for v in services[name]["volumes"]}
        assert volumes[target]["type"] == "volume", name


def test_production_app_replicas_are_several_read_only_and_healthchecked() -> None:
    app = compose_model("docker-compose.yml")["services"]["app"]
    assert app["deploy"]["replicas"] >= 2
    assert app["read_only"] is True
    assert "/tmp" in app["tmpfs"]  # noqa: S108  # PROMETHEUS_MULTIPROC_DIR lives there, new at every start
    assert "/health/live" in " ".join(app["healthcheck"]["test"])
    assert app["environment"]["ENV_FILE"] == "/dev/null"
    assert app["environment"]["LOG_FORMAT"] == "json"


def test_the_security_of_elasticsearch_is_on_in_production_only() -> None:
    production = compose_model("infra/docker-compose.yml")["services"]["elasticsearch"]["environment"]
    local = compose_model("infra/docker-compose.local.yml")["services"]["elasticsearch"]["environment"]
    assert production["xpack.security.enabled"] == "true"
    assert local["xpack.security.enabled"] == "false"
