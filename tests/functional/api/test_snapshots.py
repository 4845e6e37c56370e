"""createImage and createBackup through REST: the image the compute host fills (its
properties, its status as the image API and the /images proxy show it), the answer at
each microversion, backup rotation, failures, and every snapshot task state resumed
from what SQL records (a redelivery, a crash)."""
import json
import os

import pytest

from compute_svc import snapshot as compute_snapshot
from svc_common import context as nimbus_context
from svc_common import exception
from svc_common import objects
from svc_common import states
from tests.functional.api import helpers

T = states.TaskState


@pytest.fixture
def kernel_id(cloud):
    return helpers.create_image(cloud, name='kernel', project='admin', roles='admin',
                                visibility='public', disk_format='aki',
                                container_format='aki', data=b'\x7fELF' + b'k' * 64)['id']


@pytest.fixture
def image_id(cloud, kernel_id):
    return helpers.create_image(cloud, name='base', project='admin', roles='admin',
                                visibility='public', min_ram=0, kernel_id=kernel_id,
                                os_command_line='console=ttyS0')['id']


@pytest.fixture
def server_id(cloud, image_id):
    server_id = helpers.boot(cloud, image_id)['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    return server_id


def _action(cloud, server_id, body, expect=202, version='2.45', project='demo'):
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id, body,
                         version=version, project=project)
    assert resp.status_int == expect, resp.body
    return resp


def _image(cloud, image_id, project='demo'):
    resp = cloud.request('GET', '/image/v2/images/%s' % image_id, project=project)
    return resp.json_body_or_none if resp.status_int == 200 else None


def _wait_idle(cloud, server_id):
    def idle():
        server = cloud.admin('GET', '/v2.1/servers/%s' % server_id).json_body_or_none[
            'server']
        return server if server['OS-EXT-STS:task_state'] is None else None
    return cloud.wait_for(idle, what='the snapshot to end')


def _driver(cloud, server_id):
    return cloud.aio.compute(helpers.server_host(cloud, server_id)).driver


def test_create_image_uploads_a_bootable_snapshot(cloud, image_id, kernel_id, server_id):
    resp = _action(cloud, server_id, {'createImage': {'name': 'snap',
                                                      'metadata': {'purpose': 'test'}}})
    snapshot_id = helpers.validate(resp, '2.45', 'images', 'create_image')['image_id']
    server = _wait_idle(cloud, server_id)
    assert server['status'] == 'ACTIVE'
    image = _image(cloud, snapshot_id)
    assert image['status'] == 'active' and image['size'] > 0
    assert (image['name'], image['visibility'], image['owner']) == ('snap', 'private',
                                                                    'demo')
    assert (image['instance_uuid'], image['image_type'], image['base_image_ref']) == (
        server_id, 'snapshot', image_id)
    assert (image['user_id'], image['purpose']) == ('tester', 'test')
    # Inherited from the server's image, so the snapshot boots the same way.
    assert (image['kernel_id'], image['os_command_line']) == (kernel_id, 'console=ttyS0')
    assert image['min_disk'] == 1 and image['disk_format'] == 'qcow2'
    assert ('snapshot', server_id) in _driver(cloud, server_id).calls
    # The capture waited on the host only until its upload.
    assert not os.listdir(_driver(cloud, server_id).snapshot_dir())
    events = cloud.request('GET', '/v2.1/servers/%s/os-instance-actions' % server_id,
                           version='2.51').json_body_or_none['instanceActions']
    assert events[0]['action'] == 'createImage'
    detail = cloud.request('GET', '/v2.1/servers/%s/os-instance-actions/%s' % (
        server_id, events[0]['request_id']), version='2.51').json_body_or_none
    assert [(e['event'], e['result']) for e in detail['instanceAction']['events']] == [
        ('compute_snapshot_instance', 'Success')]
    # The proxy shows it as Nova does, with its server.
    proxied = cloud.request('GET', '/v2.1/images/%s' % snapshot_id).json_body_or_none[
        'image']
    assert proxied['status'] == 'ACTIVE' and proxied['server']['id'] == server_id
    assert proxied['metadata']['image_type'] == 'snapshot'

    booted = helpers.boot(cloud, snapshot_id, name='from-snap')['server']['id']
    assert cloud.wait_for_server(booted, 'ACTIVE')['image']['id'] == snapshot_id


