"""Many compute hosts: K processes each running many fake-driver compute services
(bench/scale_computes.py), conductors, nimbus-api, a RabbitMQ node of its own and a
scratch PostgreSQL database, the defaults' report and resource intervals.

    .venv/bin/python bench/scale.py [--processes 10] [--hosts-per-process 100]
        [--conductors 1] [--rest 60] [--choices 300] [--servers 1000] [--boot-timeout 300]

Measures (1) the load the hosts cause at rest, over ``--rest`` seconds once all are up:
CPU % of the conductors and of the compute processes, the conductors' SQL statements/s
and transactions/s, PostgreSQL's committed transactions/s and rows read/s, the RPC
messages/s the computes send (by method); (2) the scheduler's latency choosing and
claiming among all hosts (``Scheduler.select_and_claim`` in this process against the
same database, while the hosts keep heartbeating; each claim released afterwards), p50,
p99 and SQL statements per choice; (3) ``--servers`` servers booted through the REST API
(multi-create, 100 a request), the wall time until all are ACTIVE (or how many were at
``--boot-timeout``).

Every host's RPC server holds an AMQP connection of its own: more than the machine's
shared RabbitMQ takes (its open-files limit is 1024), so the benchmark starts a RabbitMQ
node of its own with this process's open-files limit raised to the hard limit.
"""
import argparse
import os
import pathlib
import resource
import statistics
import sys
import tempfile
import time
import uuid

import harness  # bench/harness.py
import deployed  # bench/deployed.py

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from tests.integration import deployment as deploy  # noqa: E402

NAME = 'scale'
COMPUTES_SCRIPT = pathlib.Path(__file__).resolve().parent / 'scale_computes.py'
QUIET = {'DEFAULT': {'debug': 'false'}}
HOST = {'fake_driver': {'vcpus': '16', 'memory_mb': '32768', 'local_gb': '1000'}}
BOOT_BATCH = 100


class Processes(deployed.Processes):
    """Kinds by process name: conductor, api, computes (the many-host processes)."""

    def _by_kind(self):
        kinds = {}
        for name, proc in self.dep.processes.items():
            kind = ('computes' if name.startswith('computes') else
                    'api' if name == 'api' else 'conductor')
            kinds.setdefault(kind, []).append(proc.popen.pid)
        return kinds


def start_computes(dep, processes, per_process):
    hosts = []
    for p in range(processes):
        mine = ['scale-p%02d-h%03d' % (p, h) for h in range(per_process)]
        hosts += mine
        name = 'computes%02d' % p
        config = dep.write_config(name, deployed._merge(
            {'database': {'connection': dep.NO_DATABASE}}, QUIET, HOST))
        proc = deploy.Process(name, [sys.executable, str(COMPUTES_SCRIPT), '--config-file',
                                     str(config), '--hosts', *mine],
                              dep.workdir / ('%s.log' % name))
        dep.processes[name] = proc.start()
    return hosts


def wait_all_up(dep, count, timeout):
    def up():
        for proc in dep.processes.values():
            proc.check_running()
        rows = dep.database.query(
            "SELECT count(*) FROM services WHERE \"binary\" = 'nimbus-compute' AND deleted = 0"
            " AND last_seen_up IS NOT NULL")
        nodes = dep.database.query('SELECT count(*) FROM compute_nodes WHERE deleted = 0')
        return rows[0][0] >= count and nodes[0][0] >= count
    deploy.wait_for(up, timeout, '%d compute services to report' % count, interval=1)


def _pg_counters(dep):
    row = dep.database.query(
        'SELECT xact_commit + xact_rollback, tup_returned + tup_fetched FROM pg_stat_database'
        ' WHERE datname = current_database()')[0]
    return int(row[0]), int(row[1])


def _sum(counts, kind, what, names=None):
    mine = counts.get(kind, {}).get(what, {})
    return sum(n for name, n in mine.items() if names is None or name in names)


