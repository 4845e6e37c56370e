"""The image API (Glance v2 shapes) and the compute image proxy."""
import hashlib
import threading

import requests

from api_svc import server as api_server
from tests.functional.api import helpers


def test_create_upload_show_download_delete(cloud):
    data = b'disk image bytes' * 1000
    image = helpers.create_image(cloud, name='img', data=None, min_disk=1,
                                 kernel_id='k-1', ramdisk_id='r-1', tags=['a'])
    assert image['status'] == 'queued'
    assert (image['kernel_id'], image['tags'], image['visibility']) == ('k-1', ['a'],
                                                                       'shared')
    assert image['self'] == '/v2/images/%s' % image['id']
    path = '/image/v2/images/%s' % image['id']
    assert cloud.request('GET', path + '/file').status_int == 204
    resp = cloud.request('PUT', path + '/file', raw=data,
                         headers={'Content-Type': 'application/octet-stream'})
    assert resp.status_int == 204
    shown = cloud.request('GET', path).json_body_or_none
    assert shown['status'] == 'active'
    assert shown['size'] == shown['virtual_size'] == len(data)
    assert shown['checksum'] == hashlib.md5(data).hexdigest()
    assert (shown['os_hash_algo'], shown['os_hash_value']) == (
        'sha512', hashlib.sha512(data).hexdigest())
    resp = cloud.request('GET', path + '/file')
    assert resp.status_int == 200 and resp.body == data
    assert resp.headers['Content-MD5'] == shown['checksum']
    resp = cloud.request('PUT', path + '/file', raw=data,
                         headers={'Content-Type': 'application/octet-stream'})
    assert resp.status_int == 409
    assert cloud.request('DELETE', path).status_int == 204
    assert cloud.request('GET', path).status_int == 404


