"""A Ceph cluster's RBD images, through the ``rados``/``rbd`` Python bindings (librbd
in this process: no CLI output is parsed and no kernel device is mapped).

Each call connects, does its work and disconnects: compute hosts make few RBD calls,
and a connection never outlives a monitor restart this way. Every operation is written
to be repeated: removing what is gone, snapshotting what is snapshotted, resizing to
the size an image has already are all no-ops.
"""
import contextlib
import json
import os
import re
import time
import urllib.parse

from oslo_log import log as logging

from svc_common import exception

LOG = logging.getLogger(__name__)

_CHUNK = 4 * 1024 * 1024
_ZEROS = bytes(_CHUNK)
OWNER_KEY = 'nimbus.host'
IMAGE_SNAP = 'snap'  # the protected snapshot of an image in the image API's RBD store


def _bindings():
    try:
        import rados
        import rbd
    except ImportError:
        raise exception.NimbusException(
            'The rados/rbd Python bindings are missing (run tools/install-ceph)') from None
    return rados, rbd


NO_FSID = '00000000-0000-0000-0000-000000000000'


def connect(client, timeout):
    """Connect a ``rados.Rados`` client and wait until it has the monitors' map.

    ``connect()`` may return before the map arrives (seen on a loaded host, against a
    monitor started moments before); until then the client's fsid is all zeros, and a
    monitor answers every command it sends with 'wrong fsid'."""
    client.connect(timeout=timeout)
    deadline = time.monotonic() + timeout
    while client.get_fsid() == NO_FSID:
        if time.monotonic() >= deadline:
            raise exception.NimbusException(
                'Connected to Ceph, but no monitor map arrived within %ss' % timeout)
        time.sleep(0.01)
    return client


def parse_location(url):
    """(fsid, pool, image, snapshot) of an ``rbd://fsid/pool/image/snap`` location, or
    None for anything else."""
    if not url or not url.startswith('rbd://'):
        return None
    parts = [urllib.parse.unquote(p) for p in url[len('rbd://'):].split('/')]
    if len(parts) != 4 or not all(parts):
        return None
    return tuple(parts)


def location(fsid, pool, image, snap):
    return 'rbd://%s' % '/'.join(urllib.parse.quote(p, safe='') for p in
                                 (fsid, pool, image, snap))


def parse_mon_hosts(mon_host):
    """[(host, port)] from a ceph.conf ``mon_host`` value, e.g.
    ``[v2:10.0.0.1:3300,v1:10.0.0.1:6789] 10.0.0.2`` (libvirt speaks the v1 protocol
    to monitors through librbd whichever it is given; a v1 address is preferred)."""
    hosts = []
    for group in re.findall(r'\[[^\]]*\]|[^\s,;\[\]]+', mon_host or ''):
        addrs = [a for a in group.strip('[]').split(',') if a]
        v1 = [a for a in addrs if a.startswith('v1:')]
        addr = (v1 or addrs)[0]
        addr = re.sub(r'^v[12]:', '', addr)
        addr = addr.split('/')[0]
        host, sep, port = addr.rpartition(':')
        if not sep or not port.isdigit():
            host, port = addr, '6789'
        hosts.append((host.strip('[]'), int(port)))
    return hosts


