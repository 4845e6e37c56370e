"""Live migration of RBD disks without Ceph: nothing is made or copied on the
destination (it would replace the running guest's disk), disk.info travels in the
migrate data, and each host drops only its own directory, never an RBD image."""
import os

from compute_svc.virt.disks import instance_disks
from compute_svc.virt.disks import rbd_live_migration as rlm

U = '6f1c3f5e-2b8a-4c1e-9a57-0b9e4c1d2a3f'
RBD = {'format': 'raw', 'backend': 'rbd', 'rbd': 'vms/%s_disk' % U, 'base': None}


class Disks(instance_disks.InstanceDisks):
    """A host's instances path; the shared-path check and the bases stubbed."""
    shared = False

    def __init__(self, path):
        super().__init__('h1', instances_path=str(path), image_client=object(),
                         remotefs=object())
        self.attached = []

    def shared_with(self, dest_host, uuid):
        return self.shared

    def attach_bases(self, context, uuid):
        self.attached.append(uuid)
        return self.read_info(self.inst_dir(uuid))

    @property
    def rbd(self):
        raise AssertionError('no RBD image may be touched')


def _host(tmp_path, name, disks=None):
    host = Disks(tmp_path / name)
    if disks is not None:
        inst = os.path.join(host.instances_path, U)
        os.makedirs(inst)
        host.write_info(inst, {'disks': disks, 'boot': {}})
    return host


def test_rbd_disks_are_shared_and_disk_info_travels(tmp_path):
    source, dest = _host(tmp_path, 'src', {'disk': RBD}), _host(tmp_path, 'dst')
    shared, extra = rlm.check_source(source, U, 'dst')
    assert shared is True and extra[rlm.KEY]['disks'] == {'disk': RBD}
    data = dict(extra, block_migration=False)
    assert rlm.receive(dest, None, U, data) and dest.attached == [U]
    assert dest.read_info(dest.inst_dir(U))['disks'] == {'disk': RBD}
    # The guest moved: the source drops its directory; the destination keeps its own.
    assert rlm.leave(source, U, data)
    assert not os.path.exists(source.inst_dir(U)) and dest.exist(U)


def test_rollback_drops_the_destinations_directory_only(tmp_path):
    source, dest = _host(tmp_path, 'src', {'disk': RBD}), _host(tmp_path, 'dst')
    _shared, extra = rlm.check_source(source, U, 'dst')
    rlm.receive(dest, None, U, extra)
    assert rlm.leave(dest, U, extra)
    assert not os.path.exists(dest.inst_dir(U)) and source.exist(U)


def test_file_disks_or_a_shared_path_are_not_its_business(tmp_path):
    files = _host(tmp_path, 'src', {'disk': {'format': 'qcow2', 'base': 'b'}})
    assert rlm.check_source(files, U, 'dst') == (False, {})
    rbd = _host(tmp_path, 'other', {'disk': RBD})
    rbd.shared = True
    assert rlm.check_source(rbd, U, 'dst') == (True, {})
    assert not rlm.receive(rbd, None, U, {'block_migration': True})
    assert not rlm.leave(rbd, U, {'block_migration': True}) and rbd.exist(U)
