#!/bin/sh
# Alertmanager cannot read its environment: this fills the template's $-brace placeholders from it.
#   render.sh TEMPLATE OUTPUT            write the rendered configuration
#   render.sh TEMPLATE OUTPUT -- CMD...  then exec CMD (the container's entrypoint: alertmanager itself)
# Refuses (exit 1, naming each) when a placeholder's variable is unset or empty. Values are copied verbatim:
# no secret goes through here (secrets are files the configuration names).
set -eu

template="$1"
output="$2"
shift 2

awk '
{
    line = $0
    rendered = ""
    while (match(line, /\$\{[A-Z][A-Z0-9_]*\}/)) {
        name = substr(line, RSTART + 2, RLENGTH - 3)
        if (ENVIRON[name] == "") {
            printf "render.sh: %s is not set\n", name > "/dev/stderr"
            missing = 1
        }
        rendered = rendered substr(line, 1, RSTART - 1) ENVIRON[name]
        line = substr(line, RSTART + RLENGTH)
    }
    print rendered line
}
END { exit missing }
' "$template" >"$output"

if [ "${1:-}" = "--" ]; then
    shift
    exec "$@"
fi
