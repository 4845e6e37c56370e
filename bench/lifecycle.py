"""The server lifecycle, all-in-one: boot N servers through the REST API, wait for all
ACTIVE, resize all, wait for VERIFY_RESIZE, confirm all, wait for ACTIVE (fake driver,
two compute hosts, SQLite, polling GET /servers/detail like a client).

    .venv/bin/python bench/lifecycle.py [--servers 20 50] [--transports inproc fake]

Per transport and N: wall time and CPU time (the process's: every service is in it; on
a busy machine the better measure), the CPU of the polls themselves apart (their number
follows how long the client waits, so the faster the requests return the more polls
there are: "CPU ms/srv w/o polls" is the lifecycle's own), and per server lifecycle the
exact RPC messages (calls, casts, notifications) and SQL statements, by the role that
caused them (the API's statements without its polling, the polls apart). The baseline
in the same run is oslo.messaging's fake:// transport (it polls its queues every 50
ms). Also the latency of one RPC call to a no-op endpoint on each transport.

    .venv/bin/python bench/lifecycle.py --instructions [--servers 10]

counts instead the machine instructions one server lifecycle takes (everything the
all-in-one does for it: the API's requests, the conductor, the computes), under
valgrind's callgrind: the benchmark runs once under it, waiting for the servers by
reading their states from the database file itself instead of polling the API, so
that the count is the services' own. Where the CPU seconds of two runs of the same
code differ by up to 1.5x on these machines, this count varies by a few percent (the
threads interleave differently from run to run: a claim that loses a generation race,
say). Some minutes (the interpreter runs ~50x slower under valgrind).
"""
import argparse
import gc
import sqlite3
import statistics
import time

import oslo_messaging as messaging
import webob

import harness  # bench/harness.py
from api_svc import server_status
from svc_common import rpc
from svc_common import stats

NAME = 'lifecycle'
POLL_INTERVAL = 0.02
OVERRIDES = {
    ('fake_driver', 'vcpus'): 1000, ('fake_driver', 'memory_mb'): 10 ** 6,
    ('fake_driver', 'local_gb'): 10 ** 5,
    ('quota', 'instances'): -1, ('quota', 'cores'): -1, ('quota', 'ram'): -1,
    # No heartbeat or periodic task inside a measured run: the counts are the lifecycle's.
    (None, 'report_interval'): 600,
}


class _Echo:
    target = messaging.Target(version='1.0')

    def echo(self, ctxt, value):
        return value


def call_latency(calls=300):
    """Median and p99 milliseconds of a call to a no-op endpoint on this transport."""
    server = messaging.get_rpc_server(rpc.get_transport(),
                                      messaging.Target(topic='bench_echo', server='echo'),
                                      [_Echo()], executor='threading')
    server.start()
    try:
        client = messaging.get_rpc_client(rpc.get_transport(),
                                          messaging.Target(topic='bench_echo', server='echo'))
        times = []
        for i in range(calls):
            start = time.perf_counter()
            client.call({}, 'echo', value=i)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        return statistics.median(times), times[int(len(times) * 0.99) - 1]
    finally:
        server.stop()
        server.wait()


