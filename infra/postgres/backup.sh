#!/bin/sh
# Logical backups of the orders database (pg_dump custom format), run by infra's `backup` service.
#   backup.sh schedule          dump now, then every BACKUP_INTERVAL_SECONDS, for ever (the service's command)
#   backup.sh dump              one dump now, then prune (make backup)
#   backup.sh prune             delete dumps older than BACKUP_RETENTION_DAYS, always keeping the newest
#   backup.sh list              the dumps, newest first
#   backup.sh restore FILE DB   restore FILE into the new database DB, owned by RESTORE_OWNER (make restore)
# The server, user, password and database come from libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.
# With BACKUP_METRICS_DIR set, each good dump writes backup_last_success_timestamp_seconds there, for
# node-exporter's textfile collector: the BackupTooOld alert fires when it stops moving.
set -eu

dir="${BACKUP_DIR:-/backups}"
retention_days="${BACKUP_RETENTION_DAYS:-14}"
interval="${BACKUP_INTERVAL_SECONDS:-86400}"

log() {
    echo "backup: $*" >&2
}

dump() {
    name="${PGDATABASE}-$(date -u +%Y%m%dT%H%M%SZ).dump"
    partial="${dir}/.${name}.partial"
    # Written aside, renamed when complete: a dump cut short never passes for a backup.
    if ! pg_dump --format=custom --compress=6 --file="${partial}" "${PGDATABASE}" || ! mv "${partial}" "${dir}/${name}"; then
        rm -f "${partial}"
        log "dump of ${PGDATABASE} failed"
        return 1
    fi
    log "wrote ${dir}/${name} ($(wc -c <"${dir}/${name}") bytes)"
    if [ -n "${BACKUP_METRICS_DIR:-}" ]; then
        printf '# HELP backup_last_success_timestamp_seconds When the last good dump was written.\n# TYPE backup_last_success_timestamp_seconds gauge\nbackup_last_success_timestamp_seconds{database="%s"} %s\n' \
            "${PGDATABASE}" "$(date -u +%s)" >"${BACKUP_METRICS_DIR}/.backup.prom.tmp"
        mv "${BACKUP_METRICS_DIR}/.backup.prom.tmp" "${BACKUP_METRICS_DIR}/backup.prom"
    fi
}

newest() {
    # Timestamped names sort by age.
    find "${dir}" -maxdepth 1 -name '*.dump' | sort | tail -n 1
}

prune() {
    keep="$(newest)"
    find "${dir}" -maxdepth 1 -name '*.dump' -mmin "+$((retention_days * 1440))" | while read -r old; do
        if [ "${old}" != "${keep}" ]; then
            rm -f "${old}"
            log "deleted ${old} (older than ${retention_days} days)"
        fi
    done
}

restore() {
    file="$1"
    database="$2"
    if [ ! -f "${file}" ]; then
        log "no such dump: ${file}"
        exit 2
    fi
    # Into a new database only: a restore never overwrites data. createdb refuses an existing name.
    createdb --owner="${RESTORE_OWNER:-${PGUSER}}" "${database}"
    pg_restore --exit-on-error --single-transaction --dbname="${database}" "${file}"
    log "restored ${file} into the new database ${database}"
}

mkdir -p "${dir}"
case "${1:-}" in
    schedule)
        while :; do
            if dump; then
                prune
            else
                log "dump failed; next attempt in ${interval}s"
            fi
            sleep "${interval}"
        done
        ;;
    dump)
        dump
        prune
        ;;
    prune)
        prune
        ;;
    list)
        find "${dir}" -maxdepth 1 -name '*.dump' | sort -r
        ;;
    restore)
        restore "${2:?usage: backup.sh restore FILE DATABASE}" "${3:?usage: backup.sh restore FILE DATABASE}"
        ;;
    *)
        echo "usage: backup.sh schedule|dump|prune|list|restore FILE DATABASE" >&2
        exit 2
        ;;
esac
