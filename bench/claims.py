"""Claim throughput of the scheduler: one thread (the baseline) against four threads
racing for the same two hosts, on SQLite and, when reachable, PostgreSQL.

    .venv/bin/python bench/claims.py [--claims 400]

Prints claims per second and the contended/uncontended ratio for each database: the
generation check turns races into retries, and this shows what they cost.
"""
import argparse
import tempfile
import uuid

import harness  # bench/harness.py
import migrations
from conductor_svc.scheduler import manager as scheduler_mod
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common.db import api as db_api
from svc_common import objects
from svc_common import service as service_mod


def _prepare(url):
    migrations.upgrade(url)
    db_api.use_database(url)
    ctx = nimbus_context.get_admin_context()
    for host in ('bench-h1', 'bench-h2'):
        objects.ComputeNode(context=ctx, host=host, hypervisor_hostname=host,
                            hypervisor_type='fake', vcpus=100000, memory_mb=10 ** 9,
                            local_gb=10 ** 6, cpu_allocation_ratio=1.0,
                            ram_allocation_ratio=1.0, disk_allocation_ratio=1.0).update_inventory()
        service_mod.register(ctx, host, 'nimbus-compute', 'compute')
    return ctx


def _run(ctx, total, threads):
    scheduler = scheduler_mod.Scheduler()
    per_thread = total // threads

    def work():
        for _ in range(per_thread):
            scheduler.select_and_claim(ctx, str(uuid.uuid4()),
                                       scheduler_mod.Request({'VCPU': 1, 'MEMORY_MB': 1}))
    return per_thread * threads / harness.at_once([work] * threads)


def _postgres_url():
    try:
        import psycopg2
        conn = psycopg2.connect(host='127.0.0.1', user='postgres', dbname='postgres')
        conn.autocommit = True
        name = 'nimbus_bench_%s' % uuid.uuid4().hex[:8]
        conn.cursor().execute('CREATE DATABASE %s' % name)
        return 'postgresql+psycopg2://postgres@127.0.0.1/%s' % name, conn, name
    except Exception as error:  # noqa: the benchmark still runs on SQLite
        print('PostgreSQL not reachable (%s): SQLite only' % error)
        return None, None, None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--claims', type=int, default=400)
    args = parser.parse_args()
    CONF([], project='nimbus')
    objects.register_all()
    CONF.set_override('claim_retries', 1000, group='scheduler')
    tmp = tempfile.mkdtemp()
    targets = [('sqlite', 'sqlite:///%s/bench.sqlite' % tmp)]
    pg_url, pg_conn, pg_name = _postgres_url()
    if pg_url:
        targets.append(('postgresql', pg_url))
    try:
        for name, url in targets:
            ctx = _prepare(url)
            one = _run(ctx, args.claims, 1)
            four = _run(ctx, args.claims, 4)
            print('%-10s 1 thread: %7.1f claims/s   4 threads: %7.1f claims/s   '
                  'ratio 4/1: %.2f' % (name, one, four, four / one))
    finally:
        if pg_conn is not None:
            db_api.use_database('sqlite://')
            pg_conn.cursor().execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % pg_name)


if __name__ == '__main__':
    main()