class Client:
    """The REST calls of the lifecycle; ``polls`` counts GET /servers/detail and
    ``poll_counts`` what they cost."""

    def __init__(self, app):
        self.app = app
        self.polls = 0
        self.poll_counts = {}
        self.poll_cpu = 0.0  # CPU seconds of the polls themselves (this thread's)

    def call(self, method, path, body=None, expect=(200, 202, 204)):
        status, reply = harness.request(self.app, method, path, body)
        if status not in expect:
            raise RuntimeError('%s %s: %s %s' % (method, path, status, reply))
        return reply

    def image(self):
        image = self.call('POST', '/image/v2/images', {
            'name': 'bench', 'disk_format': 'raw', 'container_format': 'bare'},
            expect=(201,))
        req = webob.Request.blank('/image/v2/images/%s/file' % image['id'], method='PUT')
        req.headers['X-Auth-Token'] = 'bench:bench:admin,member'
        req.content_type = 'application/octet-stream'
        req.body = b'\0' * 1024
        req.get_response(self.app)
        return image['id']

    def wait_all(self, ids, status, timeout=300):
        deadline = time.monotonic() + timeout
        pending = set(ids)
        while True:
            before = stats.snapshot()
            cpu_before = time.thread_time()
            servers = self.call('GET', '/v2.1/servers/detail')['servers']
            self.poll_cpu += time.thread_time() - cpu_before
            self.polls += 1
            # The API's own: conductor and compute work goes on during a poll.
            for kind, names in stats.since(before).get('api', {}).items():
                for name, n in names.items():
                    bucket = self.poll_counts.setdefault(kind, {})
                    bucket[name] = bucket.get(name, 0) + n
            by_id = {s['id']: s['status'] for s in servers}
            failed = [i for i in pending if by_id.get(i) == 'ERROR']
            if failed:
                raise RuntimeError('%d servers went to ERROR' % len(failed))
            pending = {i for i in pending if by_id.get(i) != status}
            if not pending:
                return
            if time.monotonic() > deadline:
                raise RuntimeError('%d servers not %s in time' % (len(pending), status))
            time.sleep(POLL_INTERVAL)

    def lifecycle(self, image_id, count, tag):
        ids = []
        for i in range(count):
            ids.append(self.call('POST', '/v2.1/servers', {'server': {
                'name': '%s-%d' % (tag, i), 'flavorRef': '6', 'imageRef': image_id,
                'networks': 'none'}})['server']['id'])
        self.wait_all(ids, 'ACTIVE')
        for server_id in ids:
            self.call('POST', '/v2.1/servers/%s/action' % server_id,
                      {'resize': {'flavorRef': '7'}})
        self.wait_all(ids, 'VERIFY_RESIZE')
        for server_id in ids:
            self.call('POST', '/v2.1/servers/%s/action' % server_id, {'confirmResize': None})
        self.wait_all(ids, 'ACTIVE')
        return ids


class QuietClient(Client):
    """The lifecycle's requests, waiting for the servers by reading their states from
    the all-in-one's database file (a few thousand instructions each) instead of
    polling the API."""

    def __init__(self, app, database_path):
        super().__init__(app)
        self.database_path = database_path

    def wait_all(self, ids, status, timeout=1800):
        deadline = time.monotonic() + timeout
        query = 'SELECT vm_state, task_state FROM instances WHERE uuid IN (%s)' % (
            ','.join('?' * len(ids)))
        with sqlite3.connect(self.database_path) as db:
            while True:
                shown = [server_status.status_of(vm_state, task_state)
                         for vm_state, task_state in db.execute(query, ids)]
                if 'ERROR' in shown:
                    raise RuntimeError('servers went to ERROR')
                if len(shown) == len(ids) and all(s == status for s in shown):
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError('servers not %s in time' % status)
                time.sleep(POLL_INTERVAL)


def _run_marked(count):
    """What runs under callgrind: a warm-up lifecycle, then ``count`` servers' between
    two marks, from the same collector's state."""
    aio = harness.start(['b1', 'b2'], transport_url='inproc://', overrides=OVERRIDES)
    try:
        database = harness.CONF.database.connection[len('sqlite:///'):]
        client = QuietClient(aio.app, database)
        image_id = client.image()
        client.lifecycle(image_id, 2, 'warmup')
        gc.collect()
        harness.mark()
        client.lifecycle(image_id, count, 'run')
        harness.mark()
    finally:
        harness.stop(aio, OVERRIDES)


def instructions(count):
    """Instructions per server lifecycle, from one run of this file under callgrind."""
    _, (total,) = harness.instructions(__file__, ['--marked', '--servers', str(count)])
    return total / count


def _per_server(counts, kind, who, count):
    return stats.totals(counts, kind, who) / count


