"""RBD instance disks without Ceph: the clone-or-import decision, sizes, names, the
resize snapshot's life, and the libvirt network disk (a recording stand-in for the
cluster; the Ceph tier proves the same against a real one)."""
import contextlib
import types

import pytest

from svc_common import exception
from svc_common import rbd_utils
from compute_svc.virt.disks import rbd_disks
from compute_svc.virt.libvirt import config

FSID = '0fe0a035-0fa3-49af-b576-2a456d9a10c0'
GiB = 1024 ** 3


class Cluster:
    """Records calls; images are {name: size}, snapshots {name: set}."""
    pool = 'vms'

    def __init__(self):
        self.images, self.snaps, self.calls = {'images/img': 64 << 20}, {}, []

    def fsid(self):
        return FSID

    def size(self, name, pool=None):
        return self.images['%s/%s' % (pool or self.pool, name)]

    def remove(self, name):
        self.calls.append(('remove', name))
        self.images.pop('vms/' + name, None)

    def clone(self, pool, image, snap, name, owner=None):
        self.calls.append(('clone', '%s/%s@%s' % (pool, image, snap), name))
        self.images['vms/' + name] = self.images['%s/%s' % (pool, image)]

    def import_file(self, path, name, owner=None):
        self.calls.append(('import', path, name))
        self.images['vms/' + name] = 64 << 20
        return 1234

    def resize(self, name, size):
        self.images['vms/' + name] = max(size, self.images['vms/' + name])

    def rename(self, src, dest):
        self.images['vms/' + dest] = self.images.pop('vms/' + src)


@pytest.fixture
def rbd():
    disks = rbd_disks.RbdDisks.__new__(rbd_disks.RbdDisks)
    disks.host, disks.cluster, disks._fsid = 'h1', Cluster(), None
    return disks


def _base(fmt='raw', size=64 << 20):
    return types.SimpleNamespace(name='b1', format=fmt, path='/c/_base/b1',
                                 virtual_size=size)


def _use_base(base, used):
    def use(callback):
        used.append(base)
        callback(base)
        return base
    return use


def test_raw_image_in_this_cluster_is_cloned_and_grown_reading_nothing(rbd):
    used = []
    source = {'image_id': 'img', 'disk_format': 'raw',
              'direct_url': rbd_utils.location(FSID, 'images', 'img', 'snap')}
    entry = rbd.create('u1', 'disk', source, GiB, _use_base(_base(), used))
    assert used == []  # the cache (and the image API) never asked
    assert ('clone', 'images/img@snap', 'u1_disk.part') in rbd.cluster.calls
    assert rbd.cluster.images['vms/u1_disk'] == GiB and 'vms/u1_disk.part' not in \
        rbd.cluster.images
    assert entry['rbd'] == 'vms/u1_disk' and entry['cloned_from'] == 'images/img@snap'
    assert entry['backend'] == 'rbd' and entry['format'] == 'raw'


@pytest.mark.parametrize('source', [
    {'disk_format': 'raw'},                                                  # file store
    {'disk_format': 'raw', 'direct_url': rbd_utils.location(
        'other-fsid', 'images', 'img', 'snap')},                             # other cluster
    {'disk_format': 'qcow2', 'direct_url': rbd_utils.location(
        FSID, 'images', 'img', 'snap')},                                     # not raw
])
def test_otherwise_the_cached_image_is_imported(rbd, source):
    used = []
    entry = rbd.create('u1', 'disk', dict(source, image_id='img'), GiB,
                       _use_base(_base(), used))
    assert len(used) == 1
    assert ('import', '/c/_base/b1', 'u1_disk.part') in rbd.cluster.calls
    assert not any(c[0] == 'clone' for c in rbd.cluster.calls)
    assert entry['base'] == 'b1' and entry['imported_bytes'] == 1234
    assert rbd.cluster.images['vms/u1_disk'] == GiB


def test_an_image_larger_than_the_flavor_disk_is_refused_either_way(rbd):
    source = {'image_id': 'img', 'disk_format': 'raw',
              'direct_url': rbd_utils.location(FSID, 'images', 'img', 'snap')}
    with pytest.raises(exception.FlavorDiskSmallerThanImage):
        rbd.create('u1', 'disk', source, 32 << 20, _use_base(_base(), []))
    with pytest.raises(exception.FlavorDiskSmallerThanImage):
        rbd.create('u2', 'disk', {'image_id': 'img', 'disk_format': 'raw'}, 32 << 20,
                   _use_base(_base(size=64 << 20), []))
    assert 'vms/u2_disk' not in rbd.cluster.images


