"""The server lifecycle across processes: nimbus-api, conductors and computes as separate
OS processes over RabbitMQ and PostgreSQL (fake driver), driven over HTTP like any
client: boot N servers, wait ACTIVE (polling GET /servers/detail), resize all, wait
VERIFY_RESIZE, confirm all, wait ACTIVE.

    .venv/bin/python bench/deployed.py [--servers 100] [--computes 2 10] [--conductors 1 2]
                                       [--set SECTION.OPTION=VALUE ...]

For each (computes, conductors): wall seconds (in all and of each phase: boot, resize,
confirm), how busy the whole machine was meanwhile (every core; RabbitMQ and PostgreSQL
included), each kind of process's CPU seconds (PostgreSQL's and RabbitMQ's too), and
per server lifecycle the exact RPC messages and SQL statements each kind of process
sent or ran (read from the processes: NIMBUS_STATS_DIR, SIGUSR1). The baseline in the
same run is the first configuration (2 computes, 1 conductor).
"""
import argparse
import json
import os
import pathlib
import signal
import sys
import tempfile
import time

import requests

import harness  # bench/harness.py

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from tests.integration import deployment as deploy  # noqa: E402

NAME = 'deployed'
POLL_INTERVAL = 0.1
QUIET = {'DEFAULT': {'debug': 'false', 'report_interval': '10', 'service_down_time': '60'}}
COMPUTE = {'fake_driver': {'vcpus': '1000', 'memory_mb': '1000000', 'local_gb': '100000'},
           'compute': {'resource_update_interval': '60'}}


def _merge(*parts):
    out = {}
    for part in parts:
        for section, values in part.items():
            out.setdefault(section, {}).update(values)
    return out


