"""Snapshots, backups, shelve and unshelve of real guests whose disks are RBD clones,
through the REST API: a snapshot is copied inside the cluster (no data through the
compute host), and a server booted from it is a clone that finds what the source's
guest wrote; a backup's rotation keeps an older backup a clone still holds (Ceph
refuses to delete it) and takes it once free; a shelve is copied inside the cluster
too (nothing uploaded), leaves no RBD image of the server behind and, unshelved on the
other host, is a clone of the shelved image, detached from it so that the shelved
image goes, leaving no image nor snapshot of it; the image the server was cloned from
can go afterwards."""
import os
import time

from api_svc.images import store
from svc_common import rbd_utils
from tests.ceph import test_rbd_guests as guests
from tests.libvirt import test_rest_guests as rest

HOST = rest.HOST
GiB = 1024 ** 3


def _of(ceph, sid):
    return {n: i for n, i in guests._images(ceph).items() if n.startswith(sid)}


def test_snapshot_then_shelve_and_unshelve_on_rbd(ceph_cloud, rbd_conf, demo_guest):
    cloud, ceph = ceph_cloud, rbd_conf
    image = guests._upload_raw_demo(cloud, demo_guest)
    cloud.set_image_mode(image['id'], 'stay')  # the guest keeps running
    body = {'server': {'name': 'rbd-snap', 'imageRef': image['id'], 'networks': 'none',
                       'flavorRef': rest._flavor_id(cloud, 'm1.tiny')}}
    sid = cloud.call('POST', '/v2.1/servers', body, expect=202).json_body['server']['id']
    first_host = rest._wait_status(cloud, sid, 'ACTIVE')[HOST]
    other_host = next(h for h in cloud.paths if h != first_host)
    marker = rest._wait_boot(cloud, sid, 1)['marker']
    assert _of(ceph, sid)[sid + '_disk']['parent'] == 'images/%s@snap' % image['id']

    # createImage: the disk copied inside the cluster into the image store (a snapshot
    # of it cloned into 'images' and flattened); nothing captured on the host nor
    # uploaded through it.
    uploads = []
    rest._spy(cloud.aio.compute(first_host).image_client, 'upload',
              lambda result, *args, **kwargs: uploads.append(args))
    started = time.monotonic()
    snap_id = cloud.call('POST', '/v2.1/servers/%s/action' % sid,
                         {'createImage': {'name': 'rbd-snap-image'}},
                         expect=202).json_body['image_id']
    rest._wait_status(cloud, sid, 'ACTIVE')
    taken = time.monotonic() - started
    snap = cloud.call('GET', '/image/v2/images/%s' % snap_id, expect=200).json_body
    assert snap['status'] == 'active' and snap['instance_uuid'] == sid
    assert snap['direct_url'] == 'rbd://%s/images/%s/snap' % (ceph.fsid, snap_id)
    assert (snap['disk_format'], snap['size']) == ('raw', GiB)
    captures = cloud.driver(first_host).snapshot_dir()
    assert uploads == [] and not (os.path.isdir(captures) and os.listdir(captures))
    in_store = guests._images(ceph, 'images')[snap_id]
    assert in_store['parent'] is None and in_store['snaps'] == ['snap']  # flattened
    assert _of(ceph, sid)[sid + '_disk']['snaps'] == []  # nothing left on the disk
    assert rest._server(cloud, sid)['status'] == 'ACTIVE'

    # A server booted from it is a clone of it (nothing read from the store) and finds
    # the source's data.
    read_before = store.BYTES_READ[snap_id]
    body['server'].update(name='rbd-snap-copy', imageRef=snap_id)
    copy_id = cloud.call('POST', '/v2.1/servers', body, expect=202).json_body['server']['id']
    rest._wait_status(cloud, copy_id, 'ACTIVE')
    assert rest._wait_boot(cloud, copy_id, 2)['marker'] == marker  # the source's data
    assert _of(ceph, copy_id)[copy_id + '_disk']['parent'] == 'images/%s@snap' % snap_id
    assert store.BYTES_READ[snap_id] - read_before == 0
    cloud.call('DELETE', '/image/v2/images/%s' % snap_id, expect=409)  # a clone holds it
    cloud.call('DELETE', '/v2.1/servers/%s' % copy_id, expect=204)  # (the source stays)
    cloud.wait_for(lambda: cloud.call('GET', '/v2.1/servers/%s' % copy_id).status_int
                   == 404, 60, 0.2, 'the copy to go')
    assert _of(ceph, copy_id) == {}

    backups_s = _backup_rotation_keeps_what_a_clone_holds(cloud, ceph, sid)
    assert uploads == []

    # Shelve (offloaded at once): copied inside the cluster like the snapshot, nothing
    # uploaded; its RBD images go; the shelved image holds its disk.
    rest._action(cloud, sid, {'shelve': None})
    assert rest._wait_status(cloud, sid, 'SHELVED_OFFLOADED')[HOST] is None
    assert _of(ceph, sid) == {}
    images = cloud.call('GET', '/image/v2/images', expect=200).json_body['images']
    shelved = next(i for i in images if i['name'] == 'rbd-snap-shelved')
    assert shelved['status'] == 'active' and shelved['disk_format'] == 'raw'
    assert shelved['direct_url'] == 'rbd://%s/images/%s/snap' % (ceph.fsid, shelved['id'])
    assert uploads == [] and not (os.path.isdir(captures) and os.listdir(captures))
    assert guests._images(ceph, 'images')[shelved['id']]['parent'] is None
    read_before = store.BYTES_READ[shelved['id']]
    rest._action(cloud, sid, {'unshelve': {'host': other_host}})
    assert rest._wait_status(cloud, sid, 'ACTIVE')[HOST] == other_host
    assert rest._wait_boot(cloud, sid, 2)['marker'] == marker
    # Unshelved as a clone of the shelved image (nothing read from the store), then
    # detached from it (flattened), so the shelved image went, its RBD image too.
    unshelve_read = store.BYTES_READ[shelved['id']] - read_before
    assert unshelve_read == 0
    cloud.call('GET', '/image/v2/images/%s' % shelved['id'], expect=404)  # it served
    assert shelved['id'] not in guests._images(ceph, 'images')
    held = _of(ceph, sid)
    assert sorted(held) == [sid + '_disk'] and held[sid + '_disk']['parent'] is None
    assert held[sid + '_disk']['snaps'] == []
    entry = guests._disk_info(cloud, other_host, sid)['disks']['disk']
    assert entry['detached_from'] == 'images/%s@snap' % shelved['id']

    rest._delete_and_check_nothing_left(cloud, [sid])
    assert _of(ceph, sid) == {}
    for image_id in (snap_id, image['id']):  # no clone holds them any more
        cloud.call('DELETE', '/image/v2/images/%s' % image_id, expect=204)
    rest._report('rbd snapshot and shelve', snapshot_s=round(taken, 1),
                 snapshot_bytes_uploaded_by_host=0, api_bytes_read_to_checksum=snap['size'],
                 three_backups_s=round(backups_s, 1), shelve_bytes_uploaded_by_host=0,
                 unshelve_bytes_read=unshelve_read)


