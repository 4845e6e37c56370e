"""Instance disks stay on the storage they were made on: RBD images in the Ceph pool every
RBD host shares, or files in a host's own instances path (``[libvirt] images_type`` rbd,
or qcow2 and flat, between which disks do move).

A move between hosts whose disks live on different storage is not supported: the
destination would run the instance on disks it neither makes nor keeps, and what it
makes for it (a config drive, a new swap disk) would land on the other storage, where
no host's clean-up looks for it (a host with file disks runs no RBD reaper). So it is
refused before anything moves, by the source, which knows its own storage:

- resize and cold migration: the host that makes an instance's disks records their
  storage (``INSTANCE_KEY`` in system_metadata, at build and at unshelve), and a
  destination keeping disks elsewhere refuses in prep_resize, before it claims: the
  resize goes on to the next host the scheduler chose (or, with none left, is rolled
  back). For a server built before that key, the destination records its storage with
  what prep_resize saves (``DEST_KEY``); the source checks it before the guest stops,
  and a refusal rolls the resize back (the server as it was, its claims back, the
  migration ``error``, a fault saying why);
- live migration: the destination's checks add its storage to the migrate data, the
  source's checks refuse (the conductor then tries another host).

Unshelving an offloaded server goes to any host: its disks are made there from the
shelved image, and its old host removed its own when it offloaded it.
"""
from svc_common import exception

INSTANCE_KEY = 'disk_storage'  # system_metadata: where the instance's disks are
DEST_KEY = 'resize_dest_disk_storage'  # system_metadata during a resize
MIGRATE_DATA_KEY = 'disk_storage'  # a live migration's migrate data
_NAMES = {'rbd': 'RBD images in a Ceph pool', 'file': 'files on the host'}


def check(here, there, dest_host):
    """Refuse a move from this host (disks on storage ``here``) to ``dest_host``
    (``there``); None on either side (a driver without disks) never refuses."""
    if here and there and here != there:
        raise exception.MigrationPreCheckError(
            reason='the disks of this server are %s and host %s keeps disks as %s; moving '
                   'a server between the two is not supported' % (
                       _NAMES.get(here, here), dest_host, _NAMES.get(there, there)))


def recorded(system_metadata, here):
    """``system_metadata`` with this host's storage ``here`` recorded as where the
    instance's disks are (unchanged for a driver without disks)."""
    return dict(system_metadata, **{INSTANCE_KEY: here}) if here else system_metadata
