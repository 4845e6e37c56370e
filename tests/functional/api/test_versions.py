"""Discovery, microversion negotiation, request ids and the generic error paths."""
from tests.functional.api import helpers


def test_root_lists_v20_and_v21_without_a_token(cloud):
    resp = cloud.request('GET', '/', headers={'X-Auth-Token': ''})
    assert resp.status_int == 200
    helpers.validate(resp, '2.1', 'versions', 'list_versions')
    legacy, version = resp.json_body_or_none['versions']
    assert (legacy['id'], legacy['status'], legacy['version']) == ('v2.0', 'SUPPORTED', '')
    assert (version['id'], version['version'], version['min_version']) == \
        ('v2.1', '2.104', '2.1')
    # Every self link leads to the same document (what Tempest follows).
    for listed in (legacy, version):
        resp = cloud.request('GET', listed['links'][0]['href'].replace('http://localhost',
                                                                       ''),
                             headers={'X-Auth-Token': ''})
        body = helpers.validate(resp, '2.1', 'versions', 'get_one_version')['version']
        assert body['links'][0] == listed['links'][0] and body['id'] == listed['id']


def test_legacy_v2_is_v21_at_21_without_microversions(cloud):
    resp = cloud.request('GET', '/v2/flavors/1', version='2.61')
    body = helpers.validate(resp, '2.1', 'flavors', 'create_update_get_flavor_details')
    assert 'extra_specs' not in body['flavor']  # the header is not for this API
    assert 'OpenStack-API-Version' not in resp.headers
    assert cloud.request('GET', '/v2/demo/flavors').status_int == 200
    assert cloud.request('GET', '/v2/nowhere').status_int == 404


def test_v21_document_with_and_without_slash(cloud):
    for path in ('/v2.1', '/v2.1/'):
        resp = cloud.request('GET', path)
        body = helpers.validate(resp, '2.1', 'versions', 'get_one_version')
        assert body['version']['status'] == 'CURRENT'
        assert body['version']['links'][0]['href'] == 'http://localhost/v2.1/'


def test_public_endpoint_drives_links(cloud):
    from svc_common.conf import CONF
    CONF.set_override('public_endpoint', 'https://cloud.example:8774/', group='api')
    try:
        resp = cloud.request('GET', '/v2.1/')
        assert resp.json_body_or_none['version']['links'][0]['href'] == \
            'https://cloud.example:8774/v2.1/'
    finally:
        CONF.clear_override('public_endpoint', group='api')


def test_every_response_carries_request_ids(cloud):
    for path in ('/', '/v2.1/flavors', '/v2.1/nowhere', '/image/v2/images'):
        resp = cloud.request('GET', path)
        request_id = resp.headers['x-openstack-request-id']
        assert request_id.startswith('req-')
        assert resp.headers['x-compute-request-id'] == request_id


def test_default_microversion_is_21_and_echoed(cloud):
    resp = cloud.request('GET', '/v2.1/flavors')
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.1'
    assert resp.headers['X-OpenStack-Nova-API-Version'] == '2.1'
    assert 'OpenStack-API-Version' in resp.headers['Vary']


def test_both_version_headers_are_accepted(cloud):
    resp = cloud.request('GET', '/v2.1/flavors', headers={
        'X-OpenStack-Nova-API-Version': '2.55'})
    assert resp.headers['X-OpenStack-Nova-API-Version'] == '2.55'
    resp = cloud.request('GET', '/v2.1/flavors', version='latest')
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.104'
    # novaclient sends both; the generic header wins
    resp = cloud.request('GET', '/v2.1/flavors', version='2.60', headers={
        'X-OpenStack-Nova-API-Version': '2.10'})
    assert resp.headers['X-OpenStack-Nova-API-Version'] == '2.60'


def test_malformed_version_is_400_and_out_of_range_406(cloud):
    resp = cloud.request('GET', '/v2.1/flavors', version='2.x')
    assert resp.status_int == 400
    assert helpers.fault(resp)[0] == 400
    for version in ('2.105', '3.0', '1.1'):
        resp = cloud.request('GET', '/v2.1/flavors', version=version)
        assert resp.status_int == 406, version
        assert 'Minimum is 2.1 and maximum is 2.104' in helpers.fault(resp)[1]


def test_unknown_path_404_and_wrong_method_405(cloud):
    resp = cloud.request('GET', '/v2.1/no-such-thing')
    assert resp.status_int == 404
    assert 'itemNotFound' in resp.json_body_or_none
    resp = cloud.request('DELETE', '/v2.1/servers')
    assert resp.status_int == 405
    assert 'badMethod' in resp.json_body_or_none
    assert cloud.request('GET', '/nowhere').status_int == 404


def test_malformed_json_is_400(cloud):
    resp = cloud.request('POST', '/v2.1/servers', raw=b'{"server": ')
    assert resp.status_int == 400
    assert 'badRequest' in resp.json_body_or_none
    resp = cloud.request('POST', '/v2.1/servers', raw=b'')
    assert resp.status_int == 400


def test_project_id_in_path(cloud):
    assert cloud.request('GET', '/v2.1/demo/flavors').status_int == 200
    resp = cloud.request('GET', '/v2.1/other/flavors')
    assert resp.status_int == 400
    assert "doesn't match" in helpers.fault(resp)[1]
    # An unknown resource is not a project id: /v2.1/os-cells/ID is 404.
    for path in ('/v2.1/os-cells/other', '/v2.1/extensions/os-x',
                 '/v2.1/other/no-such-thing'):
        assert helpers.fault(cloud.request('GET', path))[0] == 404, path


def test_anonymous_token_is_an_admin(cloud):
    resp = cloud.request('GET', '/v2.1/os-services', headers={'X-Auth-Token': 'notused'})
    assert resp.status_int == 200


def test_identity_headers_take_precedence(cloud):
    resp = cloud.request('GET', '/v2.1/os-services', headers={
        'X-User-Id': 'u', 'X-Project-Id': 'p', 'X-Roles': 'member'})
    assert resp.status_int == 403
    assert helpers.fault(resp) == (
        403, 'Policy does not allow os_compute_api:os-services:list to be performed.')
