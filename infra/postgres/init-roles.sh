#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d): the service's least-privilege roles (roles.sql). Also
# run by `make db-roles` on an existing volume. The passwords come from the container's environment.
set -eu

psql --no-psqlrc --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
    --set database="${POSTGRES_DB}" \
    --set owner="${DB_OWNER_USER}" --set owner_password="${DB_OWNER_PASSWORD}" \
    --set app="${DB_APP_USER}" --set app_password="${DB_APP_PASSWORD}" \
    --set exporter="${DB_EXPORTER_USER}" --set exporter_password="${DB_EXPORTER_PASSWORD}" \
    --file /etc/order-service/roles.sql