def test_create_image_before_2_45_answers_with_a_location(cloud, server_id):
    resp = _action(cloud, server_id, {'createImage': {'name': 'snap'}}, version='2.44')
    assert not resp.body
    snapshot_id = resp.headers['Location'].rsplit('/', 1)[1]
    _wait_idle(cloud, server_id)
    assert _image(cloud, snapshot_id)['status'] == 'active'


def test_stopped_server_snapshot_stays_stopped(cloud, server_id):
    _action(cloud, server_id, {'os-stop': None})
    cloud.wait_for_server(server_id, 'SHUTOFF')
    snapshot_id = _action(cloud, server_id, {'createImage': {'name': 's'}}).json_body_or_none[
        'image_id']
    assert _wait_idle(cloud, server_id)['status'] == 'SHUTOFF'
    assert _image(cloud, snapshot_id)['status'] == 'active'


def test_refused_requests(cloud, server_id):
    _action(cloud, server_id, {'createImage': {}}, expect=400)
    _action(cloud, server_id, {'createImage': {'name': 'x', 'extra': 1}}, expect=400)
    _action(cloud, server_id, {'createBackup': {'name': 'b', 'backup_type': 'daily',
                                                'rotation': -1}}, expect=400)
    _action(cloud, server_id, {'createBackup': {'name': 'b', 'rotation': 1}}, expect=400)
    _action(cloud, server_id, {'createImage': {'name': 'x'}}, expect=404, project='other')
    too_many = {'k%d' % i: 'v' for i in range(200)}
    _action(cloud, server_id, {'createImage': {'name': 'x', 'metadata': too_many}},
            expect=403)
    ctx = nimbus_context.get_admin_context()
    instance = objects.Instance.get_by_uuid(ctx, server_id)
    instance.task_state = T.POWERING_OFF.value
    instance.save(expected_task_state=None, operation='stop')
    resp = _action(cloud, server_id, {'createImage': {'name': 'x'}}, expect=409)
    assert 'task_state' in resp.json_body_or_none['conflictingRequest']['message']
    # Nothing was made for a refused request.
    images = cloud.request('GET', '/image/v2/images').json_body_or_none['images']
    assert sorted(i['name'] for i in images) == ['base', 'kernel']


def test_backup_rotation_keeps_the_newest_of_its_type(cloud, server_id):
    made = []
    for number in range(3):
        resp = _action(cloud, server_id, {'createBackup': {
            'name': 'daily-%d' % number, 'backup_type': 'daily', 'rotation': 2}})
        made.append(helpers.validate(resp, '2.45', 'servers', 'create_backup')['image_id'])
        _wait_idle(cloud, server_id)
    weekly = _action(cloud, server_id, {'createBackup': {
        'name': 'weekly', 'backup_type': 'weekly', 'rotation': '1'}},
        version='2.1')
    assert weekly.headers['Location']
    _wait_idle(cloud, server_id)
    images = {i['name']: i for i in cloud.request(
        'GET', '/image/v2/images').json_body_or_none['images']}
    assert sorted(images) == ['base', 'daily-1', 'daily-2', 'kernel', 'weekly']
    assert images['daily-2']['image_type'] == 'backup'
    assert images['daily-2']['backup_type'] == 'daily'
    assert _image(cloud, made[0]) is None
    events = cloud.request('GET', '/v2.1/servers/%s/os-instance-actions' % server_id,
                           version='2.51').json_body_or_none['instanceActions']
    assert [e['action'] for e in events][:4] == ['createBackup'] * 4


