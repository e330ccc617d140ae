#!/bin/sh
# One-off, run by the elasticsearch-setup service. Idempotent: every request creates or updates.
#   - production (ELASTICSEARCH_SECURITY=true, the default): the password Kibana logs in with, and the
#     least-privilege role and user Logstash writes with;
#   - always: the logs' lifecycle. ILM policy order-service-logs: a new backing index every LOGS_ROLLOVER_AGE
#     (or 10 GB per primary shard), deleted LOGS_RETENTION after its rollover. Index template
#     logs-order_service: the data stream logstash writes (logs-order_service-default), that policy, no replica
#     (one node) and the fields the pipeline produces, typed.
set -eu

es="${ELASTICSEARCH_URL:-http://elasticsearch:9200}"
security="${ELASTICSEARCH_SECURITY:-true}"
: "${LOGS_RETENTION:?}" "${LOGS_ROLLOVER_AGE:?}"

for duration in "$LOGS_RETENTION" "$LOGS_ROLLOVER_AGE"; do
    case "$duration" in
        *[!0-9dhms]* | "" | [!0-9]*)
            echo "elasticsearch-setup: LOGS_RETENTION and LOGS_ROLLOVER_AGE are durations such as 30d or 12h" >&2
            exit 1
            ;;
    esac
done

if [ "$security" = "true" ]; then
    : "${ELASTIC_PASSWORD:?}" "${KIBANA_SYSTEM_PASSWORD:?}" "${LOGSTASH_INTERNAL_PASSWORD:?}"
    # The passwords are written into JSON below: keep them to URL- and JSON-safe characters.
    for password in "$KIBANA_SYSTEM_PASSWORD" "$LOGSTASH_INTERNAL_PASSWORD"; do
        case "$password" in
            *[!A-Za-z0-9._~-]*)
                echo "elasticsearch-setup: passwords may hold only A-Z a-z 0-9 . _ ~ - (try openssl rand -hex 24)" >&2
                exit 1
                ;;
        esac
    done
fi

es_curl() {
    if [ "$security" = "true" ]; then
        curl --silent --show-error --fail -u "elastic:${ELASTIC_PASSWORD}" "$@"
    else
        curl --silent --show-error --fail "$@"
    fi
}

request() { # METHOD PATH JSON
    es_curl -X "$1" "${es}$2" -H "Content-Type: application/json" --data "$3"
    echo
}

attempt=1
until es_curl "${es}/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null; do
    if [ "$attempt" -ge 60 ]; then
        echo "elasticsearch-setup: Elasticsearch did not answer" >&2
        exit 1
    fi
    attempt=$((attempt + 1))
    sleep 2
done

if [ "$security" = "true" ]; then
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
fi

request PUT /_ilm/policy/order-service-logs "{
  \"policy\": {
    \"_meta\": {\"description\": \"order-service logs: rollover, then delete (infra/elasticsearch/setup.sh)\"},
    \"phases\": {
      \"hot\": {
        \"actions\": {
          \"rollover\": {\"max_age\": \"${LOGS_ROLLOVER_AGE}\", \"max_primary_shard_size\": \"10gb\"}
        }
      },
      \"delete\": {
        \"min_age\": \"${LOGS_RETENTION}\",
        \"actions\": {\"delete\": {}}
      }
    }
  }
}"

# Priority 200: above Elasticsearch's built-in logs-*-* template (100), which this one builds on.
request PUT /_index_template/logs-order_service '{
  "index_patterns": ["logs-order_service-*"],
  "data_stream": {},
  "priority": 200,
  "composed_of": ["logs@mappings", "logs@settings", "ecs@mappings"],
  "template": {
    "settings": {
      "index.lifecycle.name": "order-service-logs",
      "index.number_of_replicas": 0
    },
    "mappings": {
      "properties": {
        "message": {"type": "match_only_text"},
        "log": {"properties": {"level": {"type": "keyword"}, "logger": {"type": "keyword"}}},
        "http": {"properties": {"request": {"properties": {"id": {"type": "keyword"}}}}},
        "error": {"properties": {"stack_trace": {"type": "wildcard"}}},
        "service": {"properties": {"name": {"type": "keyword"}}},
        "container": {"properties": {"name": {"type": "keyword"}}}
      }
    }
  },
  "_meta": {"description": "order-service logs, written by logstash (infra/elasticsearch/setup.sh)"}
}'
echo "elasticsearch-setup: done"
