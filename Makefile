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
# The database targets run their command through devtools/database.py: the server in DATABASE_URL, or this
# checkout's embedded PostgreSQL when DATABASE_URL=embedded or nothing answers at .local.env's address
# (devtools/README.md). It stops when the last make using it ends (DATABASE_HOLDER: this make's pid).
export DATABASE_HOLDER := $(shell echo $$PPID)
WITH_DATABASE = $(UV) run --no-sync python -m devtools.database run --
# The same rule for TEST_DATABASE_SERVER, with a throwaway embedded server (pytest applies it by itself).
WITH_TEST_DATABASE = $(UV) run --no-sync python -m devtools.database test --

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}'

$(VENV_STAMP): pyproject.toml uv.lock
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv
	$(UV) sync --locked --compile-bytecode
	@touch $@

.PHONY: install
install: $(VENV_STAMP) ## Install the locked dependencies into .venv (uv sync --locked)

.PHONY: database
database: install ## Create the database named in DATABASE_URL if the server lacks it
	@$(WITH_DATABASE) python main.py ensure-database

.PHONY: migrate
migrate: database ## Apply every migration (alembic upgrade head)
	$(WITH_DATABASE) alembic upgrade head

.PHONY: downgrade
downgrade: install ## Undo the last migration (alembic downgrade -1)
	$(WITH_DATABASE) alembic downgrade -1

.PHONY: revision
revision: install ## New numbered migration: make revision name="add orders" [autogenerate=1]
	@test -n "$(name)" || { echo 'usage: make revision name="what it does" [autogenerate=1]'; exit 2; }
	@next=$$(printf '%04d' $$(( $$(ls migrations/versions | grep -cE '^[0-9]{4}_') + 1 ))); \
	$(if $(autogenerate),$(WITH_DATABASE),$(UV) run --no-sync) alembic revision --rev-id "$$next" -m "$(name)" $(if $(autogenerate),--autogenerate,)

.PHONY: seed
seed: migrate ## Fill an empty database with demo data
	$(WITH_DATABASE) python main.py seed

.PHONY: run
run: migrate ## Serve the storefront on http://127.0.0.1:8000/ with live reload (settings from .local.env)
	@echo "The storefront: http://$(HOST):$(PORT)/  (REST API under /api, OpenAPI at /schema)"
	$(WITH_DATABASE) uvicorn main:create_app --factory --host $(HOST) --port $(PORT) --reload

