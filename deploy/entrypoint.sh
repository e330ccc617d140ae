#!/bin/sh
# Entrypoint of the order-service image.
#   <command...>  prepare PROMETHEUS_MULTIPROC_DIR (created, emptied), then exec the command (default: uvicorn)
#   migrate       wait for the database server (MIGRATE_WAIT_ATTEMPTS x MIGRATE_WAIT_SECONDS), create the
#                 database if it is missing, then `alembic upgrade head`
set -eu

if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    # Metric files of a previous run would be summed into this one's: start from an empty directory.
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -delete
fi

if [ "${1:-}" = "migrate" ]; then
    attempts="${MIGRATE_WAIT_ATTEMPTS:-30}"
    pause="${MIGRATE_WAIT_SECONDS:-2}"
    attempt=1
    # ensure-database exits 1 with one line on stderr while no server answers, 2 when one refuses our
    # credentials (waiting will not fix a wrong password), 0 once the database exists.
    while :; do
        status=0
        python main.py ensure-database || status=$?
        if [ "$status" -eq 0 ]; then
            break
        fi
        if [ "$status" -ne 1 ]; then
            echo "migrate: giving up at once (ensure-database exited $status)" >&2
            exit "$status"
        fi
        if [ "$attempt" -ge "$attempts" ]; then
            echo "migrate: the database is still unreachable after $attempt attempts; giving up" >&2
            exit 1
        fi
        echo "migrate: waiting for the database (attempt $attempt of $attempts)" >&2
        attempt=$((attempt + 1))
        sleep "$pause"
    done
    exec alembic upgrade head
fi

exec "$@"
