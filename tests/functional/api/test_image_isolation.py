"""No project reaches another's images (issue 9, findings 3 and 4)."""
import json

from svc_common.conf import CONF
from svc_common.db import models
from tests.functional.api import helpers


def _private_kernel(cloud, project='other'):
    return helpers.create_image(cloud, name='their-kernel', project=project,
                                visibility='private', disk_format='aki',
                                container_format='aki',
                                data=b'\x7fELF' + b'k' * 100)


def test_boot_and_rebuild_refuse_a_kernel_or_ramdisk_the_caller_cannot_see(cloud):
    theirs = _private_kernel(cloud)
    for key in ('kernel_id', 'ramdisk_id'):
        mine = helpers.create_image(cloud, name='uses-' + key, **{key: theirs['id']})
        resp = cloud.request('POST', '/v2.1/servers', {'server': {
            'name': 'vm', 'flavorRef': '1', 'imageRef': mine['id'], 'networks': 'none'}},
            version='2.37')
        assert resp.status_int == 400, resp.body
        assert theirs['id'] in helpers.fault(resp)[1]
    plain = helpers.create_image(cloud, name='plain')
    server = helpers.boot(cloud, plain['id'])['server']
    cloud.wait_for_server(server['id'], 'ACTIVE')
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server['id'],
                         {'rebuild': {'imageRef': mine['id']}}, version='2.37')
    assert resp.status_int == 400, resp.body


def test_a_kernel_the_caller_may_see_boots(cloud):
    kernel = _private_kernel(cloud, project='demo')
    image = helpers.create_image(cloud, name='with-kernel', kernel_id=kernel['id'])
    server = helpers.boot(cloud, image['id'])['server']
    cloud.wait_for_server(server['id'], 'ACTIVE')


PATCH = {'Content-Type': 'application/openstack-images-v2.1-json-patch'}


def _patch(cloud, image_id, ops, project='demo'):
    return cloud.request('PATCH', '/image/v2/images/%s' % image_id, raw=json.dumps(ops).encode(),
                         headers=PATCH, project=project)


def test_property_and_tag_limits_on_create_and_patch(cloud):
    CONF.set_override('image_property_quota', 3, group='image')
    CONF.set_override('image_tag_quota', 2, group='image')
    try:
        resp = cloud.request('POST', '/image/v2/images',
                             {'name': 'x', 'a': '1', 'b': '2', 'c': '3', 'd': '4'})
        assert resp.status_int == 413, resp.body
        resp = cloud.request('POST', '/image/v2/images', {'name': 'x', 'tags': ['1', '2', '3']})
        assert resp.status_int == 413
        image = helpers.create_image(cloud, data=None, a='1', b='2', c='3', tags=['t'])
        resp = _patch(cloud, image['id'], [{'op': 'add', 'path': '/d', 'value': '4'}])
        assert resp.status_int == 413
        resp = _patch(cloud, image['id'], [{'op': 'replace', 'path': '/a',
                                           'value': 'v' * 65536}])
        assert resp.status_int == 400, resp.body
        resp = _patch(cloud, image['id'], [{'op': 'add', 'path': '/' + 'k' * 256,
                                           'value': 'v'}])
        assert resp.status_int in (400, 413), resp.body
        resp = cloud.request('PUT', '/image/v2/images/%s/tags/u' % image['id'])
        assert resp.status_int == 204
        resp = cloud.request('PUT', '/image/v2/images/%s/tags/w' % image['id'])
        assert resp.status_int == 413
    finally:
        CONF.clear_override('image_property_quota', group='image')
        CONF.clear_override('image_tag_quota', group='image')
    shown = cloud.request('GET', '/image/v2/images/%s' % image['id']).json_body_or_none
    assert (shown['a'], 'd' in shown, sorted(shown['tags'])) == ('1', False, ['t', 'u'])


def test_images_per_project_are_limited(cloud):
    CONF.set_override('image_count_quota', 2, group='image')
    try:
        helpers.create_image(cloud, data=None)
        helpers.create_image(cloud, data=None)
        resp = cloud.request('POST', '/image/v2/images', {'name': 'third'})
        assert resp.status_int == 413
        helpers.create_image(cloud, data=None, project='other')  # its own count
    finally:
        CONF.clear_override('image_count_quota', group='image')


def test_lists_filter_visibility_in_sql(cloud):
    for index in range(5):
        helpers.create_image(cloud, name='theirs-%d' % index, project='other', data=None,
                             visibility='private', big='x' * 1000)
    mine = helpers.create_image(cloud, name='mine', data=None)
    with helpers.rows_loaded(models.Image) as counter:
        body = cloud.request('GET', '/image/v2/images').json_body_or_none
    assert [i['id'] for i in body['images']] == [mine['id']]
    assert counter['rows'] == 1
    with helpers.rows_loaded(models.Image) as counter:
        body = cloud.request('GET', '/image/v2/images?limit=2',
                             project='other').json_body_or_none
    assert len(body['images']) == 2 and counter['rows'] == 2


def test_the_owner_cannot_become_null_and_ids_end_where_they_end(cloud):
    image = helpers.create_image(cloud, data=None)
    resp = _patch(cloud, image['id'], [{'op': 'replace', 'path': '/owner', 'value': None}])
    assert resp.status_int == 400, resp.body
    shown = cloud.request('GET', '/image/v2/images/%s' % image['id']).json_body_or_none
    assert shown['owner'] == 'demo'
    resp = cloud.request('POST', '/image/v2/images',
                         {'name': 'nl', 'id': '12345678-1234-1234-1234-123456789012\n'})
    assert resp.status_int == 400, resp.body
