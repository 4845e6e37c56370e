"""The scheduler's choice among many compute hosts, in one process: the latency of
``Scheduler.select_and_claim`` among 100 and 1000 hosts (rows written straight into a
scratch database, every service seen now), on SQLite and, when it is reachable, the
machine's PostgreSQL.

    .venv/bin/python bench/scheduler.py [--hosts 100,1000] [--choices 300] [--threads 4]
        [--databases sqlite,postgresql]

For each database and number of hosts, one after the other (each claim released
afterwards, so every measurement starts from empty hosts):
- ``view``: the scheduler as it runs, its view of the hosts kept in memory and read
  again only where it changed: p50 and p99 of a choice and its claim, SQL statements per
  choice;
- ``full read``, the baseline in the same run: the view read whole and every host's
  state built again for each choice, as before the view kept its states; the ratio of
  its p50 to the view's;
- ``rank``: the filters and weighers alone over every host's state (no SQL);
- ``spread``: ``--threads`` threads choosing at once, ``--choices`` in all: how many
  different hosts they took (with equal empty hosts the best answer is one each).
"""
import argparse
import datetime
import statistics
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

import harness  # bench/harness.py
import migrations
from conductor_svc.scheduler import host_view as host_view_mod
from conductor_svc.scheduler import manager as scheduler_mod
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import objects
from svc_common import stats
from tests.integration import deployment as deploy  # noqa: E402 (harness set the path)

NAME = 'scheduler'
RESOURCES = {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}
HOST = {'vcpus': 16, 'memory_mb': 32768, 'local_gb': 1000}