def test_a_disk_left_by_a_crash_is_made_again(rbd):
    rbd.cluster.images['vms/u1_disk'] = 5
    rbd.cluster.images['vms/u1_disk.part'] = 5
    rbd.create('u1', 'disk', {'image_id': 'img', 'disk_format': 'raw'}, GiB,
               _use_base(_base(), []))
    assert rbd.cluster.calls[:2] == [('remove', 'u1_disk'), ('remove', 'u1_disk.part')]
    assert rbd.cluster.images['vms/u1_disk'] == GiB


def test_locations_and_monitor_addresses_parse():
    url = rbd_utils.location(FSID, 'images', 'a b', 'snap')
    assert rbd_utils.parse_location(url) == (FSID, 'images', 'a b', 'snap')
    assert rbd_utils.parse_location('file:///x') is None
    assert rbd_utils.parse_location('rbd://only/three/parts') is None
    assert rbd_utils.parse_mon_hosts('[v2:10.0.0.1:3300,v1:10.0.0.1:6789] 10.0.0.2') == [
        ('10.0.0.1', 6789), ('10.0.0.2', 6789)]
    assert rbd_utils.parse_mon_hosts('v1:127.0.0.1:6791') == [('127.0.0.1', 6791)]


def test_an_rbd_disk_is_a_network_disk_through_librbd():
    source = config.RbdSource(hosts=[('127.0.0.1', 6791)], user='nova',
                              secret_uuid='5b4b2c39-0c05-4b7e-9d0a-3fa1b3c0f9e1')
    guest = config.GuestConfig(
        uuid='u', virt_type='qemu', memory_mb=64, vcpus=1, console_log='/i/u/console.log',
        disks=[config.Disk('vms/u_disk', 'raw', 'vda', rbd=source),
               config.Disk('vms/u_disk.config', 'raw', 'sda', bus='scsi', device='cdrom',
                           rbd=config.RbdSource(hosts=[('127.0.0.1', 6791)]))])
    xml = guest.to_xml()
    from xml.etree import ElementTree as ET
    disks = ET.fromstring(xml).findall('./devices/disk')
    assert [d.get('type') for d in disks] == ['network', 'network']
    src = disks[0].find('source')
    assert (src.get('protocol'), src.get('name')) == ('rbd', 'vms/u_disk')
    assert src.find('host').attrib == {'name': '127.0.0.1', 'port': '6791'}
    assert disks[0].find('auth').get('username') == 'nova'
    assert disks[0].find('auth/secret').attrib == {
        'type': 'ceph', 'uuid': '5b4b2c39-0c05-4b7e-9d0a-3fa1b3c0f9e1'}
    assert disks[1].find('auth') is None and disks[1].find('readonly') is not None
    assert config.rbd_names(xml) == ['vms/u_disk', 'vms/u_disk.config']
    assert config.owned_paths(xml) == ['/i/u/console.log']  # who owns the domain


def test_an_rbd_host_reports_the_pools_capacity_not_its_filesystem(rbd, tmp_path):
    from svc_common.conf import CONF
    from compute_svc.virt.disks import instance_disks
    rbd.cluster.capacity = lambda: (100 * GiB, 40 * GiB)  # (the pool's quota, free)
    disks = instance_disks.InstanceDisks('h1', instances_path=str(tmp_path),
                                         image_client=object(), remotefs=object())
    disks._rbd = rbd
    CONF.set_override('images_type', 'rbd', group='libvirt')
    try:
        assert disks.usable_bytes() == 100 * GiB
    finally:
        CONF.clear_override('images_type', group='libvirt')
    assert disks.usable_bytes() != 100 * GiB  # a file backend: the filesystem's


