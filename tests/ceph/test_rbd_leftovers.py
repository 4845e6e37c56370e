"""Leftovers in the shared pool after a crash, on a real cluster with real guests: what
each host's reaper (also run by start-up recovery) removes, and what it must never
touch — a running guest's disk (it has a watcher), the images of an instance awaiting
a resize confirmation on the other host, those of an instance this deployment never
had. The decision itself is tested without Ceph in tests/unit/test_rbd_leftovers.py."""
import os
import uuid as uuid_lib

from tests.ceph import test_rbd_guests as guests
from tests.libvirt import test_rest_guests as rest

HOST = rest.HOST
SNAP = 'nimbus_resize'


def _plant(cluster, tmp_path, name, owner):
    path = tmp_path / 'plant.raw'
    path.write_bytes(b'leftover' * 4096)
    cluster.import_file(str(path), name, owner=owner)


def _reap_all(cloud):
    for host in cloud.paths:
        cloud.aio.compute(host).reap_deleted()


def _of(ceph, sid):
    return {n: i for n, i in guests._images(ceph).items() if n.startswith(sid)}


def test_reaper_removes_what_no_instance_needs_and_nothing_else(ceph_cloud, rbd_conf,
                                                                demo_guest, tmp_path):
    cloud, ceph = ceph_cloud, rbd_conf
    image = guests._upload_raw_demo(cloud, demo_guest)
    body = {'server': {'name': 'rbd-leftovers', 'imageRef': image['id'],
                       'networks': 'none', 'flavorRef': rest._flavor_id(cloud, 'm1.tiny')}}
    sid = cloud.call('POST', '/v2.1/servers', body, expect=202).json_body['server']['id']
    host = rest._wait_status(cloud, sid, 'ACTIVE')[HOST]
    other = next(h for h in cloud.paths if h != host)
    cluster = cloud.driver(host).disks.rbd.cluster
    # The running guest holds its disk open: a watcher the reaper respects.
    assert cluster.describe(sid + '_disk')[sid + '_disk']['watchers'] >= 1

    # What crashes leave: a disk made but never recorded (by either host), one half
    # made, a resize snapshot no resize needs; and an image of no instance we know.
    _plant(cluster, tmp_path, sid + '_disk.local', other)
    _plant(cluster, tmp_path, sid + '_disk.swap.part', host)
    cluster.snap_create(sid + '_disk', SNAP)
    stranger = '%s_disk' % uuid_lib.uuid4()
    _plant(cluster, tmp_path, stranger, host)

    cloud.aio.compute(other).reap_deleted()  # not its instance: nothing happens
    assert sorted(_of(ceph, sid)) == [sid + '_disk', sid + '_disk.local',
                                      sid + '_disk.swap.part']
    cloud.aio.compute(host).reap_deleted()
    held = _of(ceph, sid)
    assert sorted(held) == [sid + '_disk'] and held[sid + '_disk']['snaps'] == []
    assert stranger in guests._images(ceph)
    assert rest._server(cloud, sid)['status'] == 'ACTIVE'
    before = rest._console(cloud, sid)

    # Awaiting a resize confirmation on the other host: both hosts leave it all.
    rest._resize(cloud, sid, 'm1.small')
    _plant(cluster, tmp_path, sid + '_disk.part', host)
    _reap_all(cloud)
    held = _of(ceph, sid)
    assert sorted(held) == [sid + '_disk', sid + '_disk.part']
    assert held[sid + '_disk']['snaps'] == [SNAP]
    rest._action(cloud, sid, {'confirmResize': None}, expect=204)
    server = rest._wait_status(cloud, sid, 'ACTIVE')
    assert server[HOST] == other
    # Confirmed: the half-made disk goes with the host the instance lives on now.
    cloud.aio.compute(host).reap_deleted()
    assert sid + '_disk.part' in _of(ceph, sid)
    cloud.aio.compute(other).reap_deleted()
    assert sorted(_of(ceph, sid)) == [sid + '_disk']
    assert len(rest._console(cloud, sid)) >= len(before)

    rest._delete_and_check_nothing_left(cloud, [sid])
    assert _of(ceph, sid) == {}
    assert stranger in guests._images(ceph)  # never ours to judge
    cluster.remove(stranger)
    cloud.call('DELETE', '/image/v2/images/%s' % image['id'], expect=204)
    os.unlink(tmp_path / 'plant.raw')
