"""The functional tier: every service in this process (fake transport, SQLite, fake
virt driver), driven through the WSGI app."""
import io
import json
import time
import uuid

from futurist import _thread as futurist_thread
import pytest
import requests
import requests.adapters
import webob

from compute_svc.virt.disks import image_client
from nimbus_cmd import all_in_one
from tests.functional import fakes
from svc_common import conf
from svc_common.conf import CONF
from svc_common import objects
from svc_common import states

objects.register_all()

# oslo.messaging's threading executor joins each idle worker after the worker's idle
# poll (1 s) runs out; the services here stop after every test, so poll faster.
futurist_thread.ThreadWorker.MAX_IDLE_FOR = 0.05


class Cloud:
    """A running all-in-one and a small REST client for it."""

    def __init__(self, aio):
        self.aio = aio
        self.app = aio.app

    def request(self, method, path, body=None, headers=None, version=None, project='demo',
                roles='member', raw=None):
        """Send a request as a user of ``project`` with ``roles`` (no-auth headers)."""
        req = webob.Request.blank(path, method=method)
        req.headers['X-Auth-Token'] = 'tester:%s:%s' % (project, roles)
        if version:
            req.headers['OpenStack-API-Version'] = 'compute %s' % version
        for key, value in (headers or {}).items():
            req.headers[key] = value
        if raw is not None:
            req.body = raw
            req.content_type = req.content_type or 'application/json'
        elif body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        resp = req.get_response(self.app)
        resp.json_body_or_none = json.loads(resp.body) if resp.body and \
            resp.content_type == 'application/json' else None
        return resp

    def admin(self, method, path, body=None, **kwargs):
        return self.request(method, path, body, project='admin', roles='admin,member',
                            **kwargs)

    def wait_for(self, predicate, timeout=10.0, interval=0.02, what='condition'):
        return poll(predicate, timeout, interval, what)

    def wait_for_server(self, server_id, status, project='demo', timeout=10.0):
        def check():
            resp = self.request('GET', '/v2.1/servers/%s' % server_id, project=project,
                                roles='member')
            if resp.status_int == 404 and status == 'DELETED':
                return {'status': 'DELETED'}
            server = resp.json_body_or_none['server']
            return server if server['status'] == status else None
        return self.wait_for(check, timeout, what='server %s to be %s' % (server_id, status))


IMAGE_ENDPOINT = 'http://nimbus.functional/image'


class WsgiAdapter(requests.adapters.BaseAdapter):
    """requests' transport into a WSGI app in this process: the compute hosts' image
    client (compute_svc.image_client) reaches the all-in-one's image API through it."""

    def __init__(self, aio):
        super().__init__()
        self.aio = aio

    def send(self, request, stream=False, timeout=None, verify=True, cert=None,
             proxies=None):
        req = webob.Request.blank(request.path_url, method=request.method)
        for key, value in request.headers.items():
            req.headers[key] = value
        body = request.body
        if body is not None:
            body = body.read() if hasattr(body, 'read') else body
            req.body = body.encode() if isinstance(body, str) else body
        resp = req.get_response(self.aio.app)
        out = requests.Response()
        out.status_code = resp.status_int
        out.headers = requests.structures.CaseInsensitiveDict(resp.headers)
        out.raw = io.BytesIO(resp.body)
        out.url = request.url
        out.request = request
        return out

    def close(self):
        pass


def _session_factory(aio):
    def make():
        session = requests.Session()
        session.mount(IMAGE_ENDPOINT, WsgiAdapter(aio))
        return session
    return make


@pytest.fixture
def notification_driver():
    """The [oslo_messaging_notifications]/driver the services of ``cloud`` and ``core``
    start with: none, as by default (no notifications). A test that listens for them
    names one: ``@pytest.mark.parametrize('notification_driver', ['messagingv2'])``."""
    return None


# A test that listens for notifications: the services start with the messagingv2 driver.
NOTIFYING = pytest.mark.parametrize('notification_driver', ['messagingv2'])