class StoreCluster(Cluster):
    """Adds the snapshots, clones and flattens a snapshot into the image store makes."""

    def has_snap(self, name, snap, pool=None):
        return snap in self.snaps.get('%s/%s' % (pool or self.pool, name), set())

    def snap_create(self, name, snap, protect=False, pool=None):
        self.calls.append(('snap', '%s/%s@%s' % (pool or self.pool, name, snap)))
        self.snaps.setdefault('%s/%s' % (pool or self.pool, name), set()).add(snap)

    def snap_remove(self, name, snap, pool=None):
        self.calls.append(('unsnap', '%s/%s@%s' % (pool or self.pool, name, snap)))
        self.snaps.get('%s/%s' % (pool or self.pool, name), set()).discard(snap)

    def remove(self, name, pool=None):
        self.calls.append(('remove', '%s/%s' % (pool or self.pool, name)))

    def clone(self, parent_pool, parent, snap, name, owner=None, pool=None):
        self.calls.append(('clone', '%s/%s@%s' % (parent_pool, parent, snap),
                           '%s/%s' % (pool, name)))

    def flatten(self, name, pool=None):
        self.calls.append(('flatten', '%s/%s' % (pool or self.pool, name)))


def test_snapshot_into_the_image_store_stays_in_the_cluster(rbd):
    rbd.cluster = StoreCluster()
    held = []

    class Still:
        def __enter__(self):
            held.append('paused')

        def __exit__(self, *exc):
            held.append('running')
    entry = {'backend': 'rbd', 'rbd': 'vms/u1_disk', 'cloned_from': 'images/img@snap'}
    url = rbd.snapshot_to_store(entry, 'i2', Still)
    assert url == rbd_utils.location(FSID, 'images', 'i2', 'snap')
    assert rbd.cluster.calls == [
        ('snap', 'vms/u1_disk@nimbus_snapshot_i2'), ('remove', 'images/i2'),
        ('clone', 'vms/u1_disk@nimbus_snapshot_i2', 'images/i2'), ('flatten', 'images/i2'),
        ('snap', 'images/i2@snap'), ('unsnap', 'vms/u1_disk@nimbus_snapshot_i2')]
    assert held == ['paused', 'running']  # the guest held still for the snapshot only
    # Done again (a resumed task): the store's image is complete, nothing is redone.
    del rbd.cluster.calls[:]
    assert rbd.snapshot_to_store(entry, 'i2', Still) == url
    assert rbd.cluster.calls == [('unsnap', 'vms/u1_disk@nimbus_snapshot_i2')]
    # An imported disk (or a file disk) has no store image to be copied next to.
    assert rbd.snapshot_to_store(dict(entry, cloned_from=None), 'i3', Still) is None
    assert rbd.snapshot_to_store({'format': 'qcow2'}, 'i3', Still) is None


def test_an_unshelved_clone_is_detached_and_still_copied_next_to_the_store(rbd):
    """Unshelve clones the disk from the shelved image, then detaches it (flattened in
    the cluster) so that the image can be deleted; a later snapshot of the disk still
    goes to the store's pool inside the cluster."""
    rbd.cluster = StoreCluster()
    entry = {'backend': 'rbd', 'rbd': 'vms/u1_disk', 'cloned_from': 'images/shelved@snap'}
    detached = rbd.detach_from_image(entry)
    assert rbd.cluster.calls == [('flatten', 'vms/u1_disk')]
    assert detached == dict(entry, cloned_from=None, detached_from='images/shelved@snap')
    del rbd.cluster.calls[:]
    assert rbd.detach_from_image(detached) == detached  # done again: nothing
    assert rbd.cluster.calls == []
    url = rbd.snapshot_to_store(detached, 'i4', contextlib.nullcontext)
    assert url == rbd_utils.location(FSID, 'images', 'i4', 'snap')
    assert ('clone', 'vms/u1_disk@nimbus_snapshot_i4', 'images/i4') in rbd.cluster.calls


class _SlowMapClient:
    """A rados client whose monitor map arrives some polls after connect() returned
    (as seen on a loaded host against a monitor just started)."""

    def __init__(self, polls_before_map):
        self.polls = polls_before_map
        self.connected = False

    def connect(self, timeout):
        self.connected = True

    def get_fsid(self):
        if self.polls:
            self.polls -= 1
            return rbd_utils.NO_FSID
        return '2f7ae0a4-52b1-4b8b-9d59-4b5e1c6c8a11'


def test_a_connection_waits_for_the_monitor_map_before_any_command():
    client = _SlowMapClient(polls_before_map=3)
    assert rbd_utils.connect(client, timeout=5) is client
    assert client.polls == 0 and client.get_fsid() != rbd_utils.NO_FSID


def test_a_monitor_map_that_never_arrives_is_a_clear_error():
    with pytest.raises(exception.NimbusException, match='no monitor map'):
        rbd_utils.connect(_SlowMapClient(polls_before_map=10 ** 9), timeout=0.05)
