"""The legacy APIs kept for old clients: /extensions and the network proxies."""
from tests.functional.api import helpers


def test_extensions(cloud):
    resp = cloud.request('GET', '/v2.1/extensions')
    extensions = helpers.validate(resp, '2.1', 'extensions', 'list_extensions')['extensions']
    assert {'Hosts', 'Aggregates', 'FlavorAccess'} <= {e['name'] for e in extensions}
    resp = cloud.request('GET', '/v2.1/extensions/os-consoles')
    assert resp.json_body_or_none['extension']['alias'] == 'os-consoles'
    assert cloud.request('GET', '/v2.1/extensions/os-nothing').status_int == 404
    assert cloud.request('GET', '/v2.1/extensions', version='2.96').status_int == 200


def test_network_proxies_without_networks(cloud):
    for base in ('/v2.1/os-networks', '/v2.1/os-tenant-networks'):
        assert cloud.request('GET', base, version='2.35').json_body_or_none == {
            'networks': []}
        code, message = helpers.fault(cloud.request('GET', base + '/net-1'))
        assert (code, message) == (404, 'Network net-1 could not be found.')
        assert cloud.request('GET', base, version='2.36').status_int == 404
        for method, path in (('POST', base), ('DELETE', base + '/net-1')):
            resp = cloud.admin(method, path, {'network': {'label': 'x'}})
            assert (resp.status_int, next(iter(resp.json_body_or_none))) == (
                410, 'computeFault')
    for path in ('/v2.1/os-networks/add', '/v2.1/os-networks/net-1/action'):
        assert cloud.admin('POST', path, {'id': 'x'}).status_int == 410


def test_a_blank_image_id_is_not_found(cloud):
    """DELETE /images/ names an image with a blank id (404, as Nova); a method a
    collection does not have is still 405."""
    resp = cloud.admin('DELETE', '/v2.1/images/', version='2.35')
    assert resp.status_int == 404, resp.body
    assert cloud.admin('DELETE', '/v2.1/images', version='2.35').status_int == 405
