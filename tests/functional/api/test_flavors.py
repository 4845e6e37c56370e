"""Flavors: lists and filters, show, create/delete (admin), descriptions, extra specs."""
import pytest

from tests.functional.api import helpers


def _ids(resp):
    assert resp.status_int == 200, resp.body
    return [f['id'] for f in resp.json_body_or_none['flavors']]


@pytest.mark.parametrize('version', ['2.1', '2.55', '2.61', '2.75', '2.96'])
def test_bodies_match_tempest_schemas(cloud, version):
    helpers.validate(cloud.request('GET', '/v2.1/flavors', version=version), version,
                     'flavors', 'list_flavors')
    helpers.validate(cloud.request('GET', '/v2.1/flavors/detail', version=version), version,
                     'flavors', 'list_flavors_details')
    helpers.validate(cloud.request('GET', '/v2.1/flavors/1', version=version), version,
                     'flavors', 'create_update_get_flavor_details')
    body = {'name': 'f%s' % version, 'ram': 64, 'vcpus': 1, 'disk': 0}
    if version != '2.1':
        body['description'] = 'small'
    resp = cloud.admin('POST', '/v2.1/flavors', {'flavor': body}, version=version)
    flavor = helpers.validate(resp, version, 'flavors',
                              'create_update_get_flavor_details')['flavor']
    assert ('extra_specs' in flavor) == (version >= '2.61')
    assert ('description' in flavor) == (version != '2.1')
    assert flavor['swap'] == ('' if version < '2.75' else 0)
    resp = cloud.admin('DELETE', '/v2.1/flavors/%s' % flavor['id'], version=version)
    helpers.validate(resp, version, 'flavors', 'delete_flavor')


def test_filters_sorting_and_paging(cloud):
    assert _ids(cloud.request('GET', '/v2.1/flavors')) == ['1', '2', '3', '4', '5', '6', '7']
    assert _ids(cloud.request('GET', '/v2.1/flavors/detail?minRam=4096')) == ['3', '4', '5']
    assert _ids(cloud.request('GET', '/v2.1/flavors?minDisk=80')) == ['4', '5']
    assert _ids(cloud.request('GET', '/v2.1/flavors?sort_key=memory_mb&sort_dir=desc'))[:2] \
        == ['5', '4']
    assert cloud.request('GET', '/v2.1/flavors?minRam=lots').status_int == 400
    assert cloud.request('GET', '/v2.1/flavors?sort_key=colour').status_int == 400
    resp = cloud.request('GET', '/v2.1/flavors?limit=3')
    body = resp.json_body_or_none
    assert [f['id'] for f in body['flavors']] == ['1', '2', '3']
    assert 'marker=3' in body['flavors_links'][0]['href']
    assert _ids(cloud.request('GET', '/v2.1/flavors?limit=3&marker=3')) == ['4', '5', '6']
    assert cloud.request('GET', '/v2.1/flavors?marker=nope').status_int == 400
    # openstackclient's queries
    assert len(_ids(cloud.request('GET', '/v2.1/flavors/detail?is_public=None'))) == 7
    assert len(_ids(cloud.request('GET', '/v2.1/flavors/detail?is_public=True'))) == 7


def test_private_and_disabled_flavors(cloud):
    resp = cloud.admin('POST', '/v2.1/flavors', {'flavor': {
        'name': 'secret', 'id': 'secret', 'ram': 64, 'vcpus': 1, 'disk': 0,
        'os-flavor-access:is_public': False}})
    assert resp.status_int == 200, resp.body
    assert 'secret' not in _ids(cloud.request('GET', '/v2.1/flavors?is_public=none'))
    assert 'secret' not in _ids(cloud.admin('GET', '/v2.1/flavors'))
    assert 'secret' in _ids(cloud.admin('GET', '/v2.1/flavors?is_public=none'))
    assert _ids(cloud.admin('GET', '/v2.1/flavors?is_public=false')) == ['secret']
    assert cloud.admin('GET', '/v2.1/flavors?is_public=maybe').status_int == 400
    # As in Nova, a flavor a project may not use does not exist for it.
    assert cloud.request('GET', '/v2.1/flavors/secret').status_int == 404
    assert cloud.admin('GET', '/v2.1/flavors/secret').status_int == 200


