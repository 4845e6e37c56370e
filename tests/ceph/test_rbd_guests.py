"""Real guests on RBD disks, every step through the REST API (two compute hosts, lv1 and
lv2, sharing the cluster's 'vms' pool; each host's own instances path keeps only disk.info
and the console log). What the guest saw comes from its console (tools/build-demo-guest);
what Ceph holds is read with the rbd bindings; what the image store served is counted by
the store (api_svc.images.store.BYTES_READ)."""
import base64
import json
import os
import time

import rbd

from api_svc.images import store
from svc_common import rbd_utils
from tests.ceph import conftest
from tests.libvirt import test_rest_guests as rest

GiB, MiB = 1024 ** 3, 1024 ** 2
HOST = rest.HOST


def _upload_raw_demo(cloud, demo_guest):
    """The demo guest's disk as a raw image (clonable), with the demo's kernel/ramdisk."""
    demo = cloud.call('GET', '/image/v2/images/%s' % cloud.demo_image, expect=200).json_body
    body = {'name': 'nimbus-demo-raw', 'disk_format': 'raw', 'container_format': 'bare',
            'visibility': 'public', 'kernel_id': demo['kernel_id'],
            'ramdisk_id': demo['ramdisk_id'], 'os_command_line': demo['os_command_line']}
    image = cloud.call('POST', '/image/v2/images', body, expect=201).json_body
    with open(os.path.join(str(demo_guest), 'root.img'), 'rb') as f:
        cloud.call('PUT', '/image/v2/images/%s/file' % image['id'], raw=f.read(),
                   headers={'Content-Type': 'application/octet-stream'}, expect=204)
    return cloud.call('GET', '/image/v2/images/%s' % image['id'], expect=200).json_body


def _images(ceph, pool='vms'):
    import rados
    client = rbd_utils.connect(rados.Rados(conffile=ceph.conf), 30)
    try:
        with client.open_ioctx(pool) as ioctx:
            out = {}
            for name in rbd.RBD().list(ioctx):
                with rbd.Image(ioctx, name, read_only=True) as image:
                    try:
                        parent = '%s/%s@%s' % image.parent_info()
                    except rbd.ImageNotFound:
                        parent = None
                    out[name] = {'size': image.size(), 'parent': parent,
                                 'snaps': sorted(s['name'] for s in image.list_snaps())}
            return out
    finally:
        client.shutdown()


def _disk_info(cloud, host, sid):
    with open(os.path.join(cloud.paths[host], sid, 'disk.info')) as f:
        return json.load(f)


def _spy_copies(cloud):
    sent = []
    for host in cloud.paths:
        rest._spy(cloud.driver(host).remotefs, 'copy_to',
                  lambda result, src, to, rel: sent.append((rel, result)))
    return sent


def test_clone_boot_resize_revert_migrate_confirm_delete(ceph_cloud, rbd_conf, demo_guest):
    cloud, ceph = ceph_cloud, rbd_conf
    started = time.monotonic()
    image = _upload_raw_demo(cloud, demo_guest)
    fsid, pool, name, snap = image['direct_url'][len('rbd://'):].split('/')
    assert (fsid, pool, name, snap) == (ceph.fsid, 'images', image['id'], 'snap')
    sent = _spy_copies(cloud)
    read_before = store.BYTES_READ[image['id']]

    body = {'server': {'name': 'rbd-clone', 'imageRef': image['id'], 'networks': 'none',
                       'flavorRef': rest._flavor_id(cloud, 'm1.tiny')}}
    sid = cloud.call('POST', '/v2.1/servers', body, expect=202).json_body['server']['id']
    server = rest._wait_status(cloud, sid, 'ACTIVE')
    source = server[HOST]
    first = rest._wait_boot(cloud, sid, 1)
    booted = time.monotonic()
    # A clone of the image's snapshot, grown to the flavor: nothing read from the store.
    held = _images(ceph)
    assert held[sid + '_disk'] == {'size': GiB, 'parent': 'images/%s@snap' % image['id'],
                                   'snaps': []}
    assert store.BYTES_READ[image['id']] - read_before == 0
    assert int(first['disk_bytes']) == GiB and first['boot'] == '1'
    entry = _disk_info(cloud, source, sid)['disks']['disk']
    assert entry['backend'] == 'rbd' and entry['rbd'] == 'vms/%s_disk' % sid
    assert not os.path.exists(os.path.join(cloud.paths[source], sid, 'disk'))

    # Resize (to the other host: allow_resize_to_same_host is off): no disk data moves,
    # the RBD image grows, a snapshot keeps the pre-resize disk.
    server = rest._resize(cloud, sid, 'm1.small')
    dest = server[HOST]
    assert dest != source
    assert [rel for rel, _n in sent] == [os.path.join(sid, 'disk.info')]
    held = _images(ceph)[sid + '_disk']
    assert held['size'] == 20 * GiB and held['snaps'] == ['nimbus_resize']
    grown = rest._wait_boot(cloud, sid, 2)
    assert int(grown['disk_bytes']) == 20 * GiB and grown['marker'] == first['marker']
    assert grown.get('fs_grown')

    # Revert: the exact pre-resize disk is back (its boot counter too: the boot after
    # the resize is undone), on the source host, and the snapshot is gone.
    done = len(_ready(cloud, sid))
    rest._action(cloud, sid, {'revertResize': None})
    server = rest._wait_status(cloud, sid, 'ACTIVE')
    assert server[HOST] == source
    cloud.wait_for(lambda: len(_ready(cloud, sid)) > done, 120, 0.5, 'the reverted boot')
    back = _last_ready(cloud, sid)
    assert back['boot'] == '2' and int(back['disk_bytes']) == GiB
    assert back['marker'] == first['marker'] and back['fs_bytes'] == first['fs_bytes']
    assert _images(ceph)[sid + '_disk'] == {'size': GiB, 'parent': 'images/%s@snap'
                                            % image['id'], 'snaps': []}

    # Cold migration and confirm: still no data copied; the snapshot goes on confirm.
    del sent[:]
    rest._action(cloud, sid, {'migrate': None})
    server = rest._wait_status(cloud, sid, 'VERIFY_RESIZE')
    assert server[HOST] == dest
    assert [rel for rel, _n in sent] == [os.path.join(sid, 'disk.info')]
    assert _images(ceph)[sid + '_disk']['snaps'] == ['nimbus_resize']
    rest._action(cloud, sid, {'confirmResize': None}, expect=204)
    rest._wait_status(cloud, sid, 'ACTIVE')
    assert _images(ceph)[sid + '_disk']['snaps'] == []
    assert store.BYTES_READ[image['id']] - read_before == 0

    # The image cannot go while a disk is cloned from it (as Glance on Ceph: 409).
    cloud.call('DELETE', '/image/v2/images/%s' % image['id'], expect=409)
    rest._delete_and_check_nothing_left(cloud, [sid])
    assert [n for n in _images(ceph) if n.startswith(sid)] == []
    cloud.call('DELETE', '/image/v2/images/%s' % image['id'], expect=204)
    assert image['id'] not in _images(ceph, 'images')
    rest._report('rbd clone', boot_s=round(booted - started, 1),
                 total_s=round(time.monotonic() - started, 1),
                 bytes_read_from_store=store.BYTES_READ[image['id']] - read_before)


