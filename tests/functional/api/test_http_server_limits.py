"""The API's HTTP server as a hostile client meets it (issue 9, findings 1, 2 and 5):
bounded workers, idle and half-sent connections closed, chunk sizes and body sizes
checked before a body is read, a client that goes away mid-body closed quietly, and a
pathological name filter that neither takes long nor delays another client."""
import contextlib
import socket
import threading
import time

import requests

from api_svc import server as api_server
from svc_common.conf import CONF
from tests.functional.api import helpers

TOKEN = 'X-Auth-Token: tester:demo:member\r\n'


@contextlib.contextmanager
def serving(app):
    httpd = api_server.make_server(app, '127.0.0.1', 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_port
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


def raw_exchange(port, data, timeout=10.0):
    """Send ``data``, then read the answer until the server closes or ``timeout``."""
    sock = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    try:
        sock.sendall(data)
        chunks = []
        while True:
            piece = sock.recv(65536)
            if not piece:
                return b''.join(chunks)
            chunks.append(piece)
            if b'\r\n\r\n' in b''.join(chunks):
                return b''.join(chunks)
    finally:
        sock.close()


def status_of(answer):
    return int(answer.split(b' ', 2)[1]) if answer else None


def test_workers_are_bounded():
    CONF.set_override('threads', 2, group='api')
    seen = set()

    def app(environ, start_response):
        seen.add(threading.get_ident())
        time.sleep(0.05)
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [b'ok']

    try:
        with serving(app) as port:
            results = []
            clients = [threading.Thread(target=lambda: results.append(requests.get(
                'http://127.0.0.1:%d/' % port, timeout=30).status_code)) for _ in range(12)]
            for client in clients:
                client.start()
            for client in clients:
                client.join()
    finally:
        CONF.clear_override('threads', group='api')
    assert results == [200] * 12
    assert 1 <= len(seen) <= 2


def test_half_sent_request_is_closed_and_holds_no_worker(cloud):
    CONF.set_override('client_socket_timeout', 1, group='api')
    CONF.set_override('threads', 1, group='api')
    try:
        with serving(cloud.app) as port:
            stalled = socket.create_connection(('127.0.0.1', port), timeout=15)
            stalled.sendall(b'POST /v2.1/servers HTTP/1.1\r\nHost: x\r\n' + TOKEN.encode()
                            + b'Content-Length: 100\r\n\r\n{"server"')
            # The only worker is free for others while that body never comes...
            resp = requests.get('http://127.0.0.1:%d/v2.1/flavors' % port, timeout=5,
                                headers={'X-Auth-Token': 'tester:demo:member'})
            assert resp.status_code == 200
            # ... and the stalled connection is closed once idle for the timeout.
            started = time.monotonic()
            assert stalled.recv(100) == b''
            assert time.monotonic() - started < 10
            stalled.close()
    finally:
        CONF.clear_override('client_socket_timeout', group='api')
        CONF.clear_override('threads', group='api')


def test_negative_or_malformed_chunk_size_is_refused_before_the_body(cloud):
    image = helpers.create_image(cloud, data=None)
    with serving(cloud.app) as port:
        for size in (b'-1', b'-7fffffff', b'zz', b'0x10', b' 5'):
            head = ('PUT /image/v2/images/%s/file HTTP/1.1\r\nHost: x\r\n%s'
                    'Content-Type: application/octet-stream\r\n'
                    'Transfer-Encoding: chunked\r\n\r\n' % (image['id'], TOKEN)).encode()
            # More body follows and the connection stays open: a server that read on
            # would wait for the end of it.
            answer = raw_exchange(port, head + size + b'\r\n' + b'x' * 200000, timeout=5)
            assert status_of(answer) == 400, (size, answer[:200])
    shown = cloud.request('GET', '/image/v2/images/%s' % image['id']).json_body_or_none
    assert shown['status'] == 'queued'


def _rss_mb():
    with open('/proc/self/status') as status:
        line = next(line for line in status if line.startswith('VmRSS:'))
    return int(line.split()[1]) / 1024


def test_big_json_body_gets_413_without_costing_memory(cloud):
    """A 10 MB body: the server spools it (not in memory), the API refuses it from its
    Content-Length without reading it."""
    body = b'{"server": {"name": "' + b'x' * (10 * 1024 * 1024) + b'"}}'
    with serving(cloud.app) as port:
        before = _rss_mb()
        resp = requests.post('http://127.0.0.1:%d/v2.1/servers' % port, data=body,
                             timeout=30, headers={'X-Auth-Token': 'tester:demo:member',
                                                  'Content-Type': 'application/json'})
        grown = _rss_mb() - before
    assert resp.status_code == 413
    assert resp.json()['overLimit']['code'] == 413
    print('10 MB JSON body: 413, resident memory grew %.1f MB' % grown)
    assert grown < 40


def test_big_bodies_through_the_app(cloud):
    big = b'{"server": {"name": "%s"}}' % (b'x' * (CONF.api.max_request_body_size + 1))
    resp = cloud.request('POST', '/v2.1/servers', raw=big)
    assert resp.status_int == 413 and helpers.fault(resp)[0] == 413
    resp = cloud.request('POST', '/image/v2/images', raw=big)
    assert resp.status_int == 413
    # Image data is not a request body of that kind: the image cap limits it.
    image = helpers.create_image(cloud, data=None)
    resp = cloud.request('PUT', '/image/v2/images/%s/file' % image['id'], raw=big,
                         headers={'Content-Type': 'application/octet-stream'})
    assert resp.status_int == 204


def test_client_gone_mid_body_is_closed_quietly(cloud):
    calls = []

    def counting(environ, start_response):
        calls.append(environ['PATH_INFO'])
        return cloud.app(environ, start_response)

    with serving(counting) as port:
        sock = socket.create_connection(('127.0.0.1', port), timeout=5)
        sock.sendall(('POST /v2.1/servers HTTP/1.1\r\nHost: x\r\n%sContent-Type: '
                      'application/json\r\nContent-Length: 1000\r\n\r\n{"server": '
                      % TOKEN).encode())
        sock.close()
        time.sleep(0.3)
        resp = requests.get('http://127.0.0.1:%d/v2.1/flavors' % port, timeout=5,
                            headers={'X-Auth-Token': 'tester:demo:member'})
        assert resp.status_code == 200
    # The half request never reached the application (nothing to fail there).
    assert calls == ['/v2.1/flavors']


def test_pathological_name_filter_is_fast_and_stalls_no_one(cloud):
    image = helpers.create_image(cloud)
    victim = helpers.boot(cloud, image['id'], name='a' * 40 + '!')['server']
    cloud.wait_for_server(victim['id'], 'ACTIVE')
    # Backtracking engines take 2^40 steps for this pattern against that name.
    pattern = '(a+)+$'
    with serving(cloud.app) as port:
        url = 'http://127.0.0.1:%d/v2.1' % port
        headers = {'X-Auth-Token': 'tester:demo:member'}
        done = threading.Event()
        result = {}

        def filtering():
            started = time.monotonic()
            resp = requests.get(url + '/servers', params={'name': pattern}, timeout=60,
                                headers=headers)
            result['status'], result['body'] = resp.status_code, resp.json()
            result['took'] = time.monotonic() - started
            done.set()

        thread = threading.Thread(target=filtering)
        thread.start()
        delays = []
        while not done.is_set() and len(delays) < 20:
            started = time.monotonic()
            assert requests.get(url, timeout=60).status_code == 200
            delays.append(time.monotonic() - started)
        thread.join(60)
    assert result['status'] == 200 and result['body']['servers'] == []
    assert result['took'] < 1.0, result['took']
    assert max(delays) < 0.5, delays
    print('name filter %r: %.1f ms; another client meanwhile: max %.1f ms'
          % (pattern, result['took'] * 1000, max(delays) * 1000))
