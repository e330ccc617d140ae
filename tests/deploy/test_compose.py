"""The compose files: production refuses to start without its secrets, none is committed, and the files of
the two deployments (infra, service) agree with each other and with the nginx, prometheus, filebeat and
logstash configurations they mount."""

import fnmatch
import json
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
    assert required_secrets("docker-compose.yml") == {"DB_OWNER_PASSWORD", "DB_APP_PASSWORD"}


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
    secret = sorted(required_secrets(file))[0]
    result = compose_config(file, COMPOSE_FILES[file], clean_env(**{**secret_stand_ins(), secret: ""}))
    assert result.returncode != 0
    assert secret in result.stderr


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
        if match := re.fullmatch(r"[a-z+]+://(?:\$\{[^}]+\}|[^/:@]+):(.+)@[^@]+", value):  # a URL with a password
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
    networks = {name: set(definition["networks"]) for name, definition in service["services"].items()}
    assert networks == {
        "migrate": {"infra"},
        "app": {"infra"},
        "filebeat": {"infra", "docker-api"},
        "docker-socket-proxy": {"docker-api"},  # the Docker API: filebeat's alone, no way out
    }
    assert service["networks"]["docker-api"]["internal"] is True


@pytest.mark.parametrize(("service_file", "infra_file"), PAIRS.items())
def test_the_database_url_names_the_infra_postgres_and_its_least_privilege_roles(
    service_file: str, infra_file: str
) -> None:
    """The migrate job connects as the owner role, the replicas as the app role: the roles infra's PostgreSQL
    creates at its first start (infra/postgres/init-roles.sh, tests/deploy/test_database_roles.py)."""
    service, infra = compose_model(service_file), compose_model(infra_file)
    postgres = infra["services"]["postgres"]["environment"]
    for name, role in {"migrate": "DB_OWNER_USER", "app": "DB_APP_USER"}.items():
        url = service["services"][name]["environment"]["DATABASE_URL"]
        match = re.fullmatch(r"postgresql\+asyncpg://([^:@]+)(?::[^@]+)?@([^:/]+):(\d+)/(\w+)", url)
        assert match, url
        user, host, port, database = match.groups()
        assert (user, host, port, database) == (postgres[role], "postgres", "5432", postgres["POSTGRES_DB"])
    assert postgres["POSTGRES_USER"] == "postgres"  # the superuser: no service connects with it


@pytest.mark.parametrize("file", ["infra/docker-compose.yml", "infra/docker-compose.local.yml"])
def test_postgres_creates_the_roles_at_its_first_start(file: str) -> None:
    postgres = compose_model(file)["services"]["postgres"]
    mounts = {v["target"]: v["source"] for v in postgres["volumes"]}
    assert mounts["/docker-entrypoint-initdb.d/10-roles.sh"] == str(ROOT / "infra/postgres/init-roles.sh")
    init = (ROOT / "infra/postgres/init-roles.sh").read_text()
    assert mounts[re.search(r"--file (\S+)", init)[1]] == str(ROOT / "infra/postgres/roles.sql")  # type: ignore[index]
    assert set(re.findall(r"\$\{(\w+)\}", init)) <= postgres["environment"].keys()


def test_the_backup_job_dumps_the_service_database_and_reports_to_node_exporter() -> None:
    services = compose_model("infra/docker-compose.yml")["services"]
    backup, postgres = services["backup"], services["postgres"]
    assert backup["image"] == postgres["image"]  # pg_dump of the server's own version
    assert backup["environment"]["PGDATABASE"] == postgres["environment"]["POSTGRES_DB"]
    assert backup["environment"]["PGHOST"] == "postgres"
    assert backup["environment"]["RESTORE_OWNER"] == postgres["environment"]["DB_OWNER_USER"]
    volumes = {v["target"]: v["source"] for v in backup["volumes"]}
    assert volumes["/usr/local/bin/backup.sh"] == str(ROOT / "infra/postgres/backup.sh")
    assert backup["command"] == ["sh", "/usr/local/bin/backup.sh", "schedule"]
    textfile = next(v for v in services["node-exporter"]["volumes"] if v["target"] == "/textfile")
    assert textfile["source"] == volumes[backup["environment"]["BACKUP_METRICS_DIR"]]
    assert "--collector.textfile.directory=/textfile" in services["node-exporter"]["command"]
    assert volumes[backup["environment"]["BACKUP_DIR"]] == "postgres-backups"