class RbdCluster:
    """One pool of a Ceph cluster, as a client (``user``) with ``ceph_conf``."""

    def __init__(self, ceph_conf, pool, user=None, connect_timeout=30):
        self.ceph_conf = ceph_conf
        self.pool = pool
        self.user = user or None
        self.connect_timeout = connect_timeout

    @contextlib.contextmanager
    def _cluster(self):
        rados, _rbd = _bindings()
        client = rados.Rados(conffile=self.ceph_conf, rados_id=self.user)
        try:
            connect(client, self.connect_timeout)
            yield client
        finally:
            client.shutdown()

    @contextlib.contextmanager
    def ioctx(self, pool=None):
        with self._cluster() as client:
            ioctx = client.open_ioctx(pool or self.pool)
            try:
                yield ioctx
            finally:
                ioctx.close()

    @contextlib.contextmanager
    def image(self, name, pool=None, read_only=False):
        _rados, rbd = _bindings()
        with self.ioctx(pool) as ioctx:
            with rbd.Image(ioctx, name, read_only=read_only) as image:
                yield image

    # -- the cluster ------------------------------------------------------------------
    def fsid(self):
        with self._cluster() as client:
            return client.get_fsid()

    def mon_hosts(self):
        with self._cluster() as client:
            return parse_mon_hosts(client.conf_get('mon_host'))

    def capacity(self):
        """(total, free) bytes this pool may hold: its quota when it has one (read from
        the OSD map), otherwise the cluster's raw space."""
        with self._cluster() as client:
            command = json.dumps({'prefix': 'osd dump', 'format': 'json'})
            ret, out, err = client.mon_command(command, b'', timeout=30)
            if ret:
                raise exception.NimbusException('ceph osd dump failed: %s' % err)
            pools = {p['pool_name']: p for p in json.loads(out)['pools']}
            quota = pools.get(self.pool, {}).get('quota_max_bytes') or 0
            if quota:
                return quota, max(0, quota - self.used_bytes())
            stats = client.get_cluster_stats()
            return stats['kb'] * 1024, stats['kb_avail'] * 1024

    def used_bytes(self):
        """What this pool's images occupy, counted by the images (allocated extents):
        the pool statistics need a manager daemon, this does not."""
        _rados, rbd = _bindings()
        total = 0
        with self.ioctx() as ioctx:
            for name in rbd.RBD().list(ioctx):
                try:
                    with rbd.Image(ioctx, name, read_only=True) as image:
                        total += _allocated(image)
                except rbd.ImageNotFound:
                    continue
        return total

    # -- images -----------------------------------------------------------------------
    def list(self, prefix=''):
        _rados, rbd = _bindings()
        with self.ioctx() as ioctx:
            return sorted(n for n in rbd.RBD().list(ioctx) if n.startswith(prefix))

    def describe(self, prefix='', names=None):
        """{name: {'owner', 'snaps', 'watchers'}} of the pool's images starting with
        ``prefix`` (and among ``names`` when given), in one connection (opened
        read-only: reading adds no watcher)."""
        _rados, rbd = _bindings()
        found = {}
        with self.ioctx() as ioctx:
            for name in rbd.RBD().list(ioctx):
                if not name.startswith(prefix) or (names is not None and name not in names):
                    continue
                try:
                    with rbd.Image(ioctx, name, read_only=True) as image:
                        try:
                            owner = image.metadata_get(OWNER_KEY)
                        except KeyError:
                            owner = None
                        found[name] = {
                            'owner': owner,
                            'snaps': sorted(s['name'] for s in image.list_snaps()),
                            'watchers': len(list(image.watchers_list()))}
                except rbd.ImageNotFound:
                    continue  # removed meanwhile
        return found

    def exists(self, name, pool=None):
        _rados, rbd = _bindings()
        try:
            with self.image(name, pool, read_only=True):
                return True
        except rbd.ImageNotFound:
            return False

    def size(self, name, pool=None):
        with self.image(name, pool, read_only=True) as image:
            return image.size()

    def set_owner(self, name, host):
        with self.image(name) as image:
            image.metadata_set(OWNER_KEY, host)

    def rename(self, src, dest):
        _rados, rbd = _bindings()
        with self.ioctx() as ioctx:
            rbd.RBD().rename(ioctx, src, dest)

    def clone(self, parent_pool, parent, snap, name, owner=None, pool=None):
        """A copy-on-write clone of ``parent_pool/parent@snap`` as ``name`` (in
        ``pool``, by default this one)."""
        _rados, rbd = _bindings()
        with self.ioctx(parent_pool) as parent_ioctx, self.ioctx(pool) as ioctx:
            rbd.RBD().clone(parent_ioctx, parent, snap, ioctx, name,
                            features=rbd.RBD_FEATURE_LAYERING)
        if owner:
            self.set_owner(name, owner)

    def flatten(self, name, pool=None):
        """Copy into a clone what it shares with its parent (inside the cluster): it
        then depends on nothing. Nothing for an image without a parent (flattened
        before)."""
        _rados, rbd = _bindings()
        with self.image(name, pool) as image:
            try:
                image.parent_info()
            except rbd.ImageNotFound:
                return
            image.flatten()

    def import_file(self, path, name, owner=None):
        """A new image ``name`` with the content of the raw file ``path`` (zero chunks
        are not written: the image stays thin). Returns the bytes written."""
        _rados, rbd = _bindings()
        size = os.path.getsize(path)
        written = 0
        with self.ioctx() as ioctx:
            rbd.RBD().create(ioctx, name, size, old_format=False,
                             features=rbd.RBD_FEATURE_LAYERING)
            with rbd.Image(ioctx, name) as image:
                if owner:
                    image.metadata_set(OWNER_KEY, owner)
                with open(path, 'rb') as f:
                    offset = 0
                    while chunk := f.read(_CHUNK):
                        if chunk != _ZEROS[:len(chunk)]:
                            image.write(chunk, offset)
                            written += len(chunk)
                        offset += len(chunk)
                image.flush()
        return written

    def write_stream(self, name, stream, limit, on_chunk=None, expected_size=None):
        """A new image ``name`` holding what ``stream`` yields (up to ``limit`` bytes;
        made at ``expected_size`` when known, grown as data comes otherwise). Returns
        the size."""
        _rados, rbd = _bindings()
        size = 0
        with self.ioctx() as ioctx:
            rbd.RBD().create(ioctx, name, expected_size or 0, old_format=False,
                             features=rbd.RBD_FEATURE_LAYERING)
            with rbd.Image(ioctx, name) as image:
                allocated = expected_size or 0
                for chunk in stream:
                    if on_chunk:
                        on_chunk(chunk)
                    if size + len(chunk) > limit:
                        raise exception.ImageTooLarge(limit=limit)
                    if size + len(chunk) > allocated:
                        allocated = max(size + len(chunk), 2 * allocated)
                        image.resize(allocated)
                    if chunk != _ZEROS[:len(chunk)]:
                        image.write(chunk, size)
                    size += len(chunk)
                if allocated != size:
                    image.resize(size)
                image.flush()
        return size

    def read_chunks(self, name, pool=None, snap=None, chunk=_CHUNK):
        """The content of an image (or of a snapshot of it), chunk by chunk."""
        _rados, rbd = _bindings()
        with self.ioctx(pool) as ioctx:
            with rbd.Image(ioctx, name, snapshot=snap, read_only=True) as image:
                size, offset = image.size(), 0
                while offset < size:
                    data = image.read(offset, min(chunk, size - offset))
                    offset += len(data)
                    yield data

    def resize(self, name, size):
        """Grow to ``size`` bytes; returns whether it grew."""
        with self.image(name) as image:
            current = image.size()
            if size <= current:
                return False
            image.resize(size)
        LOG.info('Grew RBD image %s/%s from %d to %d bytes', self.pool, name, current, size)
        return True

    def remove(self, name, pool=None):
        """Remove an image and its snapshots (unprotecting them); nothing if gone."""
        _rados, rbd = _bindings()
        with self.ioctx(pool) as ioctx:
            try:
                with rbd.Image(ioctx, name) as image:
                    for snap in list(image.list_snaps()):
                        if image.is_protected_snap(snap['name']):
                            image.unprotect_snap(snap['name'])
                        image.remove_snap(snap['name'])
            except rbd.ImageNotFound:
                return False
            try:
                rbd.RBD().remove(ioctx, name)
            except rbd.ImageNotFound:
                return False
        return True

    # -- snapshots --------------------------------------------------------------------
    def has_snap(self, name, snap, pool=None):
        _rados, rbd = _bindings()
        try:
            with self.image(name, pool, read_only=True) as image:
                return any(s['name'] == snap for s in image.list_snaps())
        except rbd.ImageNotFound:
            return False

    def snap_create(self, name, snap, protect=False, pool=None):
        with self.image(name, pool) as image:
            if not any(s['name'] == snap for s in image.list_snaps()):
                image.create_snap(snap)
            if protect and not image.is_protected_snap(snap):
                image.protect_snap(snap)

    def snap_rollback(self, name, snap):
        """Put the image back as it was at ``snap`` (its size included), then drop the
        snapshot. Nothing when the snapshot is gone (rolled back before)."""
        _rados, rbd = _bindings()
        with self.image(name) as image:
            snaps = {s['name']: s for s in image.list_snaps()}
            if snap not in snaps:
                return False
            if image.size() != snaps[snap]['size']:
                image.resize(snaps[snap]['size'])
            image.rollback_to_snap(snap)
            image.remove_snap(snap)
        return True

    def snap_remove(self, name, snap, pool=None):
        _rados, rbd = _bindings()
        try:
            with self.image(name, pool) as image:
                if not any(s['name'] == snap for s in image.list_snaps()):
                    return False
                if image.is_protected_snap(snap):
                    image.unprotect_snap(snap)
                image.remove_snap(snap)
        except rbd.ImageNotFound:
            return False
        return True

    def children(self, name, snap, pool=None):
        """'pool/image' of the clones of ``name@snap``."""
        _rados, rbd = _bindings()
        try:
            with self.ioctx(pool) as ioctx:
                with rbd.Image(ioctx, name, snapshot=snap, read_only=True) as image:
                    return ['%s/%s' % child for child in image.list_children()]
        except rbd.ImageNotFound:
            return []


def _allocated(image):
    extents = []
    image.diff_iterate(0, image.size(), None,
                       lambda offset, length, exists: extents.append(length if exists else 0))
    return sum(extents)
