"""Live migration of an instance whose disks are all RBD images: the pool is storage
both hosts share, so nothing is copied and nothing is made on the destination (making
a disk there would replace the one the running guest uses). Only the instance's own
directory differs between the hosts: its disk.info travels in the migrate data, the
destination writes it (and fetches the boot files into its cache) before the guest
arrives, and the host the guest is not on in the end drops that directory, never an
RBD image.
"""
from compute_svc.virt.disks import rbd_disks
from compute_svc.virt.disks import utils

KEY = 'rbd_disk_info'


def check_source(disks, uuid, dest_address):
    """(shared, extra migrate data) for a live migration of ``uuid`` to
    ``dest_address``: shared when the instances path is, or when every disk is an RBD
    image (then the extra data carries disk.info)."""
    if disks.shared_with(dest_address, uuid):
        return True, {}
    info = disks.read_info(disks.inst_dir(uuid))
    if info['disks'] and all(rbd_disks.is_rbd(e) for e in info['disks'].values()):
        return True, {KEY: info}
    return False, {}


def receive(disks, context, uuid, migrate_data):
    """On the destination before the guest comes: disk.info written, boot files in the
    cache. False when the migration is not one of RBD disks."""
    info = migrate_data.get(KEY)
    if info is None:
        return False
    disks.write_info(utils.ensure_tree(disks.inst_dir(uuid)), info)
    disks.attach_bases(context, uuid)
    return True


def leave(disks, uuid, migrate_data):
    """On the host the guest is not on in the end (the source after the move, the
    destination after a rollback): its directory of the instance goes, the RBD images
    stay. False when the migration is not one of RBD disks."""
    if migrate_data.get(KEY) is None:
        return False
    utils.remove_tree(disks.inst_dir(uuid))
    return True
