# Shared by tools/run-tests.sh and tools/run-all-in-one.sh: install what is missing, fast
# when nothing is. Source it from the repository root; every function is idempotent.

VENV=${NIMBUS_VENV:-.venv}
PYTHON=${PYTHON:-python3}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# ensure_venv FILE...: create $VENV if needed and pip install the requirement FILEs plus
# this project (editable). Skipped when a stamp holds the hash of the same inputs.
ensure_venv() {
    local files=("$@") stamp digest
    if [ ! -x "$VENV/bin/python" ]; then
        log "Creating virtualenv $VENV"
        "$PYTHON" -m venv "$VENV" || die "'$PYTHON -m venv' failed (is python3-venv installed?)"
    fi
    stamp="$VENV/.nimbus-installed-$(printf '%s' "${files[*]}" | tr ' /' '+_')"
    digest=$(cat "${files[@]}" setup.cfg setup.py pyproject.toml | sha256sum | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
        return 0
    fi
    log "Installing ${files[*]} and nimbus into $VENV"
    local args=()
    for f in "${files[@]}"; do args+=(-r "$f"); done
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "${args[@]}" -e . || die "pip install failed"
    printf '%s\n' "$digest" > "$stamp"
}

# ensure_keystone: Keystone (and uwsgi to serve it) for the Tempest tier, in a
# virtualenv of its own, $VENV/keystone: Keystone pins libraries Nimbus must not share.
# Skipped when a stamp holds the hash of tests/tempest/keystone-requirements.txt.
ensure_keystone() {
    local venv="$VENV/keystone" req=tests/tempest/keystone-requirements.txt digest
    [ -f "$req" ] || return 0
    digest=$(sha256sum < "$req" | cut -d' ' -f1)
    if [ -f "$venv/.nimbus-installed" ] && [ "$(cat "$venv/.nimbus-installed")" = "$digest" ]
    then
        return 0
    fi
    [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv" \
        || die "'$PYTHON -m venv $venv' failed"
    log "Installing $req into $venv (Keystone for the Tempest tier; uwsgi compiles: ~2 min)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" \
        || die "pip install -r $req failed"
    printf '%s\n' "$digest" > "$venv/.nimbus-installed"
}

# wait_for NAME SECONDS COMMAND...: poll COMMAND until it succeeds.
wait_for() {
    local name=$1 timeout=$2; shift 2
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || die "$name did not answer within ${timeout}s"
        sleep 1
    done
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# A broker that takes connections can still be unable to make a queue (seen here after
# it ran out of file descriptors: every queue.declare answered 541 INTERNAL_ERROR).
rabbitmq_declares() {
    timeout 30 "$VENV/bin/python" -c "
import kombu
with kombu.Connection('amqp://guest:guest@127.0.0.1:5672//', connect_timeout=10) as c:
    kombu.Queue('nimbus-probe', exclusive=True, channel=c.channel()).declare()
" >/dev/null 2>&1
}

ensure_rabbitmq() {
    if tcp_open 127.0.0.1 5672; then
        rabbitmq_declares && return 0
        log "RabbitMQ cannot declare a queue: restarting it"
        rabbitmqctl stop >/dev/null 2>&1 || true
        wait_for "RabbitMQ to stop" 60 bash -c '! (echo > /dev/tcp/127.0.0.1/5672) 2>/dev/null'
    fi
    log "Starting RabbitMQ"
    rabbitmq-server -detached || die "rabbitmq-server -detached failed"
    wait_for RabbitMQ 120 tcp_open 127.0.0.1 5672
    wait_for "RabbitMQ to declare queues" 60 rabbitmq_declares
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }

ensure_postgresql() {
    pg_up && return 0
    log "Starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start \
        || die "pg_ctlcluster start failed"
    wait_for PostgreSQL 60 pg_up
}

mariadb_up() { mysqladmin --connect-timeout=2 -h 127.0.0.1 -u root ping; }

ensure_mariadb() {
    mariadb_up && return 0
    log "Starting MariaDB"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd \
        || die "starting mariadbd failed"
    wait_for MariaDB 60 mariadb_up
}

# Written by the libvirt work; absent until then.
run_libvirt_installer() {
    if [ -x tools/install-libvirt ]; then
        tools/install-libvirt --venv "$VENV" || die "tools/install-libvirt failed"
    fi
}