def test_an_old_backup_that_cannot_be_deleted_is_kept_and_the_new_one_stands(cloud,
                                                                             server_id):
    """Rotation meets an older backup the image API refuses to delete (here its owner
    protected it; on an RBD store, a server booted from it holds it: 409): the backup
    just made completes, the refused one stays, no fault; once deletable, the next
    rotation takes it."""
    def backup(name):
        resp = _action(cloud, server_id, {'createBackup': {
            'name': name, 'backup_type': 'daily', 'rotation': 1}})
        _wait_idle(cloud, server_id)
        return resp.json_body_or_none['image_id']

    def protect(image_id, value):
        ops = [{'op': 'replace', 'path': '/protected', 'value': value}]
        resp = cloud.request('PATCH', '/image/v2/images/%s' % image_id,
                             raw=json.dumps(ops).encode(), headers={
                                 'Content-Type': 'application/openstack-images-v2.1-json-patch'})
        assert resp.status_int == 200, resp.body

    first = backup('daily-0')
    protect(first, True)
    second = backup('daily-1')
    assert _image(cloud, second)['status'] == 'active'
    assert _image(cloud, first) is not None  # kept: refused
    events = cloud.request('GET', '/v2.1/servers/%s/os-instance-actions' % server_id,
                           version='2.51').json_body_or_none['instanceActions']
    detail = cloud.request('GET', '/v2.1/servers/%s/os-instance-actions/%s' % (
        server_id, events[0]['request_id']), version='2.51').json_body_or_none
    assert detail['instanceAction']['events'][0]['result'] == 'Success'
    assert 'fault' not in cloud.admin('GET', '/v2.1/servers/%s' % server_id
                                      ).json_body_or_none['server']
    protect(first, False)
    third = backup('daily-2')
    assert _image(cloud, first) is None and _image(cloud, second) is None
    assert _image(cloud, third)['status'] == 'active'


def test_backup_rotation_zero_keeps_none(cloud, server_id):
    resp = _action(cloud, server_id, {'createBackup': {
        'name': 'b', 'backup_type': 'daily', 'rotation': 0}}, version='2.1')
    assert 'Location' not in resp.headers
    _wait_idle(cloud, server_id)
    images = cloud.request('GET', '/image/v2/images').json_body_or_none['images']
    assert sorted(i['name'] for i in images) == ['base', 'kernel']


def test_failed_capture_deletes_the_image(cloud, server_id):
    _driver(cloud, server_id).fail_on['snapshot'] = RuntimeError('disk unreadable')
    snapshot_id = _action(cloud, server_id, {'createImage': {'name': 's'}}).json_body_or_none[
        'image_id']
    server = _wait_idle(cloud, server_id)
    assert server['status'] == 'ACTIVE'
    assert _image(cloud, snapshot_id) is None
    events = cloud.request('GET', '/v2.1/servers/%s/os-instance-actions' % server_id,
                           version='2.51').json_body_or_none['instanceActions']
    detail = cloud.request('GET', '/v2.1/servers/%s/os-instance-actions/%s' % (
        server_id, events[0]['request_id']), version='2.51').json_body_or_none
    assert detail['instanceAction']['events'][0]['result'] == 'Error'


def _start_snapshot(cloud, server_id, monkeypatch):
    """A createImage whose cast went nowhere: (instance, image id)."""
    cloud.aio.bus.lose('snapshot_instance')
    snapshot_id = _action(cloud, server_id, {'createImage': {'name': 's'}}).json_body_or_none[
        'image_id']
    instance = objects.Instance.get_by_uuid(nimbus_context.get_admin_context(), server_id)
    return instance, snapshot_id


@pytest.mark.parametrize('task', [T.IMAGE_SNAPSHOT, T.IMAGE_PENDING_UPLOAD,
                                  T.IMAGE_UPLOADING])