def at_rest(dep, procs, seconds):
    before, cpu_before, pg_before = procs.counts(), procs.cpu(), _pg_counters(dep)
    start = time.monotonic()
    time.sleep(seconds)
    pg_after = _pg_counters(dep)
    cpu = {k: v - cpu_before.get(k, 0) for k, v in procs.cpu().items()}
    counts = deployed._since(before, procs.counts())
    elapsed = time.monotonic() - start
    sql = {n: c for n, c in counts.get('conductor', {}).get('sql', {}).items() if n != 'txn'}
    rpc_by_method = {}
    for what in ('rpc.call', 'rpc.cast'):
        for method, n in counts.get('computes', {}).get(what, {}).items():
            rpc_by_method['%s %s' % (what[4:], method)] = n / elapsed
    return {
        'seconds': elapsed,
        'cpu_conductor_pct': 100 * cpu.get('conductor', 0) / elapsed,
        'cpu_computes_pct': 100 * cpu.get('computes', 0) / elapsed,
        'sql_per_s': sum(sql.values()) / elapsed,
        'txn_per_s': _sum(counts, 'conductor', 'sql', ['txn']) / elapsed,
        'pg_xact_per_s': (pg_after[0] - pg_before[0]) / elapsed,
        'pg_rows_read_per_s': (pg_after[1] - pg_before[1]) / elapsed,
        'rpc_per_s': sum(rpc_by_method.values()),
        'rpc_by_method': rpc_by_method,
        'sql_by_verb': {n: c / elapsed for n, c in sql.items()},
    }


def scheduler_latency(dep, choices):
    """Latency of select_and_claim among all hosts, in this process."""
    from svc_common.conf import CONF
    from svc_common import context as nimbus_context
    from svc_common.cmd import common
    from svc_common import objects
    from svc_common import stats
    from conductor_svc.scheduler import manager as scheduler_mod
    CONF([], project='nimbus')
    objects.register_all()
    CONF.set_override('connection', dep.database.url, group='database')
    common.init_database()
    context = nimbus_context.get_admin_context()
    scheduler = scheduler_mod.Scheduler()
    resources = {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}
    consumers, times = [], []
    scheduler.select_and_claim(context, str(uuid.uuid4()), scheduler_mod.Request(
        resources=dict(resources)))  # warm-up (connections, first read)
    before, pg_before = stats.snapshot(), _pg_counters(dep)
    for _ in range(choices):
        consumer = str(uuid.uuid4())
        start = time.perf_counter()
        scheduler.select_and_claim(context, consumer,
                                   scheduler_mod.Request(resources=dict(resources)))
        times.append(time.perf_counter() - start)
        consumers.append(consumer)
    counts = stats.since(before)
    time.sleep(1)  # PostgreSQL publishes its counters within a second
    rows = _pg_counters(dep)[1] - pg_before[1]
    sql = sum(n for kinds in counts.values() for name, n in kinds.get('sql', {}).items()
              if name != 'txn')
    for consumer in consumers:
        objects.ResourceClaim.release(context, consumer)
    times.sort()
    return {'choices': choices, 'p50_ms': 1000 * statistics.median(times),
            'p99_ms': 1000 * times[min(len(times) - 1, int(0.99 * len(times)))],
            'max_ms': 1000 * times[-1], 'sql_per_choice': sql / choices,
            'pg_rows_read_per_choice': rows / choices}


def _states(dep):
    return dict(dep.database.query(
        "SELECT vm_state, count(*) FROM instances WHERE deleted = 0 GROUP BY vm_state"))


def boot(dep, client, image_id, count, timeout):
    start = time.perf_counter()
    for first in range(0, count, BOOT_BATCH):
        n = min(BOOT_BATCH, count - first)
        client.call('POST', '/v2.1/servers', {'server': {
            'name': 'scale-%d' % first, 'flavorRef': '1', 'imageRef': image_id,
            'networks': 'none', 'min_count': n, 'max_count': n}})
    requested = time.perf_counter() - start
    deadline = start + timeout
    while True:
        states = _states(dep)
        if states.get('active', 0) >= count or states.get('error') or \
                time.perf_counter() > deadline:
            break
        time.sleep(1)
    seconds = time.perf_counter() - start
    return {'servers': count, 'active': states.get('active', 0),
            'error': states.get('error', 0), 'seconds': seconds,
            'requests_seconds': requested, 'servers_per_s': states.get('active', 0) / seconds}


