"""Counts of what this process does, for the benchmarks: RPC messages it sends (calls and
casts, by method), SQL statements it executes (by kind) and transactions (BEGIN, COMMIT,
ROLLBACK: kind 'txn'; PostgreSQL and MySQL begin implicitly, uncounted), each under the role doing
the work ('api', 'conductor', 'compute', or the process's own role outside a request
or message).

Always on (a lock and a dict increment per message or statement). ``snapshot()`` reads
them in this process; a process started with NIMBUS_STATS_DIR writes them to
DIR/PID.json on SIGUSR1 (how a benchmark reads a separate process's counts).
"""
import collections
import contextlib
import contextvars
import json
import os
import signal
import threading

import sqlalchemy as sa

_ROLE = contextvars.ContextVar('nimbus_stats_role', default=None)
_process_role = 'process'
_lock = threading.Lock()
_counts = collections.Counter()  # (role, kind, name) -> n


def set_process_role(name):
    """The role of work done outside any request, message or periodic task."""
    global _process_role
    _process_role = name


def current_role():
    return _ROLE.get() or _process_role


def set_role(name):
    """Count what this thread does from now on as ``name`` (a message's handler)."""
    _ROLE.set(name)


@contextlib.contextmanager
def role(name):
    token = _ROLE.set(name)
    try:
        yield
    finally:
        _ROLE.reset(token)


def count(kind, name, n=1):
    key = (current_role(), kind, name)
    with _lock:
        _counts[key] += n


def snapshot():
    """{role: {kind: {name: n}}} of everything counted so far."""
    with _lock:
        items = list(_counts.items())
    out = {}
    for (who, kind, name), n in items:
        out.setdefault(who, {}).setdefault(kind, {})[name] = n
    return out


def since(before, after=None):
    """``after`` (default: now) minus ``before``, both snapshots; zero entries dropped."""
    after = snapshot() if after is None else after
    out = {}
    for who, kinds in after.items():
        for kind, names in kinds.items():
            for name, n in names.items():
                left = n - before.get(who, {}).get(kind, {}).get(name, 0)
                if left:
                    out.setdefault(who, {}).setdefault(kind, {})[name] = left
    return out


def by_name(counts, kind):
    """{name: count} of ``kind`` in ``counts`` (a snapshot or a ``since``), summed over
    the roles."""
    found = {}
    for kinds in counts.values():
        for name, n in kinds.get(kind, {}).items():
            found[name] = found.get(name, 0) + n
    return found


def totals(counts, kind, who=None):
    """The sum of ``kind`` in ``counts`` (a snapshot or a ``since``), for one role or all."""
    return sum(sum(kinds.get(kind, {}).values())
               for name, kinds in counts.items() if who is None or name == who)


# -- RPC --------------------------------------------------------------------------------

def count_rpc(transport):
    """Count every message ``transport`` sends: 'rpc.call' or 'rpc.cast' by method,
    'notification' by event type."""
    send, notify = transport._send, transport._send_notification
    if getattr(send, 'nimbus_counted', False):
        return transport

    def counted_send(target, ctxt, message, wait_for_reply=None, *args, **kwargs):
        count('rpc.call' if wait_for_reply else 'rpc.cast', message.get('method', '?'))
        return send(target, ctxt, message, wait_for_reply, *args, **kwargs)

    def counted_notify(target, ctxt, message, *args, **kwargs):
        count('notification', message.get('event_type', '?'))
        return notify(target, ctxt, message, *args, **kwargs)
    counted_send.nimbus_counted = True
    transport._send, transport._send_notification = counted_send, counted_notify
    return transport


# -- SQL --------------------------------------------------------------------------------

def _statement_kind(statement):
    words = statement.lstrip().split(None, 2)
    verb = words[0].upper() if words else '?'
    if verb == 'SELECT' and len(words) > 1 and words[1] == '1' and len(words) == 2:
        return 'ping'
    return verb


_TRANSACTION_CONTROL = ('BEGIN', 'COMMIT', 'ROLLBACK')


@sa.event.listens_for(sa.engine.Engine, 'before_cursor_execute')
def _on_execute(conn, cursor, statement, parameters, context, executemany):
    kind = _statement_kind(statement)
    count('txn' if kind in _TRANSACTION_CONTROL else 'sql', kind)


@sa.event.listens_for(sa.engine.Engine, 'commit')
def _on_commit(conn):
    count('txn', 'COMMIT')


@sa.event.listens_for(sa.engine.Engine, 'rollback')
def _on_rollback(conn):
    count('txn', 'ROLLBACK')


# -- separate processes -----------------------------------------------------------------

STATS_DIR_ENV = 'NIMBUS_STATS_DIR'


def dump(path):
    tmp = '%s.tmp' % path
    with open(tmp, 'w') as out:
        json.dump({'pid': os.getpid(), 'role': _process_role, 'counts': snapshot()}, out)
    os.replace(tmp, path)


def dump_on_signal():
    """With NIMBUS_STATS_DIR set, write the counts to DIR/PID.json on SIGUSR1 (main
    thread only; PID at the signal, so a forked worker writes its own)."""
    folder = os.environ.get(STATS_DIR_ENV)
    if not folder or threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGUSR1, lambda signum, frame: dump(
        os.path.join(folder, '%d.json' % os.getpid())))