def _set_notification_driver(driver):
    if driver:
        CONF.set_override('driver', [driver], group='oslo_messaging_notifications')


def _clear_notification_driver():
    CONF.clear_override('driver', group='oslo_messaging_notifications')


@pytest.fixture
def cloud(tmp_path, notification_driver):
    """A fresh all-in-one with two compute hosts (host1, host2) and an empty database;
    the compute hosts reach its image API in process."""
    _set_notification_driver(notification_driver)
    CONF.set_override('state_path', str(tmp_path))
    CONF.set_override('api_endpoint', IMAGE_ENDPOINT, group='image')
    CONF.set_override('connection', 'sqlite:///%s/nimbus.sqlite' % tmp_path, group='database')
    CONF.set_override('sqlite_synchronous', False, group='database')  # throwaway: no fsync
    CONF.set_override('auth_strategy', 'noauth', group='api')
    CONF.set_override('transport_url', 'inproc://')
    CONF.set_override('report_interval', 1)
    aio = all_in_one.AllInOne(compute_hosts=['host1', 'host2'], with_api_server=False,
                              bus=fakes.FaultyBus(), scheduler=fakes.RecordingScheduler(),
                              object_indirection=True)
    image_client.HttpImageClient.session_factory = staticmethod(_session_factory(aio))
    aio.start()
    try:
        yield Cloud(aio)
    finally:
        aio.stop()
        image_client.HttpImageClient.session_factory = requests.Session
        CONF.reset()
        conf.register(CONF)  # the defaults reset() dropped (e.g. [database] max_pool_size)
        CONF.clear_override('api_endpoint', group='image')
        CONF.clear_override('state_path')
        CONF.clear_override('connection', group='database')
        CONF.clear_override('sqlite_synchronous', group='database')
        CONF.clear_override('auth_strategy', group='api')
        CONF.clear_override('transport_url')
        CONF.clear_override('report_interval')
        _clear_notification_driver()


def poll(check, timeout=10.0, interval=0.02, what='condition'):
    """Call ``check`` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError('timed out waiting for %s' % what)


@pytest.fixture
def core(tmp_path, notification_driver):
    """Conductor and three compute hosts (host1..host3) without the REST API."""
    _set_notification_driver(notification_driver)
    CONF.set_override('state_path', str(tmp_path))
    CONF.set_override('connection', 'sqlite:///%s/n.sqlite' % tmp_path, group='database')
    CONF.set_override('sqlite_synchronous', False, group='database')
    CONF.set_override('transport_url', 'inproc://')
    aio = all_in_one.AllInOne(compute_hosts=['host1', 'host2', 'host3'], with_api=False,
                              bus=fakes.FaultyBus(), scheduler=fakes.RecordingScheduler(),
                              object_indirection=True)
    aio.start()
    try:
        yield aio
    finally:
        aio.stop()
        for name in ('state_path', 'transport_url'):
            CONF.clear_override(name)
        CONF.clear_override('connection', group='database')
        CONF.clear_override('sqlite_synchronous', group='database')
        _clear_notification_driver()


def new_instance(ctx, flavor_name='m1.tiny', request_spec=None):
    """An instance record as the API makes it (BUILDING/SCHEDULING, a 'create' action),
    stored with ``request_spec`` if given."""
    flavor = next(f for f in objects.FlavorList.get_all(ctx) if f.name == flavor_name)
    instance = objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
                                vm_state=states.VmState.BUILDING,
                                task_state=states.TaskState.SCHEDULING,
                                project_id=ctx.project_id, user_id=ctx.user_id,
                                display_name='vm')
    instance.create(request_spec=request_spec)
    objects.InstanceAction.action_start(ctx, instance.uuid, 'create')
    return instance


def wait_instance(ctx, instance_uuid, predicate, timeout=10.0):
    def check():
        inst = objects.Instance.get_by_uuid(ctx, instance_uuid, read_deleted='yes',
                                            expected_attrs=['fault'])
        return inst if predicate(inst) else None
    return poll(check, timeout, what='instance %s' % instance_uuid)