def test_each_phase_resumes_and_a_redelivery_does_nothing(cloud, server_id, monkeypatch,
                                                           task):
    instance, snapshot_id = _start_snapshot(cloud, server_id, monkeypatch)
    manager = cloud.aio.compute(instance.host)
    if task != T.IMAGE_SNAPSHOT:  # a crash after the capture was taken
        path = os.path.join(manager.driver.snapshot_dir(), snapshot_id)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        manager.driver.snapshot(None, instance, path)
        instance.task_state = T.IMAGE_PENDING_UPLOAD.value
        instance.save(expected_task_state=T.IMAGE_SNAPSHOT, operation='snapshot')
        if task == T.IMAGE_UPLOADING:
            instance.task_state = task.value
            instance.save(expected_task_state=T.IMAGE_PENDING_UPLOAD, operation='snapshot')
    ctx = nimbus_context.get_admin_context()
    manager.snapshot_instance(ctx, instance)
    captures = [c for c in manager.driver.calls if c == ('snapshot', server_id)]
    manager.snapshot_instance(ctx, instance)  # delivered again: nothing more happens
    assert [c for c in manager.driver.calls if c == ('snapshot', server_id)] == captures
    assert _wait_idle(cloud, server_id)['status'] == 'ACTIVE'
    assert _image(cloud, snapshot_id)['status'] == 'active'
    sysmeta = objects.Instance.get_by_uuid(ctx, server_id).system_metadata
    assert compute_snapshot.IMAGE_ID not in sysmeta


def test_an_image_left_saving_is_deleted_not_kept(cloud, server_id, monkeypatch):
    """Whoever received the upload died with the image 'saving': after the grace period
    the snapshot is given up and the image deleted."""
    from api_svc.images import store
    instance, snapshot_id = _start_snapshot(cloud, server_id, monkeypatch)
    store._update(nimbus_context.get_admin_context(), snapshot_id,
                  {'status': str(store.ImageStatus.SAVING)})
    monkeypatch.setattr(compute_snapshot, 'SAVING_GRACE', 0.1)
    manager = cloud.aio.compute(instance.host)
    with pytest.raises(exception.SnapshotAbandoned):
        manager.snapshot_instance(nimbus_context.get_admin_context(), instance)
    assert _wait_idle(cloud, server_id)['status'] == 'ACTIVE'
    assert _image(cloud, snapshot_id) is None


def test_image_deleted_meanwhile_ends_the_snapshot_quietly(cloud, server_id, monkeypatch):
    instance, snapshot_id = _start_snapshot(cloud, server_id, monkeypatch)
    resp = cloud.request('DELETE', '/image/v2/images/%s' % snapshot_id)
    assert resp.status_int == 204
    manager = cloud.aio.compute(instance.host)
    manager.snapshot_instance(nimbus_context.get_admin_context(), instance)
    assert _wait_idle(cloud, server_id)['status'] == 'ACTIVE'
    assert not os.listdir(manager.driver.snapshot_dir())


def test_proxy_shows_a_snapshot_being_made_as_saving(cloud, server_id, monkeypatch):
    _instance, snapshot_id = _start_snapshot(cloud, server_id, monkeypatch)
    proxied = cloud.request('GET', '/v2.1/images/%s' % snapshot_id).json_body_or_none[
        'image']
    assert proxied['status'] == 'SAVING' and proxied['progress'] == 0
    listed = cloud.request('GET', '/v2.1/images/detail?server=%s&type=snapshot'
                           % server_id).json_body_or_none['images']
    assert [i['id'] for i in listed] == [snapshot_id]


def test_an_unreachable_image_api_leaves_the_upload_to_be_resumed(cloud, server_id,
                                                                   monkeypatch):
    """The image API died under the upload: the task state stays for the reconciler (or
    start-up recovery), whose step finishes the snapshot once the API answers."""
    from compute_svc.virt.disks import image_client
    instance, snapshot_id = _start_snapshot(cloud, server_id, monkeypatch)
    real_upload = image_client.HttpImageClient.upload

    def unreachable(self, context, image_id, path, reader=None):
        raise exception.ImageServiceUnreachable(image_id=image_id, reason='refused')
    monkeypatch.setattr(image_client.HttpImageClient, 'upload', unreachable)
    manager = cloud.aio.compute(instance.host)
    ctx = nimbus_context.get_admin_context()
    manager.snapshot_instance(ctx, instance)
    left = objects.Instance.get_by_uuid(ctx, server_id)
    assert left.task_state == T.IMAGE_UPLOADING
    assert _image(cloud, snapshot_id)['status'] == 'queued'
    monkeypatch.setattr(image_client.HttpImageClient, 'upload', real_upload)
    manager.snapshot_instance(ctx, left)
    assert _wait_idle(cloud, server_id)['status'] == 'ACTIVE'
    assert _image(cloud, snapshot_id)['status'] == 'active'
