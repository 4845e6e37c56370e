#!/usr/bin/env bash
# THE test command: installs what is missing, makes sure RabbitMQ, PostgreSQL and MariaDB
# answer, then runs every test tier with pytest. Extra arguments go to pytest; when they
# name test paths, only those run instead of every tier.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/setup.sh

ensure_venv requirements.txt test-requirements.txt
ensure_rabbitmq
ensure_postgresql
ensure_mariadb
run_libvirt_installer

paths=()
for arg in "$@"; do
    case $arg in -*) ;; *) [ -e "${arg%%::*}" ] && paths+=("$arg") ;; esac
done
if [ ${#paths[@]} -eq 0 ]; then
    set -- tests/unit tests/functional tests/integration "$@"
    [ -d tests/libvirt ] && set -- "$@" tests/libvirt
fi
exec "$VENV/bin/python" -m pytest -ra "$@"