def _backup_rotation_keeps_what_a_clone_holds(cloud, ceph, sid):
    """createBackup (rotation 1) three times; a clone of the first backup's data (what
    a server booted from it has) stands while the second is made, so Ceph refuses its
    delete: the second backup completes and the first is kept; with the clone gone,
    the third rotates both out. Returns the seconds the three took."""
    started = time.monotonic()

    def backup(name):
        image_id = rest._action(cloud, sid, {'createBackup': {
            'name': name, 'backup_type': 'daily', 'rotation': 1}}).json_body['image_id']
        rest._wait_status(cloud, sid, 'ACTIVE')
        image = cloud.call('GET', '/image/v2/images/%s' % image_id, expect=200).json_body
        assert image['status'] == 'active'
        assert image['direct_url'] == 'rbd://%s/images/%s/snap' % (ceph.fsid, image_id)
        return image_id

    pool = rbd_utils.RbdCluster(ceph.conf, 'vms')
    first = backup('rbd-daily-0')
    pool.clone('images', first, 'snap', 'booted-from-backup')
    try:
        second = backup('rbd-daily-1')
        cloud.call('GET', '/image/v2/images/%s' % first, expect=200)  # kept: in use
        cloud.call('DELETE', '/image/v2/images/%s' % first, expect=409)
    finally:
        pool.remove('booted-from-backup')
    third = backup('rbd-daily-2')
    for gone in (first, second):
        cloud.call('GET', '/image/v2/images/%s' % gone, expect=404)
        assert gone not in guests._images(ceph, 'images')
    taken = time.monotonic() - started
    cloud.call('DELETE', '/image/v2/images/%s' % third, expect=204)
    return taken