def test_chunked_upload_through_the_api_server(cloud):
    """Tempest and glanceclient upload with Transfer-Encoding: chunked; Nimbus's own
    HTTP server decodes it (wsgiref alone would pass the raw chunks on)."""
    httpd = api_server.make_server(cloud.app, '127.0.0.1', 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        image = helpers.create_image(cloud, data=None)
        pieces = [b'a' * 70000, b'', b'b' * 3, b'c' * 65536]
        resp = requests.put(
            'http://127.0.0.1:%d/image/v2/images/%s/file' % (httpd.server_port,
                                                             image['id']),
            data=iter(pieces), timeout=30,
            headers={'X-Auth-Token': 'tester:demo:member',
                     'Content-Type': 'application/octet-stream'})
        assert resp.request.headers.get('Transfer-Encoding') == 'chunked'
        assert resp.status_code == 204, resp.text
    finally:
        httpd.shutdown()
        httpd.server_close()
    shown = cloud.request('GET', '/image/v2/images/%s' % image['id']).json_body_or_none
    data = b''.join(pieces)
    assert (shown['status'], shown['size']) == ('active', len(data))
    assert shown['checksum'] == hashlib.md5(data).hexdigest()


def test_list_filters_and_paging(cloud):
    ids = [helpers.create_image(cloud, name=name)['id'] for name in ('a', 'b', 'c')]
    helpers.create_image(cloud, name='theirs', project='other')
    body = cloud.request('GET', '/image/v2/images').json_body_or_none
    assert [i['name'] for i in body['images']] == ['c', 'b', 'a']
    assert body['first'] == '/v2/images' and body['schema'] == '/v2/schemas/images'

    def names(query):
        resp = cloud.request('GET', '/image/v2/images' + query)
        assert resp.status_int == 200, resp.body
        return [i['name'] for i in resp.json_body_or_none['images']]

    assert names('?name=b') == ['b']
    assert names('?id=%s' % ids[0]) == ['a']
    assert names('?id=in:%s,%s&sort_key=name&sort_dir=asc' % (ids[0], ids[2])) == ['a', 'c']
    assert names('?sort=name:asc') == ['a', 'b', 'c']
    assert names('?status=queued') == []
    resp = cloud.request('GET', '/image/v2/images?limit=2')
    body = resp.json_body_or_none
    assert [i['name'] for i in body['images']] == ['c', 'b']
    assert names(body['next'][len('/v2/images'):]) == ['a']
    assert cloud.request('GET', '/image/v2/images?marker=nope').status_int == 400
    assert cloud.request('GET', '/image/v2/images?sort_key=colour').status_int == 400
    assert 'theirs' in [i['name'] for i in cloud.admin('GET', '/image/v2/images')
                        .json_body_or_none['images']]


def test_visibility(cloud):
    private = helpers.create_image(cloud, name='private', visibility='private')
    path = '/image/v2/images/%s' % private['id']
    assert cloud.request('GET', path, project='other').status_int == 404
    assert cloud.request('DELETE', path, project='other').status_int == 404
    resp = cloud.request('POST', '/image/v2/images', {'name': 'p', 'visibility': 'public'})
    assert resp.status_int == 403
    public = helpers.create_image(cloud, name='public', project='admin', roles='admin',
                                  visibility='public')
    assert cloud.request('GET', '/image/v2/images/%s' % public['id'],
                         project='other').status_int == 200
    resp = cloud.request('DELETE', '/image/v2/images/%s' % public['id'], project='other')
    assert resp.status_int == 403


def test_bad_requests(cloud):
    for body in ({'status': 'active'}, {'size': 1}):
        assert cloud.request('POST', '/image/v2/images', body).status_int == 403
    for body in ({'disk_format': 'floppy'}, {'min_ram': -1}, {'prop': 1}, ['x']):
        assert cloud.request('POST', '/image/v2/images', body).status_int == 400, body
    assert cloud.request('POST', '/image/v2/images', raw=b'{').status_int == 400
    image = helpers.create_image(cloud, data=None)
    assert cloud.request('POST', '/image/v2/images',
                         {'id': image['id']}).status_int == 409
    bare = cloud.request('POST', '/image/v2/images', {'name': 'x'}).json_body_or_none
    resp = cloud.request('PUT', '/image/v2/images/%s/file' % bare['id'], raw=b'x',
                         headers={'Content-Type': 'application/octet-stream'})
    assert resp.status_int == 400
    resp = cloud.request('PUT', '/image/v2/images/%s/file' % image['id'], raw=b'x',
                         headers={'Content-Type': 'text/plain'})
    assert resp.status_int == 415
    assert cloud.request('GET', '/image/v2/images/nope').status_int == 404


def test_patch(cloud):
    image = helpers.create_image(cloud, name='old', color='red', size_hint='s')
    path = '/image/v2/images/%s' % image['id']
    patch_type = {'Content-Type': 'application/openstack-images-v2.1-json-patch'}
    ops = [{'op': 'replace', 'path': '/name', 'value': 'new'},
           {'op': 'add', 'path': '/shape', 'value': 'round'},
           {'op': 'replace', 'path': '/color', 'value': 'blue'},
           {'op': 'remove', 'path': '/size_hint'},
           {'op': 'replace', 'path': '/min_ram', 'value': 256}]
    import json
    resp = cloud.request('PATCH', path, raw=json.dumps(ops).encode(), headers=patch_type)
    assert resp.status_int == 200, resp.body
    body = resp.json_body_or_none
    assert (body['name'], body['shape'], body['color'], body['min_ram']) == (
        'new', 'round', 'blue', 256)
    assert 'size_hint' not in body
    for bad, code in (([{'op': 'replace', 'path': '/status', 'value': 'x'}], 403),
                      ([{'op': 'remove', 'path': '/nothing'}], 409),
                      ([{'op': 'replace', 'path': '/min_ram', 'value': 'x'}], 400),
                      ([{'op': 'add', 'path': '/visibility', 'value': 'public'}], 403)):
        resp = cloud.request('PATCH', path, raw=json.dumps(bad).encode(), headers=patch_type)
        assert resp.status_int == code, (bad, resp.body)
    resp = cloud.request('PATCH', path, raw=json.dumps(ops).encode(),
                         headers={'Content-Type': 'application/json'})
    assert resp.status_int == 415
    # The v2.0 media type names the operation by its key (Tempest's image client).
    v20 = [{'add': '/hw_rescue_bus', 'value': 'usb'}, {'replace': '/shape', 'value': 'oval'},
           {'remove': '/color'}]
    resp = cloud.request('PATCH', path, raw=json.dumps(v20).encode(), headers={
        'Content-Type': 'application/openstack-images-v2.0-json-patch'})
    assert resp.status_int == 200, resp.body
    body = resp.json_body_or_none
    assert (body['hw_rescue_bus'], body['shape'], 'color' in body) == ('usb', 'oval', False)
    assert cloud.request('PUT', path + '/tags/t1').status_int == 204
    assert cloud.request('GET', path).json_body_or_none['tags'] == ['t1']
    assert cloud.request('DELETE', path + '/tags/t1').status_int == 204
    assert cloud.request('DELETE', path + '/tags/t1').status_int == 404


def test_version_documents(cloud):
    for path, status in (('/image', 300), ('/image/', 300), ('/image/v2', 200),
                         ('/image/versions', 200)):
        resp = cloud.request('GET', path, headers={'X-Auth-Token': ''})
        assert resp.status_int == status, path
        assert resp.json_body_or_none['versions'][0]['status'] == 'CURRENT'


def test_compute_image_proxy(cloud):
    image = helpers.create_image(cloud, name='proxied')
    resp = cloud.request('GET', '/v2.1/images')
    helpers.validate(resp, '2.1', 'images', 'list_images')
    resp = cloud.request('GET', '/v2.1/images/%s' % image['id'])
    body = helpers.validate(resp, '2.1', 'images', 'get_image')
    assert body['image']['status'] == 'ACTIVE'
    detail = cloud.request('GET', '/v2.1/images/detail').json_body_or_none
    assert [i['name'] for i in detail['images']] == ['proxied']
    assert cloud.request('GET', '/v2.1/images', version='2.36').status_int == 404


def test_list_filters_on_free_properties_and_tasks_are_none(cloud):
    for name, kind in (('a', 'backup'), ('b', 'snapshot'), ('c', 'backup')):
        resp = cloud.request('POST', '/image/v2/images',
                             {'name': name, 'image_type': kind, 'disk_format': 'raw',
                              'container_format': 'bare'})
        assert resp.status_int == 201, resp.body
    listed = cloud.request('GET', '/image/v2/images?image_type=backup&sort_key=name&'
                           'sort_dir=asc').json_body_or_none['images']
    assert [i['name'] for i in listed] == ['a', 'c']
    assert not cloud.request('GET', '/image/v2/images?image_type=backup&name=b'
                             ).json_body_or_none['images']
    image_id = listed[0]['id']
    resp = cloud.request('GET', '/image/v2/images/%s/tasks' % image_id)
    assert (resp.status_int, resp.json_body_or_none) == (200, {'tasks': []})
    assert cloud.request('GET', '/image/v2/images/%s/tasks' % image_id,
                         project='other').status_int == 404


def test_a_location_is_taken_only_in_an_rbd_store_for_a_queued_image(cloud):
    """POST /v2/images/{id}/locations (a compute host's snapshot made inside the RBD
    store's cluster): a file store takes none, a bad body is 400, an active image 409;
    the RBD case itself runs on a real cluster (tests/ceph)."""
    image = helpers.create_image(cloud, data=None)
    path = '/image/v2/images/%s/locations' % image['id']
    url = 'rbd://fsid/images/%s/snap' % image['id']
    assert cloud.request('POST', path, {'url': url}).status_int == 400
    assert cloud.request('POST', path, {'uri': url}).status_int == 400
    assert cloud.request('GET', '/image/v2/images/%s' % image['id']).json_body_or_none[
        'status'] == 'queued'
    active = helpers.create_image(cloud, data=b'x' * 10)
    assert cloud.request('POST', '/image/v2/images/%s/locations' % active['id'],
                         {'url': url}).status_int == 409
    assert cloud.request('POST', '/image/v2/images/nope/locations',
                         {'url': url}).status_int == 404