def test_create_validation_and_conflicts(cloud):
    good = {'name': 'new', 'id': 'new', 'ram': '128', 'vcpus': 1, 'disk': 1, 'swap': '',
            'OS-FLV-EXT-DATA:ephemeral': 2, 'rxtx_factor': 2.0}
    resp = cloud.admin('POST', '/v2.1/flavors', {'flavor': good})
    flavor = resp.json_body_or_none['flavor']
    assert (flavor['ram'], flavor['swap'], flavor['OS-FLV-EXT-DATA:ephemeral'],
            flavor['rxtx_factor']) == (128, '', 2, 2.0)
    resp = cloud.admin('POST', '/v2.1/flavors', {'flavor': good})
    assert resp.status_int == 409
    assert 'conflictingRequest' in resp.json_body_or_none
    resp = cloud.admin('POST', '/v2.1/flavors', {'flavor': dict(good, id='other')})
    assert resp.status_int == 409
    for bad in ({'ram': 0}, {'vcpus': -1}, {'disk': 'lots'}, {'name': ''},
                {'rxtx_factor': 0}, {'colour': 'red'}):
        resp = cloud.admin('POST', '/v2.1/flavors',
                           {'flavor': dict(dict(good, id='x', name='x'), **bad)})
        assert resp.status_int == 400, bad
    auto = cloud.admin('POST', '/v2.1/flavors', {'flavor': {
        'name': 'auto', 'ram': 64, 'vcpus': 1, 'disk': 0}}).json_body_or_none['flavor']
    assert len(auto['id']) == 36


def test_manage_is_admin_only(cloud):
    body = {'flavor': {'name': 'x', 'ram': 64, 'vcpus': 1, 'disk': 0}}
    assert cloud.request('POST', '/v2.1/flavors', body).status_int == 403
    assert cloud.request('DELETE', '/v2.1/flavors/1').status_int == 403
    assert cloud.admin('DELETE', '/v2.1/flavors/1').status_int == 202
    assert cloud.admin('GET', '/v2.1/flavors/1').status_int == 404
    assert cloud.admin('DELETE', '/v2.1/flavors/1').status_int == 404


def test_description_update(cloud):
    resp = cloud.admin('PUT', '/v2.1/flavors/1', {'flavor': {'description': 'tiny'}},
                       version='2.55')
    body = helpers.validate(resp, '2.55', 'flavors', 'create_update_get_flavor_details')
    assert body['flavor']['description'] == 'tiny'
    assert cloud.admin('PUT', '/v2.1/flavors/1', {'flavor': {'description': 'x'}},
                       version='2.54').status_int == 400
    assert cloud.request('PUT', '/v2.1/flavors/1', {'flavor': {'description': 'x'}},
                         version='2.55').status_int == 403


def test_extra_specs(cloud):
    path = '/v2.1/flavors/1/os-extra_specs'
    resp = cloud.admin('POST', path, {'extra_specs': {'hw:cpu_policy': 'shared', 'n': 1}})
    assert helpers.validate(resp, '2.1', 'flavors_extra_specs',
                            'set_get_flavor_extra_specs') == {
        'extra_specs': {'hw:cpu_policy': 'shared', 'n': '1'}}
    assert cloud.request('GET', path).json_body_or_none == {
        'extra_specs': {'hw:cpu_policy': 'shared', 'n': '1'}}
    assert cloud.request('GET', path + '/n').json_body_or_none == {'n': '1'}
    assert cloud.admin('PUT', path + '/n', {'n': '2'}).json_body_or_none == {'n': '2'}
    assert cloud.admin('PUT', path + '/n', {'m': '2'}).status_int == 400
    assert cloud.request('POST', path, {'extra_specs': {'a': 'b'}}).status_int == 403
    # Nova answers 200 here (and 202 to a flavor's delete).
    helpers.validate(cloud.admin('DELETE', path + '/n'), '2.1', 'flavors_extra_specs',
                     'unset_flavor_extra_specs')
    assert cloud.request('GET', path + '/n').status_int == 404
    flavor = cloud.request('GET', '/v2.1/flavors/1', version='2.61').json_body_or_none
    assert flavor['flavor']['extra_specs'] == {'hw:cpu_policy': 'shared'}


def test_only_admins_boot_private_flavors(cloud):
    body = {'name': 'secret', 'ram': 64, 'vcpus': 1, 'disk': 0, 'id': 'p1',
            'os-flavor-access:is_public': False}
    assert cloud.admin('POST', '/v2.1/flavors', {'flavor': body}).status_int == 200
    image = helpers.create_image(cloud, project='admin', roles='admin', visibility='public')
    server = {'name': 'vm', 'flavorRef': 'p1', 'imageRef': image['id'], 'networks': 'none'}
    resp = cloud.request('POST', '/v2.1/servers', {'server': server}, version='2.37')
    assert helpers.fault(resp) == (400, 'Flavor p1 could not be found.')
    resp = cloud.admin('POST', '/v2.1/servers', {'server': server}, version='2.37')
    assert resp.status_int == 202, resp.body
