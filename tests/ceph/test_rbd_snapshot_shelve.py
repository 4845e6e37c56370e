"""Snapshots, shelve and unshelve of real guests whose disks are RBD clones, through the
REST API: a snapshot is copied inside the cluster (no data through the compute host),
and a server booted from it is a clone that finds what the source's guest wrote; a
shelved server leaves no RBD image behind and, unshelved on the other host, boots from
its own disk's data; the image it was cloned from can go afterwards."""
import os
import time

from api_svc.images import store
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

    # Shelve (offloaded at once): its RBD images go; the shelved image holds its disk.
    rest._action(cloud, sid, {'shelve': None})
    assert rest._wait_status(cloud, sid, 'SHELVED_OFFLOADED')[HOST] is None
    assert _of(ceph, sid) == {}
    images = cloud.call('GET', '/image/v2/images', expect=200).json_body['images']
    shelved = next(i for i in images if i['name'] == 'rbd-snap-shelved')
    read_before = store.BYTES_READ[shelved['id']]
    rest._action(cloud, sid, {'unshelve': {'host': other_host}})
    assert rest._wait_status(cloud, sid, 'ACTIVE')[HOST] == other_host
    assert rest._wait_boot(cloud, sid, 2)['marker'] == marker
    cloud.call('GET', '/image/v2/images/%s' % shelved['id'], expect=404)  # it served
    held = _of(ceph, sid)
    assert sorted(held) == [sid + '_disk'] and held[sid + '_disk']['parent'] is None
    unshelve_read = store.BYTES_READ[shelved['id']] - read_before

    rest._delete_and_check_nothing_left(cloud, [sid])
    assert _of(ceph, sid) == {}
    for image_id in (snap_id, image['id']):  # no clone holds them any more
        cloud.call('DELETE', '/image/v2/images/%s' % image_id, expect=204)
    rest._report('rbd snapshot and shelve', snapshot_s=round(taken, 1),
                 snapshot_bytes_uploaded_by_host=0, api_bytes_read_to_checksum=snap['size'],
                 unshelve_bytes_read=unshelve_read)