def _cpu_seconds(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except OSError:  # gone meanwhile: a PostgreSQL backend whose client left, say
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def _with_workers(pid):
    """``pid`` and its children (a conductor's [conductor]/workers)."""
    pids = [pid]
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                if int(f.read().rsplit(')', 1)[1].split()[1]) == pid:
                    pids.append(int(entry))
        except OSError:  # gone meanwhile
            continue
    return pids


_SERVERS = {'postgres': 'postgresql', 'beam.smp': 'rabbitmq'}


def _servers():
    """{'postgresql' or 'rabbitmq': [pids]} of the machine's servers, by command name."""
    out = {kind: [] for kind in _SERVERS.values()}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/comm' % entry) as f:
                kind = _SERVERS.get(f.read().strip())
        except OSError:  # gone meanwhile
            continue
        if kind is not None:
            out[kind].append(int(entry))
    return out


class Processes:
    """The deployment's processes by kind, their CPU time and their counts."""

    def __init__(self, dep, stats_dir):
        self.dep = dep
        self.stats_dir = stats_dir

    def _by_kind(self):
        kinds = {}
        for proc in self.dep.processes.values():
            kind = pathlib.Path(proc.argv[0]).name.replace('nimbus-', '')
            kinds.setdefault(kind, []).extend(_with_workers(proc.popen.pid))
        return kinds

    def cpu(self):
        """CPU seconds so far by kind of process: the deployment's, and the machine's
        PostgreSQL and RabbitMQ (their processes alive when asked: a backend that
        came and went meanwhile is not counted)."""
        out = {kind: sum(_cpu_seconds(pid) for pid in pids)
               for kind, pids in self._by_kind().items()}
        for kind, pids in _servers().items():
            out[kind] = sum(_cpu_seconds(pid) for pid in pids)
        return out

    def counts(self):
        """{kind: {role: {kind: {name: n}}}} summed over the processes of each kind."""
        kinds = self._by_kind()
        paths = {pid: self.stats_dir / ('%d.json' % pid)
                 for pids in kinds.values() for pid in pids}
        for path in paths.values():
            if path.exists():
                path.unlink()
        for pid in paths:
            os.kill(pid, signal.SIGUSR1)
        deploy.wait_for(lambda: all(p.exists() for p in paths.values()), 30,
                        'processes to write their counts', interval=0.05)
        out = {}
        for kind, pids in kinds.items():
            merged = out.setdefault(kind, {})
            for pid in pids:
                for role, by_kind in json.loads(paths[pid].read_text())['counts'].items():
                    for what, names in by_kind.items():
                        for name, n in names.items():
                            bucket = merged.setdefault(role, {}).setdefault(what, {})
                            bucket[name] = bucket.get(name, 0) + n
        return out


def _since(before, after):
    out = {}
    for kind, roles in after.items():
        for role, by_kind in roles.items():
            for what, names in by_kind.items():
                for name, n in names.items():
                    left = n - before.get(kind, {}).get(role, {}).get(what, {}).get(name, 0)
                    if left:
                        bucket = out.setdefault(kind, {}).setdefault(what, {})
                        bucket[name] = bucket.get(name, 0) + left
    return out


def _machine_jiffies():
    """(busy, all) CPU jiffies of the whole machine, every core (/proc/stat)."""
    with open('/proc/stat') as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


class Client:

    def __init__(self, dep):
        self.dep = dep
        self.session = requests.Session()
        self.polls = 0
        self.phases = {}  # phase -> wall seconds of the last lifecycle

    def call(self, method, path, body=None):
        resp = self.session.request(
            method, self.dep.api_url + path, json=body, timeout=60,
            headers={'X-Auth-Token': deploy.ADMIN_TOKEN,
                     'OpenStack-API-Version': 'compute 2.96'})
        if resp.status_code not in (200, 202, 204):
            raise RuntimeError('%s %s: %s %s' % (method, path, resp.status_code,
                                                 resp.text[:500]))
        return resp.json() if resp.content else None

    def wait_all(self, ids, status, timeout=600):
        deadline = time.monotonic() + timeout
        pending = set(ids)
        while pending:
            servers = self.call('GET', '/v2.1/servers/detail')['servers']
            self.polls += 1
            by_id = {s['id']: s['status'] for s in servers}
            if any(by_id.get(i) == 'ERROR' for i in pending):
                raise RuntimeError('servers went to ERROR')
            pending = {i for i in pending if by_id.get(i) != status}
            if pending and time.monotonic() > deadline:
                raise RuntimeError('%d servers not %s in time' % (len(pending), status))
            if pending:
                time.sleep(POLL_INTERVAL)

    def lifecycle(self, image_id, count, tag):
        start = time.perf_counter()
        ids = [self.call('POST', '/v2.1/servers', {'server': {
            'name': '%s-%d' % (tag, i), 'flavorRef': '6', 'imageRef': image_id,
            'networks': 'none'}})['server']['id'] for i in range(count)]
        self.phases['boot_posts'] = time.perf_counter() - start
        self.wait_all(ids, 'ACTIVE')
        self.phases['boot'], start = time.perf_counter() - start, time.perf_counter()
        for server_id in ids:
            self.call('POST', '/v2.1/servers/%s/action' % server_id,
                      {'resize': {'flavorRef': '7'}})
        self.phases['resize_posts'] = time.perf_counter() - start
        self.wait_all(ids, 'VERIFY_RESIZE')
        self.phases['resize'], start = time.perf_counter() - start, time.perf_counter()
        for server_id in ids:
            self.call('POST', '/v2.1/servers/%s/action' % server_id, {'confirmResize': None})
        self.phases['confirm_posts'] = time.perf_counter() - start
        self.wait_all(ids, 'ACTIVE')
        self.phases['confirm'] = time.perf_counter() - start


def _settings(pairs):
    """``--set`` arguments (``SECTION.OPTION=VALUE``, every service's configuration) as
    overrides: a setting tried against the defaults in one run."""
    out = {}
    for pair in pairs:
        name, _, value = pair.partition('=')
        section, _, option = name.rpartition('.')
        out.setdefault(section or 'DEFAULT', {})[option] = value
    return out


def run(count, computes, conductors, workdir, settings=None):
    stats_dir = pathlib.Path(workdir) / 'stats'
    stats_dir.mkdir(parents=True)
    os.environ['NIMBUS_STATS_DIR'] = str(stats_dir)
    database = deploy.ScratchDatabase('postgresql', workdir)
    vhost = deploy.ScratchVhost()
    hosts = ['speed-c%d' % i for i in range(computes)]
    dep = deploy.Deployment(workdir, database, vhost.transport_url, compute_hosts=hosts,
                            common_overrides=settings)
    try:
        dep.manage('db', 'sync')
        dep.manage('flavor', 'create-defaults')
        for i in range(conductors):
            dep.start_conductor('speed-cond%d' % i, overrides=QUIET)
        for host in hosts:
            dep.start_compute(host, overrides=_merge(QUIET, COMPUTE))
        dep.start_api(overrides=QUIET)
        dep.wait_for_computes(hosts, timeout=120)
        client = Client(dep)
        image_id = dep.create_image('speed-bench')
        client.lifecycle(image_id, 2, 'warmup')
        procs = Processes(dep, stats_dir)
        before, cpu_before = procs.counts(), procs.cpu()
        client.polls = 0
        start, machine_before = time.perf_counter(), _machine_jiffies()
        client.lifecycle(image_id, count, 'run')
        seconds = time.perf_counter() - start
        machine = [after - before for after, before in zip(_machine_jiffies(),
                                                            machine_before)]
        cpu = {k: v - cpu_before.get(k, 0) for k, v in procs.cpu().items()}
        counts = _since(before, procs.counts())
    finally:
        dep.stop()
        vhost.delete()
        database.drop()
    row = {'servers': count, 'computes': computes, 'conductors': conductors,
           'seconds': seconds, 'servers_per_s': count / seconds, 'polls': client.polls,
           'machine_busy': 100.0 * machine[0] / max(machine[1], 1)}
    for phase, phase_seconds in client.phases.items():
        row['seconds_%s' % phase] = phase_seconds
    for kind in ('postgresql', 'rabbitmq'):
        row['cpu_%s' % kind] = cpu.get(kind, 0.0)
    for kind in ('api', 'conductor', 'compute'):
        row['cpu_%s' % kind] = cpu.get(kind, 0.0)
        mine = counts.get(kind, {})
        row['calls_%s' % kind] = sum(mine.get('rpc.call', {}).values()) / count
        row['casts_%s' % kind] = sum(mine.get('rpc.cast', {}).values()) / count
        row['sql_%s' % kind] = sum(mine.get('sql', {}).values()) / count
    row['detail'] = counts
    return row


COLUMNS = [('computes', 'computes'), ('conductors', 'conductors'), ('servers', 'N'),
           ('seconds', 'seconds'), ('seconds_boot', 'boot s'),
           ('seconds_boot_posts', '(POSTs)'), ('seconds_resize', 'resize s'),
           ('seconds_resize_posts', '(POSTs)'), ('seconds_confirm', 'confirm s'),
           ('seconds_confirm_posts', '(POSTs)'),
           ('machine_busy', 'machine busy %'), ('servers_per_s', 'servers/s'),
           ('cpu_api', 'CPU api'), ('cpu_conductor', 'CPU cond'),
           ('cpu_compute', 'CPU comp'), ('cpu_postgresql', 'CPU pg'),
           ('cpu_rabbitmq', 'CPU rabbit'), ('calls_compute', 'calls comp/srv'),
           ('casts_compute', 'casts comp/srv'), ('casts_conductor', 'casts cond/srv'),
           ('casts_api', 'casts api/srv'), ('sql_api', 'SQL api/srv (incl. polls)'),
           ('sql_conductor', 'SQL cond/srv'), ('polls', 'polls')]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--servers', type=int, default=100)
    parser.add_argument('--computes', type=int, nargs='+', default=[2, 10])
    parser.add_argument('--conductors', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--set', action='append', default=[], metavar='SECTION.OPTION=VALUE',
                        help='a setting for every service (DEFAULT.OPTION for [DEFAULT])')
    args = parser.parse_args()
    settings = _settings(args.set)
    configs = [(c, k) for c in args.computes for k in args.conductors]
    rows = []
    for computes, conductors in configs:
        with tempfile.TemporaryDirectory(prefix='nimbus-speed-bench-') as workdir:
            rows.append(run(args.servers, computes, conductors, workdir, settings))
    harness.table('Server lifecycle across processes (RabbitMQ, PostgreSQL, fake driver)',
                  COLUMNS, rows)
    base = rows[0]
    for r in rows[1:]:
        print('%d computes, %d conductors: %.2fx the time of %d computes, %d conductor'
              % (r['computes'], r['conductors'], r['seconds'] / base['seconds'],
                 base['computes'], base['conductors']))
    for kind, counts in sorted(rows[0]['detail'].items()):
        for what, names in sorted(counts.items()):
            print('  %-10s %-13s %s' % (kind, what, ', '.join(
                '%s=%d' % item for item in sorted(names.items(), key=lambda i: -i[1]))))
    harness.write(NAME, {'servers': args.servers, 'configs': configs,
                         'poll_interval': POLL_INTERVAL, 'settings': settings}, {'deployed': rows})


if __name__ == '__main__':
    main()