def run(args, workdir):
    stats_dir = pathlib.Path(workdir) / 'stats'
    stats_dir.mkdir(parents=True)
    os.environ['NIMBUS_STATS_DIR'] = str(stats_dir)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the broker's and ours
    broker = deploy.PrivateRabbitMQ(pathlib.Path(workdir) / 'rabbitmq').start()
    database = deploy.ScratchDatabase('postgresql', workdir)
    dep = deploy.Deployment(workdir, database, broker.transport_url,
                            common_overrides={'DEFAULT': {'report_interval': '10',
                                                          'service_down_time': '60'}})
    count = args.processes * args.hosts_per_process
    try:
        dep.manage('db', 'sync')
        dep.manage('flavor', 'create-defaults')
        for i in range(args.conductors):
            dep.start_conductor('scale-cond%d' % i, overrides=QUIET)
        dep.start_api(overrides=deployed._merge(QUIET, {'api': {'max_limit': '2000'}}))
        start = time.perf_counter()
        start_computes(dep, args.processes, args.hosts_per_process)
        wait_all_up(dep, count, args.start_timeout)
        startup = time.perf_counter() - start
        print('%d compute services up in %.1f s' % (count, startup), flush=True)
        procs = Processes(dep, stats_dir)
        time.sleep(args.settle)
        rest = at_rest(dep, procs, args.rest)
        rest.update(hosts=count, processes=args.processes, conductors=args.conductors,
                    startup_seconds=startup)
        print('at rest measured', flush=True)
        sched = scheduler_latency(dep, args.choices)
        sched['hosts'] = count
        print('scheduler measured', flush=True)
        client = deployed.Client(dep)
        image_id = dep.create_image('scale-bench')
        booted = boot(dep, client, image_id, args.servers, args.boot_timeout)
        booted['hosts'] = count
        booted['hosts_used'] = dep.database.query(
            'SELECT count(DISTINCT host) FROM instances WHERE deleted = 0')[0][0]
    finally:
        dep.stop()
        broker.cleanup()
        database.drop()
    return rest, sched, booted


REST_COLUMNS = [('hosts', 'hosts'), ('processes', 'procs'), ('conductors', 'conductors'),
                ('startup_seconds', 'startup s'), ('seconds', 'rest s'),
                ('cpu_conductor_pct', 'CPU% cond'), ('cpu_computes_pct', 'CPU% computes'),
                ('sql_per_s', 'cond SQL/s'), ('txn_per_s', 'cond txn/s'),
                ('pg_xact_per_s', 'PG xact/s'), ('pg_rows_read_per_s', 'PG rows read/s'),
                ('rpc_per_s', 'RPC msgs/s')]
SCHED_COLUMNS = [('hosts', 'hosts'), ('choices', 'choices'), ('p50_ms', 'p50 ms'),
                 ('p99_ms', 'p99 ms'), ('max_ms', 'max ms'), ('sql_per_choice', 'SQL/choice'),
                 ('pg_rows_read_per_choice', 'PG rows read/choice (all clients)')]
BOOT_COLUMNS = [('hosts', 'hosts'), ('servers', 'asked'), ('active', 'ACTIVE'),
                ('error', 'ERROR'), ('hosts_used', 'hosts used'),
                ('requests_seconds', 'POSTs s'), ('seconds', 'wall s'),
                ('servers_per_s', 'servers/s')]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--processes', type=int, default=10)
    parser.add_argument('--hosts-per-process', type=int, default=100)
    parser.add_argument('--conductors', type=int, default=1)
    parser.add_argument('--settle', type=float, default=15)
    parser.add_argument('--rest', type=float, default=60)
    parser.add_argument('--choices', type=int, default=300)
    parser.add_argument('--servers', type=int, default=1000)
    parser.add_argument('--boot-timeout', type=float, default=300)
    parser.add_argument('--start-timeout', type=float, default=1200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='nimbus-scale-bench-') as workdir:
        rest, sched, booted = run(args, workdir)
    harness.table('At rest (%d s): load caused by %d hosts' % (rest['seconds'], rest['hosts']),
                  REST_COLUMNS, [rest])
    for name, rate in sorted(rest['rpc_by_method'].items(), key=lambda i: -i[1]):
        print('  computes send %-40s %8.2f/s' % (name, rate))
    for name, rate in sorted(rest['sql_by_verb'].items(), key=lambda i: -i[1]):
        print('  conductor SQL %-40s %8.2f/s' % (name, rate))
    harness.table('Scheduler: select_and_claim among all hosts', SCHED_COLUMNS, [sched])
    harness.table('Boot through the REST API', BOOT_COLUMNS, [booted])
    harness.write(NAME, vars(args), {'rest': [rest], 'scheduler': [sched], 'boot': [booted]})


if __name__ == '__main__':
    main()
