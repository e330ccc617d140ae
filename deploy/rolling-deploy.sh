#!/bin/sh
# Rolling update of the app replicas, without downtime (make deploy). With COMPOSE the compose command of the
# deployment (e.g. "docker compose -f docker-compose.yml --env-file .env") and APP_REPLICAS the replica count:
#   1. pull the image (IMAGE_PULL=1) and run the migrations: expand-only changes, so the replicas still running
#      keep working on the new schema (infra/README.md, "Expand, then contract");
#   2. start APP_REPLICAS new replicas beside the old ones;
#   3. wait until Docker reports every new one healthy (at most DEPLOY_TIMEOUT_SECONDS);
#   4. stop the old ones (SIGTERM: uvicorn finishes the requests under way within stop_grace_period), then
#      remove them. nginx looks `app` up again every 10 s and retries a refused connection on another replica.
# A new replica that turns unhealthy or is too slow: the new ones are removed, the old ones keep serving, and
# the deploy fails. A failed migration stops everything before a replica is touched.
set -eu

: "${COMPOSE:?COMPOSE must hold the compose command, e.g. docker compose -f docker-compose.yml --env-file .env}"
replicas="${APP_REPLICAS:?APP_REPLICAS must hold the number of replicas}"
timeout="${DEPLOY_TIMEOUT_SECONDS:-180}"
docker="${DOCKER:-docker}"

log() {
    echo "deploy: $*" >&2
}

compose() {
    # shellcheck disable=SC2086 # COMPOSE is a command line: split into words on purpose
    $COMPOSE "$@"
}

app_containers() {
    compose ps --quiet app | sort
}

state() { # "running/healthy", "running/starting", "exited/unhealthy"...
    "$docker" inspect --format '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1"
}

old="$(app_containers)"
old_count="$(printf '%s' "$old" | grep -c . || true)"

if [ "${IMAGE_PULL:-0}" = "1" ]; then
    compose pull app
fi
log "migrating (the ${old_count} running replicas keep serving)"
compose run --rm --no-deps migrate

log "starting ${replicas} new replicas beside the ${old_count} old ones"
compose up --detach --no-deps --no-recreate --scale "app=$((old_count + replicas))" app
new="$(app_containers | grep -vxF "${old:-none}" || true)"
if [ "$(printf '%s' "$new" | grep -c . || true)" -ne "$replicas" ]; then
    log "expected ${replicas} new replicas, found: ${new:-none}"
    exit 1
fi

started="$(date +%s)"
while :; do
    states=""
    for container in $new; do
        states="${states} $(state "$container")"
    done
    # Ready when every one is running and healthy; failed as soon as one is not on its way there.
    case "$states" in
        *exited* | *dead* | *restarting* | *unhealthy* | */none*) verdict=failed ;;
        *starting* | *created*) verdict=waiting ;;
        *) verdict=ready ;;
    esac
    waited=$(($(date +%s) - started))
    if [ "$verdict" = ready ]; then
        break
    fi
    if [ "$verdict" = failed ] || [ "$waited" -ge "$timeout" ]; then
        log "new replicas not healthy (${states# }) after ${waited}s: removing them, the old ones keep serving"
        # shellcheck disable=SC2086 # one argument per container id
        "$docker" rm --force $new >/dev/null
        exit 1
    fi
    sleep "${DEPLOY_POLL_SECONDS:-2}"
done
log "the ${replicas} new replicas are healthy after ${waited}s"

if [ -n "$old" ]; then
    log "stopping the ${old_count} old replicas"
    # shellcheck disable=SC2086 # one argument per container id
    "$docker" stop $old >/dev/null
    # shellcheck disable=SC2086
    "$docker" rm $old >/dev/null
fi
log "done: ${replicas} replicas of the new image"
