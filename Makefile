# order-service: every routine task. `make help` lists them.
# Each target installs what it needs (uv sync), so a fresh clone needs only Python 3.13 and make.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

UV ?= uv
# Settings for local runs; production containers get their environment from .env (see README).
ENV_FILE ?= .local.env
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1
export ENV_FILE

VENV_STAMP := .venv/.synced-stamp

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}'

$(VENV_STAMP): pyproject.toml uv.lock
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv
	$(UV) sync --locked --compile-bytecode  # PYTHONDONTWRITEBYTECODE machines would recompile every import
	@touch $@

.PHONY: install
install: $(VENV_STAMP) ## Install the locked dependencies into .venv (uv sync --locked)

.PHONY: database
database: install ## Create the database named in DATABASE_URL if the server lacks it
	@$(UV) run --no-sync python main.py ensure-database

.PHONY: migrate
migrate: database ## Apply every migration (alembic upgrade head)
	$(UV) run --no-sync alembic upgrade head

.PHONY: downgrade
downgrade: install ## Undo the last migration (alembic downgrade -1)
	$(UV) run --no-sync alembic downgrade -1

.PHONY: revision
revision: install ## New numbered migration: make revision name="add orders" [autogenerate=1]
	@test -n "$(name)" || { echo 'usage: make revision name="what it does" [autogenerate=1]'; exit 2; }
	@next=$$(printf '%04d' $$(( $$(ls migrations/versions | grep -cE '^[0-9]{4}_') + 1 ))); \
	$(UV) run --no-sync alembic revision --rev-id "$$next" -m "$(name)" $(if $(autogenerate),--autogenerate,)

.PHONY: seed
seed: migrate ## Fill an empty database with demo data
	$(UV) run --no-sync python main.py seed

.PHONY: run
run: migrate ## Serve on http://127.0.0.1:8000 with live reload (settings from .local.env)
	$(UV) run --no-sync uvicorn main:create_app --factory --host $(HOST) --port $(PORT) --reload