def _ready(cloud, sid):
    return [b for b in rest.guest_console.boots(rest._console(cloud, sid)) if b.get('ready')]


def _last_ready(cloud, sid):
    return _ready(cloud, sid)[-1]


def test_import_config_drive_on_rbd_and_pool_capacity(ceph_cloud, rbd_conf):
    cloud, ceph = ceph_cloud, rbd_conf
    # The registered demo disk is qcow2: not clonable, so fetched once and imported.
    demo = cloud.call('GET', '/image/v2/images/%s' % cloud.demo_image, expect=200).json_body
    assert demo['direct_url'].startswith('rbd://%s/images/' % ceph.fsid)
    read_before = store.BYTES_READ[cloud.demo_image]
    key = cloud.admin('POST', '/v2.1/os-keypairs', {'keypair': {'name': 'rbd-key'}},
                      version='2.1').json_body['keypair']
    body = {'server': {'name': 'rbd-import', 'imageRef': cloud.demo_image,
                       'networks': 'none', 'flavorRef': rest._flavor_id(cloud, 'm1.tiny'),
                       'config_drive': True, 'key_name': 'rbd-key',
                       'user_data': base64.b64encode(b'rbd-user-data\n').decode()}}
    sid = cloud.call('POST', '/v2.1/servers', body, expect=202).json_body['server']['id']
    server = rest._wait_status(cloud, sid, 'ACTIVE')
    facts = rest._wait_boot(cloud, sid, 1)
    assert store.BYTES_READ[cloud.demo_image] - read_before == demo['size']  # one copy
    held = _images(ceph)
    assert held[sid + '_disk']['parent'] is None and held[sid + '_disk']['size'] == GiB
    assert sid + '_disk.config' in held
    entry = _disk_info(cloud, server[HOST], sid)['disks']['disk']
    assert entry['backend'] == 'rbd' and 'cloned_from' not in entry
    assert (facts['config_drive'], facts['cd_hostname'], facts['cd_key_fingerprint'],
            facts['cd_user_data']) == ('config-2', server['OS-EXT-SRV-ATTR:hostname'],
                                       key['fingerprint'], 'rbd-user-data')
    assert not os.path.exists(os.path.join(cloud.paths[server[HOST]], sid, 'disk.config'))

    # The hosts report the pool's capacity (its quota) as their disk.
    hypervisors = cloud.admin('GET', '/v2.1/os-hypervisors/detail',
                              version='2.87').json_body['hypervisors']
    assert {h['local_gb'] for h in hypervisors} == {conftest.POOL_QUOTA // GiB}
    rest._delete_and_check_nothing_left(cloud, [sid])
    assert [n for n in _images(ceph) if n.startswith(sid)] == []

    # An RBD image of a deleted instance left on the pool (as a host down during the
    # delete leaves it): the host that made it finds it and removes it.
    host = server[HOST]
    stray = cloud.driver(host).disks.rbd
    leftover = os.path.join(cloud.paths[host], 'leftover.raw')
    with open(leftover, 'wb') as f:
        f.write(b'x' * MiB)
    stray.cluster.import_file(leftover, sid + '_disk.local', owner=host)
    assert sid + '_disk.local' in _images(ceph)
    assert cloud.aio.compute(host).reap_deleted() == [sid]
    assert [n for n in _images(ceph) if n.startswith(sid)] == []
    os.unlink(leftover)
    rest._report('rbd import', bytes_read_from_store=demo['size'],
                 imported_bytes=entry.get('imported_bytes'))
