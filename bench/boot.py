"""Boot throughput of the all-in-one (fake driver, in-process messaging, SQLite).

    .venv/bin/python bench/boot.py [--servers 40]

Boots N servers through the REST API (WSGI app, no sockets) until all are ACTIVE, and,
as the baseline in the same run, N builds cast straight to the conductor. Prints
servers per second for both and their ratio (the cost of the API layer: validation,
quota, policy, view rendering, polling).
"""
import argparse
import time
import uuid

import webob

import harness  # bench/harness.py
from svc_common import conductor_rpcapi
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import objects
from svc_common import states


def _request(app, method, path, body=None):
    return harness.request(app, method, path, body)[1]


def _wait_active(ctx, uuids, timeout=300):
    deadline = time.monotonic() + timeout
    pending = set(uuids)
    while pending and time.monotonic() < deadline:
        for server_id in list(pending):
            inst = objects.Instance.get_by_uuid(ctx, server_id)
            if inst.vm_state == states.VmState.ACTIVE:
                pending.discard(server_id)
            elif inst.vm_state == states.VmState.ERROR:
                raise RuntimeError('server %s failed' % server_id)
        time.sleep(0.05)
    if pending:
        raise RuntimeError('%d servers not ACTIVE in time' % len(pending))


def _image_id(app):
    image = _request(app, 'POST', '/image/v2/images',
                     {'name': 'bench', 'disk_format': 'raw', 'container_format': 'bare'})
    req = webob.Request.blank('/image/v2/images/%s/file' % image['id'], method='PUT')
    req.headers['X-Auth-Token'] = 'bench:bench:admin,member'
    req.content_type = 'application/octet-stream'
    req.body = b'\0' * 1024
    req.get_response(app)
    return image['id']


def bench_api(app, ctx, count, image_id):
    start = time.perf_counter()
    uuids = []
    for i in range(count):
        body = _request(app, 'POST', '/v2.1/servers', {'server': {
            'name': 'api-%d' % i, 'flavorRef': '6', 'imageRef': image_id,
            'networks': 'none'}})
        if 'server' not in body:
            raise RuntimeError('boot refused: %s' % body)
        uuids.append(body['server']['id'])
    _wait_active(ctx, uuids)
    return count / (time.perf_counter() - start)


def bench_rpc(ctx, count):
    flavor = objects.Flavor.get_by_flavor_id(ctx, '6')
    api = conductor_rpcapi.ConductorAPI()
    start = time.perf_counter()
    uuids = []
    for i in range(count):
        inst = objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
            vm_state=states.VmState.BUILDING, task_state=states.TaskState.SCHEDULING,
            project_id='bench', user_id='bench', display_name='rpc-%d' % i)
        inst.create()
        api.build_instances(ctx, [inst], None)
        uuids.append(inst.uuid)
    _wait_active(ctx, uuids)
    return count / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--servers', type=int, default=40)
    args = parser.parse_args()
    aio = harness.start(['b1', 'b2'])
    CONF.set_override('instances', -1, group='quota')
    CONF.set_override('cores', -1, group='quota')
    CONF.set_override('ram', -1, group='quota')
    try:
        ctx = nimbus_context.RequestContext(user_id='bench', project_id='bench',
                                            roles=['admin'])
        image_id = _image_id(aio.app)
        rpc_rate = bench_rpc(ctx, args.servers)
        api_rate = bench_api(aio.app, ctx, args.servers, image_id)
        print('baseline (cast to conductor): %6.1f servers/s' % rpc_rate)
        print('REST API (POST /servers):     %6.1f servers/s' % api_rate)
        print('ratio API/baseline:           %6.2f' % (api_rate / rpc_rate))
    finally:
        aio.stop()


if __name__ == '__main__':
    main()