.PHONY: serve
serve: migrate ## Serve like production: WORKERS=n, JSON logs, metrics shared across workers
	@dir=$${PROMETHEUS_MULTIPROC_DIR:-$$(mktemp -d)}; rm -rf "$$dir"/*; \
	PROMETHEUS_MULTIPROC_DIR="$$dir" LOG_FORMAT=json $(UV) run --no-sync python -m shared_kernel.api.serving main:create_app \
		--host $(HOST) --port $(PORT) --workers $(WORKERS)

.PHONY: test
test: install ## Run the whole test suite (needs PostgreSQL; TEST_DATABASE_SERVER=user@host:port)
	$(UV) run --no-sync pytest -n auto --dist loadgroup

.PHONY: test-fast
test-fast: install ## Unit tests only: no database, a second or two
	$(UV) run --no-sync pytest tests/unit tests/architecture

.PHONY: bench-tools
bench-tools: ## Install the load generator wrk (and pgbench) from Debian's packages if missing
	@command -v wrk >/dev/null && command -v pgbench >/dev/null || { \
		apt-get update -qq && apt-get install -y -qq wrk postgresql-client >/dev/null; }

.PHONY: bench
bench: install bench-tools ## Order placement throughput vs pgbench, 1 and 2 workers, c=16/64, spread/hot
	$(UV) run --no-sync python -m tests.benchmarks.run

.PHONY: bench-quick
bench-quick: install bench-tools ## One short benchmark cell (2 workers, c=16, spread): a smoke test
	$(UV) run --no-sync python -m tests.benchmarks.run --quick

.PHONY: lint
lint: install ## ruff, ruff format --check, mypy --strict, import-linter contracts
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync mypy
	$(UV) run --no-sync lint-imports

.PHONY: fmt
fmt: install ## Format and autofix
	$(UV) run --no-sync ruff format .
	$(UV) run --no-sync ruff check --fix .

.PHONY: clean
clean: ## Remove caches and the virtualenv
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# ---------------------------------------------------------------------------------------------------------
# Deployment (README, "Deployment"): the infrastructure (infra/) first, then the service. ENV=local (the
# default: built from this checkout, .local.env files, 127.0.0.1 only) or ENV=prod (image APP_IMAGE, .env
# files, secrets from the environment or the git-ignored $(SECRETS_FILE)). These run `docker compose`
# against a Docker engine; deploy-check needs none.
# ---------------------------------------------------------------------------------------------------------
ENV ?= local
DOCKER ?= docker
DOCKER_COMPOSE ?= $(DOCKER) compose
SECRETS_FILE ?= .env.secret
SERVICE ?=

ifeq ($(ENV),prod)
SECRETS_ARG := $(if $(wildcard $(SECRETS_FILE)),--env-file $(SECRETS_FILE))
APP_COMPOSE := $(DOCKER_COMPOSE) -f docker-compose.yml --env-file .env $(SECRETS_ARG)
INFRA_COMPOSE := $(DOCKER_COMPOSE) -f infra/docker-compose.yml --env-file infra/.env $(SECRETS_ARG)
else
APP_COMPOSE := $(DOCKER_COMPOSE) -f docker-compose.local.yml --env-file .local.env
INFRA_COMPOSE := $(DOCKER_COMPOSE) -f infra/docker-compose.local.yml --env-file infra/.local.env
endif

# Checked by the targets that deploy only, so that an unrelated ENV in the shell breaks no other target.
.PHONY: deploy-env
deploy-env:
	@case "$(ENV)" in local|prod) ;; *) echo 'ENV must be local or prod, not "$(ENV)"' >&2; exit 2 ;; esac

.PHONY: infra-up
infra-up: deploy-env ## Start the infrastructure (nginx, postgres, ELK, prometheus, alertmanager, grafana); ENV=prod
	$(INFRA_COMPOSE) up -d

.PHONY: infra-down
infra-down: deploy-env ## Stop the infrastructure (its volumes are kept); ENV=prod
	$(INFRA_COMPOSE) down

.PHONY: build
build: deploy-env ## Build the app image: local via compose, ENV=prod as $APP_IMAGE (from .env or the environment)
ifeq ($(ENV),prod)
	@image="$${APP_IMAGE:-$$(sed -n 's/^APP_IMAGE=//p' .env)}"; \
	echo "$(DOCKER) build --tag $$image ."; $(DOCKER) build --tag "$$image" .
else
	$(APP_COMPOSE) build
endif

.PHONY: up
up: deploy-env ## Start the service after infra-up: migrations, then the app replicas (and filebeat); ENV=prod
	$(APP_COMPOSE) up -d $(if $(filter local,$(ENV)),--build)

.PHONY: down
down: deploy-env ## Stop the service (the infrastructure keeps running); ENV=prod
	$(APP_COMPOSE) down

.PHONY: logs
logs: deploy-env ## Follow the service's logs (SERVICE=app for one service); ENV=prod
	$(APP_COMPOSE) logs --follow --tail=200 $(SERVICE)

# The validators: Python ones from the dev dependency group (uv.lock), the rest from Debian.
DEPLOY_APT_TOOLS := nginx promtool amtool
DEPLOY_APT_PACKAGES := nginx prometheus prometheus-alertmanager
COMPOSE_FILES := docker-compose.yml docker-compose.local.yml infra/docker-compose.yml infra/docker-compose.local.yml
# Stand-ins for the production secrets, so that `config` can render the production files. Only ever in the
# environment of the validating command; tests/deploy checks that each one missing is refused.
DEPLOY_CHECK_SECRETS := POSTGRES_PASSWORD=deploy-check ELASTIC_PASSWORD=deploy-check \
	KIBANA_SYSTEM_PASSWORD=deploy-check LOGSTASH_INTERNAL_PASSWORD=deploy-check \
	KIBANA_ENCRYPTION_KEY=deploy-check-deploy-check-deploy-check GRAFANA_ADMIN_PASSWORD=deploy-check
RUN_TOOL := $(UV) run --no-sync

.PHONY: deploy-tools
# The packages' own daemons are not started (policy-rc.d): only their binaries are used.
deploy-tools: install ## Install the offline validators (nginx, promtool, amtool with apt; the rest with uv)
	@missing=""; for tool in $(DEPLOY_APT_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "deploy-tools: installing$$missing (apt: $(DEPLOY_APT_PACKAGES))"; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
			trap 'rm -f /usr/sbin/policy-rc.d' EXIT; \
		fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(DEPLOY_APT_PACKAGES) >/dev/null; \
	fi

.PHONY: deploy-check
deploy-check: deploy-tools ## Validate the Dockerfile, compose files, nginx, logstash, prometheus rules offline
	@echo "--- compose files render (docker-compose config -q)"
	$(RUN_TOOL) docker-compose --profile '*' -f docker-compose.local.yml --env-file .local.env config -q
	$(RUN_TOOL) docker-compose --profile '*' -f infra/docker-compose.local.yml --env-file infra/.local.env config -q
	env $(DEPLOY_CHECK_SECRETS) $(RUN_TOOL) docker-compose --profile '*' -f docker-compose.yml --env-file .env config -q
	env $(DEPLOY_CHECK_SECRETS) $(RUN_TOOL) docker-compose --profile '*' -f infra/docker-compose.yml --env-file infra/.env \
		config -q
	@echo "--- compose files against the Compose Specification schema"
	$(RUN_TOOL) check-jsonschema --builtin-schema vendor.compose-spec $(COMPOSE_FILES)
	@echo "--- Dockerfile and shell scripts"
	$(RUN_TOOL) hadolint Dockerfile
	$(RUN_TOOL) shellcheck deploy/entrypoint.sh infra/elasticsearch/setup.sh
	@echo "--- nginx, logstash, prometheus, alertmanager configurations"
	nginx -t -q -p "$(CURDIR)/infra/nginx/" -c "$(CURDIR)/infra/nginx/nginx.conf"
	$(RUN_TOOL) python -m tests.deploy.logstash infra/logstash/pipeline/*.conf
	promtool check config infra/prometheus/prometheus.yml
	promtool check rules infra/prometheus/rules/*.yml
	amtool check-config infra/alertmanager/alertmanager.yml
	@echo "--- alert and recording rules: their unit tests (promtool test rules)"
	promtool test rules infra/prometheus/tests/*.yml
	@echo "--- YAML"
	$(RUN_TOOL) yamllint --strict .
	@echo "--- each validator refuses a broken copy; files agree with each other; the image's entrypoint"
	$(RUN_TOOL) pytest tests/deploy -n auto

.PHONY: observability-check
# Needs PostgreSQL (a test database) and the Debian binaries deploy-tools installs; 127.0.0.1 only, about 80 s.
observability-check: deploy-tools ## End to end: the app (2 workers), real Prometheus and Alertmanager, the rules; stop -> alert
	$(RUN_TOOL) pytest tests/observability
