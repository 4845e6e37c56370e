#!/usr/bin/env bash
# THE test command: installs what is missing, makes sure RabbitMQ, PostgreSQL and MariaDB
# answer, then runs every test tier with pytest. Extra arguments go to pytest; when they
# name test paths, only those run instead of every tier.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/setup.sh

ensure_venv requirements.txt test-requirements.txt
ensure_keystone
ensure_rabbitmq
ensure_postgresql
ensure_mariadb
run_libvirt_installer
# The Ceph tier's daemons and bindings, installed before the workers start (apt would race).
if [ "$(id -u)" = 0 ] && [ -x tools/install-ceph ] && [ -d tests/ceph ]; then
    tools/install-ceph --venv "$VENV" >/dev/null || die "tools/install-ceph failed"
fi
# The real-guest tier's demo guest, built before the workers start (they would race).
if [ "$(id -u)" = 0 ] && [ -x tools/build-demo-guest ] && [ -d tests/libvirt ]; then
    tools/build-demo-guest --out "${NIMBUS_TEST_GUEST_CACHE:-/var/cache/nimbus-test-guest}" \
        >/dev/null || echo "run-tests: building the demo guest failed (the libvirt tier will say why)"
fi

paths=()
for arg in "$@"; do
    case $arg in -*) ;; *) [ -e "${arg%%::*}" ] && paths+=("$arg") ;; esac
done
# Lint (ruff: pyflakes, pycodestyle and the complexity gate) and types (mypy over the
# typed modules pyproject.toml lists) whenever the unit tier runs, so in every full run.
lint=$([ ${#paths[@]} -eq 0 ] && echo 1 || echo 0)
for path in "${paths[@]}"; do
    case ${path%/} in tests | tests/unit) lint=1 ;; esac
done
if [ "$lint" = 1 ]; then
    "$VENV/bin/ruff" check --quiet . || die "ruff found the problems above"
    "$VENV/bin/mypy" || die "mypy found the problems above"
fi

if [ ${#paths[@]} -eq 0 ]; then
    set -- tests/unit tests/functional tests/integration "$@"
    [ -d tests/libvirt ] && set -- "$@" tests/libvirt
    [ -d tests/ceph ] && set -- "$@" tests/ceph
    set -- "$@" tests/tempest
    # Two workers (the machine has 2 cores), a test file's tests in one worker (its
    # deployment is module-scoped); the workers' reports reach the controller through
    # tests/conftest.py.
    # The slowest tests in the closing report: the suite must stay under 25 minutes.
    set -- -n 2 --dist loadfile --durations=15 "$@"
fi
exec "$VENV/bin/python" -m pytest -ra "$@"