@db_api.writer
def _add_hosts(context, count):
    """``count`` compute nodes with an up compute service each, in one transaction,
    created an hour ago (not a change the view reads again and again, as hosts created
    within its reads' overlap would be)."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    created = now - datetime.timedelta(hours=1)
    names = ['bench-h%04d' % i for i in range(count)]
    context.session.execute(sa.insert(models.ComputeNode), [
        dict(uuid=str(uuid.uuid4()), host=name, hypervisor_hostname=name,
             hypervisor_type='fake', cpu_allocation_ratio=1.0, ram_allocation_ratio=1.0,
             disk_allocation_ratio=1.0, generation=0, created_at=created, **HOST)
        for name in names])
    context.session.execute(sa.insert(models.Service), [
        dict(uuid=str(uuid.uuid4()), host=name, binary=host_view_mod.BINARY,
             topic='compute', last_seen_up=now, created_at=created)
        for name in names])


def _sql_since(before):
    counts = stats.since(before)
    return sum(n for kinds in counts.values() for name, n in kinds.get('sql', {}).items()
               if name != 'txn')


def _percentiles(seconds):
    seconds = sorted(seconds)
    return (1000 * statistics.median(seconds),
            1000 * seconds[min(len(seconds) - 1, int(0.99 * len(seconds)))])


def _choices(ctx, scheduler, count):
    """p50, p99 (ms) and SQL statements per choice of ``count`` choices, then the
    claims released."""
    consumers, times = [], []
    scheduler.select_and_claim(ctx, str(uuid.uuid4()),
                               scheduler_mod.Request(dict(RESOURCES)))  # first read
    before = stats.snapshot()
    for _ in range(count):
        consumer = str(uuid.uuid4())
        start = time.perf_counter()
        scheduler.select_and_claim(ctx, consumer, scheduler_mod.Request(dict(RESOURCES)))
        times.append(time.perf_counter() - start)
        consumers.append(consumer)
    sql = _sql_since(before) / count
    _release_all(ctx)
    p50, p99 = _percentiles(times)
    return {'p50_ms': p50, 'p99_ms': p99, 'sql_per_choice': sql}


def _release_all(ctx):
    for consumer in {c.consumer_uuid for c in objects.ResourceClaimList.get_all(ctx)}:
        objects.ResourceClaim.release(ctx, consumer)


def _rank(ctx, scheduler, count):
    hosts = scheduler.hosts.host_states(ctx)
    request = scheduler_mod.Request(dict(RESOURCES), hint_hosts={})
    times = []
    for _ in range(count):
        start = time.perf_counter()
        scheduler._rank(hosts, request)
        times.append(time.perf_counter() - start)
    p50, p99 = _percentiles(times)
    return {'p50_ms': p50, 'p99_ms': p99, 'sql_per_choice': 0.0}


def _spread(ctx, scheduler, count, threads):
    chosen = []

    def work():
        for _ in range(count // threads):
            chosen.append(scheduler.select_and_claim(
                ctx, str(uuid.uuid4()), scheduler_mod.Request(dict(RESOURCES))).host)
    seconds = harness.at_once([work] * threads)
    _release_all(ctx)
    return {'choices': len(chosen), 'hosts_used': len(set(chosen)),
            'choices_per_s': len(chosen) / seconds}


def measure(backend, hosts, args, workdir):
    database = deploy.ScratchDatabase(backend, workdir)
    try:
        migrations.upgrade(database.url)
        db_api.use_database(database.url)
        ctx = nimbus_context.get_admin_context()
        _add_hosts(ctx, hosts)
        rows = []
        view = scheduler_mod.Scheduler()
        full = scheduler_mod.Scheduler()
        full.hosts = host_view_mod.HostView(full_refresh=0)
        base = {'database': backend, 'hosts': hosts}
        incremental = dict(base, path='view', **_choices(ctx, view, args.choices))
        baseline = dict(base, path='full read', **_choices(ctx, full, args.choices))
        incremental['vs_full_read'] = baseline['p50_ms'] / incremental['p50_ms']
        rows += [incremental, baseline,
                 dict(base, path='rank (no SQL)', **_rank(ctx, view, args.choices))]
        spread = dict(base, threads=args.threads,
                      **_spread(ctx, scheduler_mod.Scheduler(), args.choices, args.threads))
        return rows, spread
    finally:
        db_api.use_database('sqlite://')
        database.drop()


COLUMNS = [('database', 'database'), ('hosts', 'hosts'), ('path', 'path'),
           ('p50_ms', 'p50 ms'), ('p99_ms', 'p99 ms'), ('sql_per_choice', 'SQL/choice'),
           ('vs_full_read', 'full read p50 / this')]
SPREAD_COLUMNS = [('database', 'database'), ('hosts', 'hosts'), ('threads', 'threads'),
                  ('choices', 'choices'), ('hosts_used', 'hosts used'),
                  ('choices_per_s', 'choices/s')]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--hosts', default='100,1000')
    parser.add_argument('--choices', type=int, default=300)
    parser.add_argument('--threads', type=int, default=4)
    parser.add_argument('--databases', default='sqlite,postgresql')
    args = parser.parse_args()
    CONF([], project='nimbus')
    objects.register_all()
    # No host beats here: the services stay up as last seen when written.
    CONF.set_override('service_down_time', 24 * 3600)
    rows, spreads = [], []
    with tempfile.TemporaryDirectory(prefix='nimbus-scheduler-bench-') as workdir:
        for backend in args.databases.split(','):
            for hosts in [int(n) for n in args.hosts.split(',')]:
                try:
                    measured, spread = measure(backend, hosts, args, workdir)
                except Exception as error:  # noqa: PostgreSQL may not be reachable
                    if backend == 'sqlite':
                        raise
                    print('%s not usable (%s): skipped' % (backend, error), file=sys.stderr)
                    break
                rows += measured
                spreads.append(spread)
    harness.table('Scheduler: select_and_claim among N hosts, in one process', COLUMNS,
                  rows)
    harness.table('Scheduler: choices made at once by several threads', SPREAD_COLUMNS,
                  spreads)
    harness.write(NAME, vars(args), {'latency': rows, 'spread': spreads})


if __name__ == '__main__':
    main()
