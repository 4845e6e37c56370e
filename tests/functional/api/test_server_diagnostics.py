"""GET /servers/{id}/diagnostics: admins only, the flat shape before 2.48 and the
standard one (Tempest's schema) from 2.48, 409 for a guest that is not running, 501 from
a hypervisor without diagnostics."""
import pytest

from tests.functional.api import helpers


@pytest.fixture
def server_id(cloud):
    return helpers.active_server(cloud)


def _get(cloud, server_id, version=None, admin=True):
    call = cloud.admin if admin else cloud.request
    return call('GET', '/v2.1/servers/%s/diagnostics' % server_id, version=version)


def test_shapes_by_microversion(cloud, server_id):
    resp = _get(cloud, server_id, version='2.47')
    assert resp.status_int == 200, resp.body
    legacy = resp.json_body_or_none
    assert legacy['memory'] == 512 * 1024  # m1.tiny, in KiB
    assert legacy['cpu0_time'] > 0 and legacy['vda_read'] > 0 and 'vda_errors' in legacy
    standard = helpers.validate(_get(cloud, server_id, version='2.48'), '2.48', 'servers',
                                'show_server_diagnostics')
    assert standard['memory_details']['maximum'] == 512
    assert standard['num_disks'] == 1 and 'name' not in standard['disk_details'][0]
    assert standard['state'] == 'running'


def test_admin_only_and_running_only(cloud, server_id):
    assert _get(cloud, server_id, admin=False).status_int == 403
    assert _get(cloud, 'a8a2b7c0-0000-4000-8000-000000000000').status_int == 404
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id, {'pause': None})
    assert resp.status_int == 202
    cloud.wait_for_server(server_id, 'PAUSED')
    code, message = helpers.fault(_get(cloud, server_id))
    assert code == 409 and 'power state paused' in message


def test_a_hypervisor_without_diagnostics_answers_501(cloud, server_id, monkeypatch):
    host = helpers.server_host(cloud, server_id)
    driver = cloud.aio.compute(host).driver

    def missing(instance):
        raise NotImplementedError()
    monkeypatch.setattr(driver, 'get_diagnostics', missing)
    assert _get(cloud, server_id).status_int == 501