def run(transport, count, latency_calls):
    aio = harness.start(['b1', 'b2'], transport_url='%s://' % transport,
                        overrides=OVERRIDES)
    try:
        client = Client(aio.app)
        image_id = client.image()
        client.lifecycle(image_id, 2, 'warmup')
        client.polls, client.poll_counts, client.poll_cpu = 0, {}, 0.0
        before = stats.snapshot()
        start, cpu_start = time.perf_counter(), time.process_time()
        client.lifecycle(image_id, count, 'run')
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        counts = stats.since(before)
        latency = call_latency(latency_calls)
    finally:
        harness.stop(aio, OVERRIDES)
    poll_sql = sum(client.poll_counts.get('sql', {}).values())
    row = {'transport': transport, 'servers': count, 'seconds': seconds, 'cpu_seconds': cpu,
           'poll_cpu_seconds': client.poll_cpu,
           'cpu_without_polls': (cpu - client.poll_cpu) * 1000 / count,
           'servers_per_s': count / seconds, 'polls': client.polls,
           'call_ms_p50': latency[0], 'call_ms_p99': latency[1]}
    for kind, key in (('rpc.call', 'rpc_calls'), ('rpc.cast', 'rpc_casts'),
                      ('notification', 'notifications')):
        row[key] = stats.totals(counts, kind) / count
    row['sql_api'] = (stats.totals(counts, 'sql', 'api') - poll_sql) / count
    row['sql_per_poll'] = poll_sql / max(client.polls, 1)
    row['sql_conductor'] = _per_server(counts, 'sql', 'conductor', count)
    row['sql_compute'] = _per_server(counts, 'sql', 'compute', count)
    row['sql_other'] = (stats.totals(counts, 'sql') - poll_sql) / count - (
        row['sql_api'] + row['sql_conductor'] + row['sql_compute'])
    row['transactions'] = (stats.totals(counts, 'txn') -
                           sum(client.poll_counts.get('txn', {}).values())) / count
    row['detail'] = counts
    return row


COLUMNS = [('transport', 'transport'), ('servers', 'N'), ('seconds', 'seconds'),
           ('cpu_seconds', 'CPU s'), ('poll_cpu_seconds', 'polls CPU s'),
           ('cpu_without_polls', 'CPU ms/srv w/o polls'),
           ('servers_per_s', 'servers/s'), ('call_ms_p50', 'call ms p50'),
           ('call_ms_p99', 'p99'), ('rpc_calls', 'calls/srv'), ('rpc_casts', 'casts/srv'),
           ('notifications', 'notif/srv'), ('sql_api', 'SQL api/srv'),
           ('sql_conductor', 'SQL cond/srv'), ('sql_compute', 'SQL comp/srv'),
           ('sql_other', 'SQL other/srv'), ('transactions', 'txn stmts/srv'),
           ('polls', 'polls'),
           ('sql_per_poll', 'SQL/poll')]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--servers', type=int, nargs='+', default=None,
                        help='N (default 20 50; 10 with --instructions)')
    parser.add_argument('--transports', nargs='+', default=['inproc', 'fake'])
    parser.add_argument('--latency-calls', type=int, default=300)
    parser.add_argument('--instructions', action='store_true',
                        help='count instructions per server lifecycle under valgrind')
    parser.add_argument('--marked', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.marked:
        _run_marked(args.servers[0])
        return
    if args.instructions:
        count = (args.servers or [10])[0]
        per_server = instructions(count)
        harness.table('Instructions per server lifecycle, all-in-one (callgrind)',
                      [('servers', 'N'), ('instructions', 'instructions per server')],
                      [{'servers': count, 'instructions': per_server}])
        harness.write(NAME + '_instructions', {'servers': count},
                      {'lifecycle': [{'servers': count, 'instructions': per_server}]})
        return
    servers = args.servers or [20, 50]
    rows = [run(transport, count, args.latency_calls) for transport in args.transports
            for count in servers]
    harness.table('Server lifecycle, all-in-one (boot, resize, confirm; 2 fake hosts)',
                  COLUMNS, rows)
    base = {r['servers']: r for r in rows if r['transport'] == 'fake'}
    for r in rows:
        if r['transport'] != 'fake' and r['servers'] in base:
            print('%s/fake at N=%d: %.2fx faster' % (
                r['transport'], r['servers'], base[r['servers']]['seconds'] / r['seconds']))
    by_kind = rows[0]['detail']
    print('\nper-role detail of the first row (%s, N=%d):' % (rows[0]['transport'],
                                                             rows[0]['servers']))
    for who, kinds in sorted(by_kind.items()):
        for kind, names in sorted(kinds.items()):
            print('  %-10s %-13s %s' % (who, kind, ', '.join(
                '%s=%d' % item for item in sorted(names.items(), key=lambda i: -i[1]))))
    harness.write(NAME, {'servers': servers, 'transports': args.transports,
                         'poll_interval': POLL_INTERVAL}, {'lifecycle': rows})


if __name__ == '__main__':
    main()
