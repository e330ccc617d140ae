# syntax=docker/dockerfile:1
# order-service image: the app and its migrations (alembic.ini + migrations/), for every replica and the
# one-off `migrate` service. Build: `make build ENV=prod` (docker build -t "$APP_IMAGE" .).

ARG PYTHON_IMAGE=python:3.13-slim

# uv, pinned: the same version that wrote uv.lock's format.
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# ---- builder: the locked dependencies in /app/.venv, then the code, all compiled to bytecode ----
FROM ${PYTHON_IMAGE} AS builder
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first, from uv.lock alone: this layer is rebuilt only when the lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    --mount=type=bind,source=.python-version,target=.python-version \
    uv sync --locked --no-dev --no-install-project
COPY alembic.ini main.py serve.py ./
COPY migrations/ migrations/
COPY shared_kernel/ shared_kernel/
COPY modules/ modules/
COPY --chmod=0755 deploy/entrypoint.sh deploy/entrypoint.sh
# The service's own code as bytecode too: the runtime user cannot write __pycache__.
RUN /app/.venv/bin/python -m compileall -q -j 0 main.py serve.py migrations shared_kernel modules

# ---- runtime: slim Python, no build tools, a numeric non-root user ----
FROM ${PYTHON_IMAGE} AS runtime
ARG APP_UID=10001
RUN groupadd --system --gid "${APP_UID}" app \
    && useradd --system --uid "${APP_UID}" --gid "${APP_UID}" --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app
# Settings come from the environment only (compose env_file); no .env file is read inside the container.
# PROMETHEUS_MULTIPROC_DIR is emptied by the entrypoint at every start; WEB_CONCURRENCY is the number of workers.
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ENV_FILE=/dev/null \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    WEB_CONCURRENCY=2
WORKDIR /app
# Owned by root and read-only for the app user.
COPY --from=builder /app /app
USER ${APP_UID}:${APP_UID}
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2)"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
# uvicorn with WEB_CONCURRENCY workers and the server options of serve.py.
CMD ["python", "serve.py", "--host", "0.0.0.0", "--port", "8000"]
