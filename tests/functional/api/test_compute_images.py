"""The compute API's image proxy: lists with Nova's filters and delete until 2.35, the
metadata of an image until 2.38, all over the image API."""
import time

from tests.functional.api import helpers


def _ids(cloud, query='', detail=False):
    resp = cloud.request('GET', '/v2.1/images%s%s' % ('/detail' if detail else '', query))
    name = 'list_images_details' if detail else 'list_images'
    return [i['id'] for i in helpers.validate(resp, '2.1', 'images', name)['images']]


def test_filters_and_paging(cloud):
    first = helpers.create_image(cloud, name='first')
    time.sleep(1.1)  # whole seconds: changes-since compares Nova's timestamps
    second = helpers.create_image(cloud, name='second', min_ram=512)
    queued = helpers.create_image(cloud, name='queued', data=None)
    snapshot = helpers.create_image(cloud, name='snap', instance_uuid='vm-1',
                                    image_type='snapshot')
    everything = {first['id'], second['id'], queued['id'], snapshot['id']}
    assert set(_ids(cloud)) == everything
    for detail in (False, True):
        assert set(_ids(cloud, '?status=ACTIVE', detail)) == everything - {queued['id']}
        assert _ids(cloud, '?status=SAVING', detail) == [queued['id']]
        assert _ids(cloud, '?name=first', detail) == [first['id']]
        assert _ids(cloud, '?minRam=256', detail) == [second['id']]
        assert _ids(cloud, '?server=http://x/servers/vm-1', detail) == [snapshot['id']]
        assert _ids(cloud, '?type=snapshot', detail) == [snapshot['id']]
        assert len(_ids(cloud, '?limit=1', detail)) == 1
    shown = cloud.request('GET', '/v2.1/images/%s' % second['id']).json_body_or_none['image']
    assert first['id'] not in _ids(cloud, '?changes-since=%s' % shown['created'])
    assert second['id'] in _ids(cloud, '?changes-since=%s' % shown['created'])
    listed = _ids(cloud)
    assert _ids(cloud, '?limit=2&marker=%s' % listed[0]) == listed[1:3]
    assert cloud.request('GET', '/v2.1/images?marker=nope').status_int == 400
    assert cloud.request('GET', '/v2.1/images?minRam=x').status_int == 400


def test_delete(cloud):
    image = helpers.create_image(cloud)
    path = '/v2.1/images/%s' % image['id']
    assert cloud.request('DELETE', path, project='other').status_int == 404  # not visible
    assert cloud.request('DELETE', path, version='2.36').status_int == 404
    helpers.validate(cloud.request('DELETE', path), '2.1', 'images', 'delete')
    assert cloud.request('GET', '/image/v2/images/%s' % image['id']).status_int == 404
    assert cloud.request('DELETE', path).status_int == 404


def test_metadata(cloud):
    image = helpers.create_image(cloud, os_distro='debian')
    path = '/v2.1/images/%s/metadata' % image['id']

    def metadata(resp):
        return helpers.validate(resp, '2.38', 'images', 'image_metadata')['metadata']

    assert metadata(cloud.request('GET', path, version='2.38')) == {'os_distro': 'debian'}
    assert metadata(cloud.request('POST', path, {'metadata': {'a': '1'}})) == {
        'os_distro': 'debian', 'a': '1'}
    assert metadata(cloud.request('PUT', path, {'metadata': {'b': '2'}})) == {'b': '2'}
    resp = cloud.request('PUT', path + '/c', {'meta': {'c': '3'}})
    assert helpers.validate(resp, '2.1', 'images', 'image_meta_item') == {'meta': {'c': '3'}}
    resp = cloud.request('GET', path + '/b')
    assert helpers.validate(resp, '2.1', 'images', 'image_meta_item') == {'meta': {'b': '2'}}
    helpers.validate(cloud.request('DELETE', path + '/b'), '2.1', 'images', 'delete')
    assert cloud.request('GET', '/image/v2/images/%s' % image['id']).json_body_or_none[
        'c'] == '3'  # the image API's own property
    assert metadata(cloud.request('GET', path)) == {'c': '3'}
    for method, url, body, status in (
            ('GET', path + '/b', None, 404), ('DELETE', path + '/b', None, 404),
            ('PUT', path + '/c', {'meta': {'d': '4'}}, 400),
            ('PUT', path + '/c', {'meta': {'c': '4', 'd': '5'}}, 400),
            ('POST', path, {'metadata': {'k': 7}}, 400),
            ('POST', path, {'metadata': {'name': 'x'}}, 403),
            ('POST', path, {'metadata': {'a': '1'}}, 200),
            ('GET', '/v2.1/images/%s/metadata' % ('0' * 36), None, 404)):
        assert cloud.request(method, url, body).status_int == status, (method, url)
    assert cloud.request('POST', path, {'metadata': {'z': '1'}},
                         project='other').status_int == 404
    assert cloud.request('GET', path, version='2.39').status_int == 404
    cloud.admin('PUT', '/v2.1/os-quota-sets/demo', {'quota_set': {'metadata_items': 2}})
    assert cloud.request('POST', path, {'metadata': {'x': '1', 'y': '2'}}).status_int == 403
