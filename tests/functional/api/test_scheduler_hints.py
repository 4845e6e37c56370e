"""The same_host and different_host scheduler hints, through the REST API, on two fake
compute hosts: where hinted servers land, the 400 for a hint that names no server, and
a resize that keeps its server with the one it was built beside."""
import pytest

from svc_common.conf import CONF
from tests.functional.api import helpers


@pytest.fixture
def image(cloud):
    return helpers.create_image(cloud)


def _boot(cloud, image, status='ACTIVE', **hints):
    body = {'server': {'name': 'vm', 'flavorRef': '1', 'imageRef': image['id'],
                       'networks': 'none'}}
    if hints:
        body['os:scheduler_hints'] = hints
    resp = cloud.request('POST', '/v2.1/servers', body, version='2.37')
    assert resp.status_int == 202, resp.body
    server_id = resp.json_body_or_none['server']['id']
    cloud.wait_for_server(server_id, status)
    return server_id


_host = helpers.server_host


@pytest.fixture
def stacking():
    with helpers.stacking():
        yield


def test_same_host_lands_with_the_named_server(cloud, image):
    first = _boot(cloud, image)
    # Unhinted, the next server would go to the emptier host.
    second = _boot(cloud, image, same_host=first)
    third = _boot(cloud, image, same_host=[second, first])
    assert _host(cloud, second) == _host(cloud, third) == _host(cloud, first)


def test_different_host_avoids_the_named_server(cloud, image, stacking):
    first = _boot(cloud, image)
    second = _boot(cloud, image, different_host=first)
    third = _boot(cloud, image, different_host=[second])
    assert _host(cloud, second) != _host(cloud, first)
    assert _host(cloud, third) == _host(cloud, first)


def test_different_host_of_every_host_finds_no_valid_host(cloud, image):
    first = _boot(cloud, image)
    second = _boot(cloud, image, different_host=first)
    failed = _boot(cloud, image, status='ERROR', different_host=[first, second])
    server = cloud.request('GET', '/v2.1/servers/%s' % failed).json_body_or_none['server']
    assert 'No valid host' in server['fault']['message']
    assert _host(cloud, failed) is None


@pytest.mark.parametrize('hints, field', [
    ({'same_host': 'web-1'}, 'os:scheduler_hints/same_host'),
    ({'different_host': ['8a1c0e4e-8d4f-4bd4-9f0a-4c7a0a5e9b11', 42]},
     'os:scheduler_hints/different_host/1'),
    ({'different_host': {'id': '8a1c0e4e-8d4f-4bd4-9f0a-4c7a0a5e9b11'}},
     'os:scheduler_hints/different_host'),
])
def test_a_hint_that_names_no_server_is_refused(cloud, image, hints, field):
    body = {'server': {'name': 'vm', 'flavorRef': '1', 'imageRef': image['id'],
                       'networks': 'none'}, 'os:scheduler_hints': hints}
    resp = cloud.request('POST', '/v2.1/servers', body, version='2.37')
    assert resp.status_int == 400, resp.body
    code, message = helpers.fault(resp)
    assert resp.json_body_or_none.keys() == {'badRequest'}
    assert code == 400
    assert message.startswith('Invalid input for field/attribute %s.' % field), message
    assert cloud.request('GET', '/v2.1/servers').json_body_or_none['servers'] == []


def test_resize_honours_the_build_hints(cloud, image):
    """Built beside its neighbour, a server resized where either host may take it
    stays there (unhinted it would move to the emptier host)."""
    CONF.set_override('allow_resize_to_same_host', True, group='compute')
    try:
        first = _boot(cloud, image)
        second = _boot(cloud, image, same_host=first)
        assert _host(cloud, second) == _host(cloud, first)
        resp = cloud.request('POST', '/v2.1/servers/%s/action' % second,
                             {'resize': {'flavorRef': '2'}})
        assert resp.status_int == 202, resp.body
        cloud.wait_for_server(second, 'VERIFY_RESIZE')
    finally:
        CONF.clear_override('allow_resize_to_same_host', group='compute')
    assert _host(cloud, second) == _host(cloud, first)