def test_migrations_run_before_the_app_starts() -> None:
    for file in PAIRS:
        services = compose_model(file)["services"]
        assert services["migrate"]["command"] == ["migrate"]
        assert services["migrate"]["image"] == services["app"]["image"]
        assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        # A one-off job: an init process reaps and forwards signals; the image's healthcheck does not apply.
        assert services["migrate"]["init"] is True
        assert services["migrate"]["healthcheck"] == {"disable": True}


def test_the_replicas_report_the_count_they_are_deployed_with() -> None:
    app = compose_model("docker-compose.yml")["services"]["app"]
    assert int(app["environment"]["APP_REPLICAS"]) == app["deploy"]["replicas"]


def test_nginx_proxies_to_the_app_service() -> None:
    conf = (ROOT / "infra/nginx/nginx.conf").read_text()
    match = re.search(r"upstream app \{[^}]*server ([\w-]+):(\d+) resolve;", conf)
    assert match, "nginx.conf should proxy to the upstream server <service>:<port>, re-resolved"
    assert match[1] in compose_model("docker-compose.yml")["services"]
    assert int(match[2]) == APP_PORT
    assert conf.count("proxy_pass http://app;") == 2
    assert "location ^~ /metrics" in conf


def test_the_nginx_log_exporter_parses_the_lines_nginx_sends_it() -> None:
    conf = (ROOT / "infra/nginx/nginx.conf").read_text()
    exporter = yaml.safe_load((ROOT / "infra/nginx/nginxlog-exporter.yml").read_text())
    (namespace,) = exporter["namespaces"]
    log_format = re.search(r"log_format metrics ((?:'[^']*'\s*)+);", conf)
    assert log_format
    assert "".join(re.findall(r"'([^']*)'", log_format[1])) == namespace["format"]
    syslog = re.search(r"access_log syslog:server=([\d.]+:\d+),tag=(\w+) metrics;", conf)
    assert syslog
    assert namespace["source"]["syslog"]["listen_address"] == f"udp://{syslog[1]}"
    assert namespace["source"]["syslog"]["tags"] == [syslog[2]]
    assert namespace["name"] == "nginx"  # metric names nginx_http_...: what the NginxHigh5xxRatio alert reads
    for file in ("infra/docker-compose.yml", "infra/docker-compose.local.yml"):
        services = compose_model(file)["services"]
        assert services["nginx-exporter"]["network_mode"] == "service:nginx"  # nginx's 127.0.0.1
    prometheus = yaml.safe_load((ROOT / "infra/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    assert jobs["nginx"]["static_configs"] == [{"targets": [f"nginx:{exporter['listen']['port']}"]}]


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


def test_filebeat_ships_the_app_migrate_and_nginx_logs_to_the_logstash_beats_input() -> None:
    filebeat = yaml.safe_load((ROOT / "deploy/filebeat.yml").read_text())
    host, port = filebeat["output.logstash"]["hosts"][0].split(":")
    assert host in compose_model("infra/docker-compose.yml")["services"]
    assert f"port => {port}" in logstash.PIPELINE.read_text()
    provider = filebeat["filebeat.autodiscover"]["providers"][0]
    assert provider["hints.enabled"] is True
    assert provider["hints.default_config"]["enabled"] is False  # only the labelled containers
    for service_file, infra_file in PAIRS.items():
        services = compose_model(service_file)["services"]
        for name in ("app", "migrate"):
            assert services[name]["labels"]["co.elastic.logs/enabled"] == "true", name
        assert compose_model(infra_file)["services"]["nginx"]["labels"]["co.elastic.logs/enabled"] == "true"
        mounts = {volume["target"]: volume for volume in services["filebeat"]["volumes"]}
        assert mounts["/usr/share/filebeat/filebeat.yml"]["source"] == str(ROOT / "deploy/filebeat.yml")
        assert mounts["/var/lib/docker/containers"]["read_only"] is True


def test_filebeat_uses_filestream_with_the_container_parser() -> None:
    """The `container` input is deprecated (and off by default in 9.x): filestream reads Docker's JSON files."""
    provider = yaml.safe_load((ROOT / "deploy/filebeat.yml").read_text())["filebeat.autodiscover"]["providers"][0]
    config = provider["hints.default_config"]
    assert config["type"] == "filestream"
    assert "${data.container.id}" in config["id"]  # filestream inputs need a unique id each
    assert config["parsers"] == [{"container": {"stream": "all", "format": "docker"}}]
    assert config["paths"] == ["/var/lib/docker/containers/${data.container.id}/*-json.log"]


def test_filebeat_reaches_docker_only_through_the_read_only_socket_proxy() -> None:
    provider = yaml.safe_load((ROOT / "deploy/filebeat.yml").read_text())["filebeat.autodiscover"]["providers"][0]
    assert provider["host"] == "${DOCKER_HOST}"
    for file in PAIRS:
        services = compose_model(file)["services"]
        filebeat, proxy = services["filebeat"], services["docker-socket-proxy"]
        assert not any("docker.sock" in v["source"] for v in filebeat["volumes"]), file
        host = filebeat["environment"]["DOCKER_HOST"]
        assert host == "tcp://docker-socket-proxy:2375"
        (socket,) = proxy["volumes"]
        assert (socket["source"], socket["read_only"]) == ("/var/run/docker.sock", True)
        # What autodiscovery reads, nothing that changes anything.
        assert proxy["environment"] == {"CONTAINERS": "1", "EVENTS": "1", "INFO": "1", "POST": "0"}
        for name, service in services.items():
            if name != "docker-socket-proxy":
                assert not any("docker.sock" in v["source"] for v in service.get("volumes", [])), name


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


def test_each_image_has_one_version_in_every_file() -> None:
    """Elasticsearch, Logstash, Kibana and Filebeat are one release; every image is pinned once, everywhere."""
    versions: dict[str, set[str]] = {}
    for file in COMPOSE_FILES:
        for name, service in compose_model(file)["services"].items():
            if name not in {"app", "migrate"}:
                repository, _, tag = service["image"].rpartition(":")
                versions.setdefault(repository, set()).add(tag)
    assert {repository: tags for repository, tags in versions.items() if len(tags) > 1} == {}
    elastic = {tags.pop() for repository, tags in versions.items() if repository.startswith("docker.elastic.co/")}
    assert len(elastic) == 1, elastic
    assert "prom/prometheus" in versions


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


def test_renovate_allows_the_versions_pinned_today() -> None:
    """The update rules fit the files: every version pinned now is one Renovate's rules allow."""
    config = json.loads((ROOT / "renovate.json").read_text())
    images = {
        service["image"].rpartition(":")[0]: service["image"].rpartition(":")[2]
        for file in COMPOSE_FILES
        for name, service in compose_model(file)["services"].items()
        if name not in {"app", "migrate"}
    }
    images["python"] = re.search(r"ARG PYTHON_IMAGE=python:(\S+)", (ROOT / "Dockerfile").read_text())[1]  # type: ignore[index]
    for rule in config["packageRules"]:
        for package in rule["matchPackageNames"]:
            matched = [tag for image, tag in images.items() if fnmatch.fnmatch(image, package.replace("**", "*"))]
            assert matched, f"renovate.json names {package}, which no file uses"
            if "allowedVersions" in rule:
                allowed = re.compile(rule["allowedVersions"].strip("/"))
                assert all(allowed.search(tag) for tag in matched), (package, matched)