.PHONY: serve
serve: migrate ## Serve like production: WORKERS=n, JSON logs, metrics shared across workers
	@dir=$${PROMETHEUS_MULTIPROC_DIR:-$$(mktemp -d)}; rm -rf "$$dir"/*; \
	PROMETHEUS_MULTIPROC_DIR="$$dir" LOG_FORMAT=json $(WITH_DATABASE) python serve.py \
		--host $(HOST) --port $(PORT) --workers $(WORKERS)

.PHONY: test
test: install test-tools ## Run the whole test suite (TEST_DATABASE_SERVER=user@host:port|embedded)
	$(UV) run --no-sync pytest -n auto --dist loadgroup

# Playwright drives Debian's Chromium: Playwright's own browser download is never used.
.PHONY: browser-tools
browser-tools: ## Install Chromium (Debian's package) for the browser tests if missing
	@command -v chromium >/dev/null || { \
		echo "browser-tools: installing chromium (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# jq runs the README's walk-through (tests/contract/test_readme.py).
.PHONY: test-tools
test-tools: browser-tools ## Install what the suite drives besides Python: Chromium and jq (apt), if missing
	@command -v jq >/dev/null || { \
		echo "test-tools: installing jq (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; }

.PHONY: screenshot
screenshot: install browser-tools ## Retake the README's pictures of the storefront (docs/storefront*.png)
	SCREENSHOT_DIR=docs $(UV) run --no-sync pytest tests/browser -k screenshot

.PHONY: test-fast
test-fast: install ## Unit tests only: no database, a second or two
	$(UV) run --no-sync pytest tests/unit tests/architecture

.PHONY: bench-tools
bench-tools: ## Install the load generator wrk (and pgbench) from Debian's packages if missing
	@command -v wrk >/dev/null && command -v pgbench >/dev/null || { \
		apt-get update -qq && apt-get install -y -qq wrk postgresql-client >/dev/null; }

.PHONY: bench
bench: install bench-tools ## Order placement vs pgbench and a flat one-handler reference: 1/2 workers, c=16/64, spread/hot
	$(WITH_TEST_DATABASE) python -m tests.benchmarks.run $(BENCH_ARGS)

.PHONY: bench-quick
bench-quick: install bench-tools ## One short round (2 workers, c=16, spread) with app / flat: a smoke test
	$(WITH_TEST_DATABASE) python -m tests.benchmarks.run --quick

.PHONY: db-stop
db-stop: install ## Stop this checkout's embedded PostgreSQL (its data in .embedded-postgres/ is kept)
	$(UV) run --no-sync python -m devtools.database stop

.PHONY: bench-ab
bench-ab: install bench-tools ## The app against git revision REV, interleaved (2 workers, c=64): make bench-ab REV=main
	@test -n "$(REV)" || { echo 'usage: make bench-ab REV=<commit> [BENCH_ARGS="--front nginx ..."]'; exit 2; }
	$(WITH_TEST_DATABASE) python -m tests.benchmarks.run --ab "$(REV)" --workers 2 --concurrency 64 --rounds 3 $(BENCH_ARGS)

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

# ---- operations (infra/README.md) ----

.PHONY: deploy
deploy: deploy-env ## Rolling update (ENV=prod): migrate, start new replicas, wait until healthy, remove the old
ifeq ($(ENV),prod)
	COMPOSE="$(APP_COMPOSE)" APP_REPLICAS="$${APP_REPLICAS:-$$(sed -n 's/^APP_REPLICAS=//p' .env)}" IMAGE_PULL=1 \
		sh deploy/rolling-deploy.sh
else
	@# Locally one replica publishes 127.0.0.1:8000, so two cannot run side by side: rebuilt and recreated.
	$(APP_COMPOSE) up -d --build
endif

.PHONY: backup
backup: deploy-env ## Dump the orders database now into the backups volume (pg_dump); ENV=prod
	$(INFRA_COMPOSE) exec backup sh /usr/local/bin/backup.sh dump

.PHONY: backups
backups: deploy-env ## List the dumps in the backups volume, newest first; ENV=prod
	$(INFRA_COMPOSE) exec backup sh /usr/local/bin/backup.sh list

.PHONY: restore
restore: deploy-env ## Restore a dump into a NEW database: make restore FILE=<name>.dump DATABASE=<new name>; ENV=prod
	@test -n "$(FILE)" -a -n "$(DATABASE)" || { echo 'usage: make restore FILE=<dump from make backups> DATABASE=<new database>'; exit 2; }
	$(INFRA_COMPOSE) exec backup sh /usr/local/bin/backup.sh restore "/backups/$(notdir $(FILE))" "$(DATABASE)"

.PHONY: db-roles
db-roles: deploy-env ## (Re)apply the database roles and grants of infra/postgres/roles.sql; ENV=prod
	$(INFRA_COMPOSE) exec postgres sh /docker-entrypoint-initdb.d/10-roles.sh

# The validators: Python ones from the dev dependency group (uv.lock), the rest from Debian (the exporters for
# tests/observability).
DEPLOY_APT_TOOLS := nginx promtool amtool prometheus-postgres-exporter prometheus-node-exporter
DEPLOY_APT_PACKAGES := nginx prometheus prometheus-alertmanager prometheus-postgres-exporter prometheus-node-exporter
COMPOSE_FILES := docker-compose.yml docker-compose.local.yml infra/docker-compose.yml infra/docker-compose.local.yml
# Stand-ins for what production takes from its environment (every name infra/.env.example lists), so that
# `config` can render the production files. Only ever in the environment of the validating command;
# tests/deploy checks that each one missing is refused.
DEPLOY_CHECK_SECRETS := $(shell sed -n 's/^\([A-Z0-9_]*\)=$$/\1=deploy-check-stand-in-value-0123456789/p' infra/.env.example)
RUN_TOOL := $(UV) run --no-sync
CHECK_DIR := .deploy-check

.PHONY: deploy-tools
# The packages' own daemons are not started (policy-rc.d): only their binaries are used.
deploy-tools: install ## Install the offline validators (nginx, promtool, amtool, exporters with apt; the rest with uv)
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
deploy-check: deploy-tools ## Validate the Dockerfile, compose files, nginx, logstash, prometheus, alertmanager offline
	@echo "--- compose files render (docker-compose config -q)"
	$(RUN_TOOL) docker-compose --profile '*' -f docker-compose.local.yml --env-file .local.env config -q
	$(RUN_TOOL) docker-compose --profile '*' -f infra/docker-compose.local.yml --env-file infra/.local.env config -q
	env $(DEPLOY_CHECK_SECRETS) $(RUN_TOOL) docker-compose --profile '*' -f docker-compose.yml --env-file .env config -q
	env $(DEPLOY_CHECK_SECRETS) $(RUN_TOOL) docker-compose --profile '*' -f infra/docker-compose.yml --env-file infra/.env \
		config -q
	@echo "--- compose files and the Renovate configuration against their schemas"
	$(RUN_TOOL) check-jsonschema --builtin-schema vendor.compose-spec $(COMPOSE_FILES)
	$(RUN_TOOL) check-jsonschema --builtin-schema vendor.renovate renovate.json
	@echo "--- Dockerfile and shell scripts"
	$(RUN_TOOL) hadolint Dockerfile
	$(RUN_TOOL) shellcheck deploy/*.sh infra/*/*.sh
	@echo "--- nginx (Debian's 1.22, on the copy it can load: tests/deploy/nginx_compat.py), logstash"
	@rm -rf $(CHECK_DIR) && mkdir -p $(CHECK_DIR)
	$(RUN_TOOL) python -m tests.deploy.nginx_compat infra/nginx/nginx.conf $(CHECK_DIR)/nginx.conf
	nginx -t -q -p "$(CURDIR)/$(CHECK_DIR)/" -c "$(CURDIR)/$(CHECK_DIR)/nginx.conf"
	$(RUN_TOOL) python -m tests.deploy.logstash infra/logstash/pipeline/*.conf
	@echo "--- prometheus, alertmanager (the template rendered with infra/.local.env's values)"
	promtool check config infra/prometheus/prometheus.yml
	promtool check rules infra/prometheus/rules/*.yml
	set -a && . infra/.local.env && set +a && \
		sh infra/alertmanager/render.sh infra/alertmanager/alertmanager.yml $(CHECK_DIR)/alertmanager.yml
	amtool check-config $(CHECK_DIR)/alertmanager.yml
	@echo "--- alert and recording rules: their unit tests (promtool test rules)"
	promtool test rules infra/prometheus/tests/*.yml
	@echo "--- YAML"
	$(RUN_TOOL) yamllint --strict .
	@rm -rf $(CHECK_DIR)
	@echo "--- each validator refuses a broken copy; files agree with each other; the image's entrypoint; roles,"
	@echo "    backups, rolling deploys and the log setup jobs against the test database and stand-ins"
	$(RUN_TOOL) pytest tests/deploy -n auto

.PHONY: observability-check
# Needs PostgreSQL (a test database) and the Debian binaries deploy-tools installs; 127.0.0.1 only, about 2 min.
observability-check: deploy-tools ## End to end: the app, real Prometheus, Alertmanager and exporters; alerts delivered to a webhook
	$(RUN_TOOL) pytest tests/observability
