#!/bin/sh
# One-off, run by the elasticsearch-setup service (production): the passwords and the least-privilege role
# that Kibana and Logstash log in with. Idempotent: every request creates or updates.
set -eu

: "${ELASTIC_PASSWORD:?}" "${KIBANA_SYSTEM_PASSWORD:?}" "${LOGSTASH_INTERNAL_PASSWORD:?}"
es="${ELASTICSEARCH_URL:-http://elasticsearch:9200}"

# The passwords are written into JSON below: keep them to URL- and JSON-safe characters.
for password in "$KIBANA_SYSTEM_PASSWORD" "$LOGSTASH_INTERNAL_PASSWORD"; do
    case "$password" in
        *[!A-Za-z0-9._~-]*)
            echo "elasticsearch-setup: passwords may hold only A-Z a-z 0-9 . _ ~ - (try openssl rand -hex 24)" >&2
            exit 1
            ;;
    esac
done

request() { # METHOD PATH JSON
    curl --silent --show-error --fail -u "elastic:${ELASTIC_PASSWORD}" -X "$1" "${es}$2" \
        -H "Content-Type: application/json" --data "$3"
    echo
}

attempt=1
until curl --silent --fail -u "elastic:${ELASTIC_PASSWORD}" \
    "${es}/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null; do
    if [ "$attempt" -ge 60 ]; then
        echo "elasticsearch-setup: Elasticsearch did not answer" >&2
        exit 1
    fi
    attempt=$((attempt + 1))
    sleep 2
done

request POST /_security/user/kibana_system/_password "{\"password\": \"${KIBANA_SYSTEM_PASSWORD}\"}"

# Logstash writes the order-service data streams and nothing else.
request PUT /_security/role/logstash_writer '{
  "cluster": ["monitor"],
  "indices": [
    {"names": ["logs-order_service-*"], "privileges": ["create_doc", "auto_configure", "view_index_metadata"]}
  ]
}'
request PUT /_security/user/logstash_internal "{
  \"password\": \"${LOGSTASH_INTERNAL_PASSWORD}\",
  \"roles\": [\"logstash_writer\"],
  \"full_name\": \"Logstash (order-service pipeline)\"
}"
echo "elasticsearch-setup: done"
