"""os-flavor-access: private flavors for the projects given access, and for no one
else (lists, show, boot, resize)."""
import pytest

from tests.functional.api import helpers


def _ids(resp):
    assert resp.status_int == 200, resp.body
    return [f['id'] for f in resp.json_body_or_none['flavors']]


def _access(cloud, action, tenant, flavor='secret', version='2.7', expect=200):
    resp = cloud.admin('POST', '/v2.1/flavors/%s/action' % flavor,
                       {action: {'tenant': tenant}}, version=version)
    if expect != 200:
        assert resp.status_int == expect, resp.body
        return helpers.fault(resp)
    return helpers.validate(resp, version, 'flavors_access',
                            'add_remove_list_flavor_access')['flavor_access']


@pytest.fixture
def secret(cloud):
    resp = cloud.admin('POST', '/v2.1/flavors', {'flavor': {
        'name': 'secret', 'id': 'secret', 'ram': 64, 'vcpus': 1, 'disk': 0,
        'os-flavor-access:is_public': False}})
    assert resp.status_int == 200, resp.body
    return resp.json_body_or_none['flavor']


def test_add_list_remove(cloud, secret):
    resp = cloud.admin('GET', '/v2.1/flavors/secret/os-flavor-access')
    assert helpers.validate(resp, '2.1', 'flavors_access', 'add_remove_list_flavor_access')[
        'flavor_access'] == []
    assert _access(cloud, 'addTenantAccess', 'demo') == [{'flavor_id': 'secret',
                                                          'tenant_id': 'demo'}]
    assert [a['tenant_id'] for a in _access(cloud, 'addTenantAccess', 'other')] == [
        'demo', 'other']
    assert _access(cloud, 'addTenantAccess', 'demo', expect=409) == (
        409, 'Flavor access already exists for flavor secret and project demo combination.')
    assert _access(cloud, 'removeTenantAccess', 'demo') == [{'flavor_id': 'secret',
                                                             'tenant_id': 'other'}]
    assert _access(cloud, 'removeTenantAccess', 'demo', expect=404) == (
        404, 'Flavor access not found for secret / demo combination.')
    assert _access(cloud, 'addTenantAccess', 'demo', flavor='nope', expect=404)[0] == 404
    assert _access(cloud, 'addTenantAccess', '', expect=400)[0] == 400
    assert cloud.admin('POST', '/v2.1/flavors/secret/action', {'sing': {}}).status_int == 400
    # Deleting the flavor takes its access list with it.
    assert cloud.admin('DELETE', '/v2.1/flavors/secret').status_int == 202


def test_public_flavors_have_no_access_list(cloud):
    code, message = helpers.fault(cloud.admin('GET', '/v2.1/flavors/1/os-flavor-access'))
    assert (code, message) == (404, 'Access list not available for public flavors.')
    assert _access(cloud, 'addTenantAccess', 'demo', flavor='1', expect=409) == (
        409, 'Can not add access to a public flavor.')
    # Before 2.7 the row is added (and changes nothing).
    assert _access(cloud, 'addTenantAccess', 'demo', flavor='1', version='2.6') == [
        {'flavor_id': '1', 'tenant_id': 'demo'}]


def test_admin_only(cloud, secret):
    assert cloud.request('GET', '/v2.1/flavors/secret/os-flavor-access').status_int == 403
    for action in ('addTenantAccess', 'removeTenantAccess'):
        assert cloud.request('POST', '/v2.1/flavors/secret/action',
                             {action: {'tenant': 'demo'}}).status_int == 403


def test_private_flavor_is_only_for_projects_with_access(cloud, secret):
    image = helpers.create_image(cloud, visibility='public', project='admin', roles='admin')
    assert 'secret' not in _ids(cloud.request('GET', '/v2.1/flavors'))
    assert cloud.request('GET', '/v2.1/flavors/secret').status_int == 404
    code, message = helpers.fault(cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'x', 'flavorRef': 'secret', 'imageRef': image['id'], 'networks': 'none'}},
        version='2.37'))
    assert (code, message) == (400, 'Flavor secret could not be found.')

    _access(cloud, 'addTenantAccess', 'demo')
    assert 'secret' in _ids(cloud.request('GET', '/v2.1/flavors/detail'))
    assert 'secret' in _ids(cloud.request('GET', '/v2.1/flavors?is_public=false'))  # ignored
    assert 'secret' not in _ids(cloud.request('GET', '/v2.1/flavors', project='other'))
    resp = cloud.request('GET', '/v2.1/flavors/secret')
    assert resp.json_body_or_none['flavor']['os-flavor-access:is_public'] is False
    server_id = helpers.boot(cloud, image['id'], flavor='secret')['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')

    # Another project's server cannot be resized to it; once access is taken back,
    # neither can the project's.
    other = helpers.boot(cloud, image['id'], project='other')['server']['id']
    cloud.wait_for_server(other, 'ACTIVE', project='other')
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % other,
                         {'resize': {'flavorRef': 'secret'}}, project='other')
    assert resp.status_int == 400, resp.body
    # The admin's own listing: public flavors and the private ones its project may use.
    assert 'secret' not in _ids(cloud.admin('GET', '/v2.1/flavors'))
    _access(cloud, 'addTenantAccess', 'admin')
    assert 'secret' in _ids(cloud.admin('GET', '/v2.1/flavors'))
