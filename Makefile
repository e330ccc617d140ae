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
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(VENV_STAMP): pyproject.toml uv.lock
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv
	$(UV) sync --locked
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
	PROMETHEUS_MULTIPROC_DIR="$$dir" LOG_FORMAT=json $(UV) run --no-sync uvicorn main:create_app --factory \
		--host $(HOST) --port $(PORT) --workers $(WORKERS) --no-server-header

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
