"""What the benchmarks share: an all-in-one on a scratch SQLite database, requests to its
REST API through the WSGI app (no sockets), and the result table each prints and writes
to bench/results/NAME.json."""
import datetime
import json
import os
import pathlib
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import webob

sys.path.insert(1, str(pathlib.Path(__file__).resolve().parent.parent))  # for tests.

from tests import ports  # noqa: E402

from nimbus_cmd import all_in_one
from svc_common.conf import CONF
from svc_common import objects
from svc_common import service

RESULTS = pathlib.Path(os.environ.get('NIMBUS_BENCH_RESULTS') or
                       pathlib.Path(__file__).resolve().parent / 'results')


def start(compute_hosts, transport_url='inproc://', overrides=None, api_server=False):
    """A started AllInOne (no-auth API, ``transport_url``) with its state in a new
    folder; ``overrides`` are (group, name) -> value config overrides. With
    ``api_server`` the API also listens on a free port of 127.0.0.1 and the compute
    hosts fetch images from it (what a real driver needs)."""
    tmp = tempfile.mkdtemp(prefix='nimbus-bench-')
    if api_server:
        port = ports.free_port()
        overrides = {('api', 'listen'): '127.0.0.1', ('api', 'port'): port,
                     ('image', 'api_endpoint'): 'http://127.0.0.1:%d/image' % port,
                     **(overrides or {})}
    CONF([], project='nimbus')
    objects.register_all()
    CONF.set_override('state_path', tmp)
    CONF.set_override('connection', 'sqlite:///%s/bench.sqlite' % tmp, group='database')
    CONF.set_override('transport_url', transport_url)
    CONF.set_override('auth_strategy', 'noauth', group='api')
    for (group, name), value in (overrides or {}).items():
        CONF.set_override(name, value, group=group)
    aio = all_in_one.AllInOne(compute_hosts=compute_hosts,
                              with_api_server=api_server).start()
    service.keep_started_objects()  # what nimbus-all-in-one does once started
    return aio





def stop(aio, overrides=None):
    aio.stop()
    for group, name in overrides or ():
        CONF.clear_override(name, group=group)


def request(app, method, path, body=None, project='bench', roles='admin,member'):
    """(status, decoded JSON body or None) of one request at microversion 2.96."""
    req = webob.Request.blank(path, method=method)
    req.headers['X-Auth-Token'] = 'bench:%s:%s' % (project, roles)
    req.headers['OpenStack-API-Version'] = 'compute 2.96'
    if body is not None:
        req.body = json.dumps(body).encode()
        req.content_type = 'application/json'
    resp = req.get_response(app)
    return resp.status_int, (json.loads(resp.body) if resp.body else None)


def at_once(calls):
    """Run each of ``calls`` (callables without arguments) in a thread of its own, all
    started together; the wall seconds until every one has returned."""
    threads = [threading.Thread(target=call) for call in calls]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def table(title, columns, rows):
    """Print ``rows`` (dicts) under ``title`` with ``columns`` ([(key, header)])."""
    cells = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max([len(header)] + [len(c[i]) for c in cells])
              for i, (_, header) in enumerate(columns)]
    print('\n== %s' % title)
    print('  '.join(h.ljust(w) for (_, h), w in zip(columns, widths)))
    print('  '.join('-' * w for w in widths))
    for c in cells:
        print('  '.join(v.ljust(w) for v, w in zip(c, widths)))


def _cell(value):
    if isinstance(value, float):
        return '%.3f' % value if abs(value) < 10 else '%.1f' % value
    return '' if value is None else str(value)


def write(name, params, tables):
    """bench/results/NAME.json: when, where, the parameters and every table's rows."""
    RESULTS.mkdir(exist_ok=True)
    doc = {'benchmark': name, 'when': datetime.datetime.now().isoformat(timespec='seconds'),
           'machine': {'cpus': os.cpu_count(), 'python': platform.python_version()},
           'params': params, 'tables': tables}
    path = RESULTS / ('%s.json' % name)
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + '\n')
    print('\nwrote %s' % path)


# Instructions instead of seconds: a benchmark runs itself once under valgrind's
# callgrind, calling ``mark()`` between the parts it measures. Each mark dumps the
# counts so far and starts afresh (callgrind's --dump-before on the C function behind
# os.getppid), so part 1 is everything up to the first mark and part k+1 what ran
# between the k-th mark and the next.
_MARK_FUNCTION = 'os_getppid'


def mark():
    """End one measured part of a run under ``instructions`` (and start the next)."""
    os.getppid()


def instructions(script, args):
    """Run ``script`` (a benchmark file, with ``args``) under callgrind: (its standard
    output, [the instructions of each part between two marks, in order])."""
    if shutil.which('valgrind') is None:
        sys.exit('counting instructions needs valgrind (apt-get install valgrind)')
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            ['valgrind', '--tool=callgrind', '--dump-before=' + _MARK_FUNCTION,
             '--callgrind-out-file=%s/cg' % out, sys.executable, str(script)] + list(args),
            check=True, capture_output=True, text=True)
        totals = []
        part = 2
        while pathlib.Path(out, 'cg.%d' % part).exists():
            text = pathlib.Path(out, 'cg.%d' % part).read_text()
            totals.append(int(re.search(r'^totals: (\d+)', text, re.M).group(1)))
            part += 1
    return done.stdout, totals
