#!/bin/sh
# One-off, run by the kibana-setup service once Kibana answers. Idempotent (overwrites by id):
#   - the data view `order-service logs` on logs-order_service-* (id order-service-logs);
#   - the saved search `order-service errors`: log.level error or critical, with each line's request id (the
#     key to every other line of the same request), logger, message and stack trace.
# Production logs in as `elastic` (KIBANA_USER, ELASTIC_PASSWORD); locally security is off (no KIBANA_USER).
set -eu

kibana="${KIBANA_URL:-http://kibana:5601}"
user="${KIBANA_USER:-}"

kibana_curl() {
    if [ -n "$user" ]; then
        curl --silent --show-error --fail -u "${user}:${ELASTIC_PASSWORD:?}" "$@"
    else
        curl --silent --show-error --fail "$@"
    fi
}

request() { # METHOD PATH JSON
    kibana_curl -X "$1" "${kibana}$2" -H "Content-Type: application/json" -H "kbn-xsrf: order-service-setup" \
        --data "$3"
    echo
}

attempt=1
until kibana_curl "${kibana}/api/status" 2>/dev/null | grep -Eq '"level" *: *"available"'; do
    if [ "$attempt" -ge 90 ]; then
        echo "kibana-setup: Kibana did not become available" >&2
        exit 1
    fi
    attempt=$((attempt + 1))
    sleep 2
done

request POST /api/data_views/data_view '{
  "override": true,
  "data_view": {
    "id": "order-service-logs",
    "name": "order-service logs",
    "title": "logs-order_service-*",
    "timeFieldName": "@timestamp"
  }
}'

request POST "/api/saved_objects/search/order-service-errors?overwrite=true" '{
  "attributes": {
    "title": "order-service errors",
    "description": "Error and critical lines of the service and nginx; filter on a request id to see its whole story.",
    "columns": ["log.level", "http.request.id", "log.logger", "message", "error.stack_trace", "container.name"],
    "sort": [["@timestamp", "desc"]],
    "kibanaSavedObjectMeta": {
      "searchSourceJSON": "{\"query\":{\"query\":\"log.level:(error or critical)\",\"language\":\"kuery\"},\"filter\":[],\"indexRefName\":\"kibanaSavedObjectMeta.searchSourceJSON.index\"}"
    }
  },
  "references": [
    {"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern", "id": "order-service-logs"}
  ]
}'
echo "kibana-setup: done"
