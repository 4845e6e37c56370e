"""Image records and their data files: the one module both the image API and the
compute API's image lookups use.

Records live in the ``images`` table. With ``[image] store = file`` the data of image
``ID`` is the file ``[image]/store_path/ID`` (written as ``ID.part`` and renamed when
complete), which is also where an all-in-one compute host reads it from. With
``store = rbd`` it is the RBD image ``ID`` in ``[image] rbd_store_pool`` (written as
``ID.part`` and renamed), with a protected snapshot ``snap`` that compute hosts of the
same cluster clone; the record's location (``direct_url`` to clients) names it:
``rbd://<fsid>/<pool>/ID/snap``. ``BYTES_READ`` counts the data read back out of the
store, per image (what a boot by import costs; a clone reads none).
"""
import dataclasses
import datetime
import enum
import hashlib
import collections
import json
import os
import threading

from oslo_log import log as logging
from oslo_utils import uuidutils
from oslo_utils.imageutils import format_inspector
import sqlalchemy as sa

from svc_common.conf import CONF
from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common import rbd_utils

LOG = logging.getLogger(__name__)
_CHUNK = 64 * 1024
RBD_SNAP = rbd_utils.IMAGE_SNAP
BYTES_READ = collections.Counter()
_bytes_lock = threading.Lock()


class ImageStatus(str, enum.Enum):
    QUEUED = 'queued'
    SAVING = 'saving'
    ACTIVE = 'active'
    DEACTIVATED = 'deactivated'

    def __str__(self):
        return self.value


class Visibility(str, enum.Enum):
    PUBLIC = 'public'
    PRIVATE = 'private'
    SHARED = 'shared'
    COMMUNITY = 'community'

    def __str__(self):
        return self.value


# Columns of the images table a caller may set at creation (besides free properties).
SETTABLE = ('id', 'name', 'disk_format', 'container_format', 'visibility', 'protected',
            'min_disk', 'min_ram', 'tags', 'owner')
SORT_KEYS = ('created_at', 'updated_at', 'name', 'id', 'status', 'size', 'disk_format',
             'container_format', 'min_disk', 'min_ram', 'visibility', 'owner')
_COLUMNS = ('id', 'name', 'status', 'disk_format', 'container_format', 'size',
            'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner',
            'visibility', 'protected', 'min_disk', 'min_ram', 'created_at', 'updated_at',
            'location')


@dataclasses.dataclass
class Image:
    id: str
    name: str | None
    status: str
    disk_format: str | None
    container_format: str | None
    size: int | None
    virtual_size: int | None
    checksum: str | None
    os_hash_algo: str | None
    os_hash_value: str | None
    owner: str | None
    visibility: str
    protected: bool
    min_disk: int
    min_ram: int
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    properties: dict
    tags: list
    location: str | None = None

    @classmethod
    def from_row(cls, row):
        values = {name: getattr(row, name) for name in _COLUMNS}
        values['protected'] = bool(values['protected'])
        values['properties'] = json.loads(row.properties) if row.properties else {}
        values['tags'] = json.loads(row.tags) if row.tags else []
        return cls(**values)

    def to_meta(self):
        """What compute receives about the image it boots (plain JSON types)."""
        meta = {k: getattr(self, k) for k in _COLUMNS
                if k not in ('created_at', 'updated_at', 'location')}
        meta['properties'] = dict(self.properties)
        if self.location:
            meta['direct_url'] = self.location
        return meta


def data_path(image_id):
    """Where the data of ``image_id`` is (or will be) stored."""
    return os.path.join(CONF.image.store_path, image_id)


# -- SQL ------------------------------------------------------------------------------
@db_api.reader
def _get(context, image_id):
    row = context.session.get(models.Image, image_id)
    if row is None:
        raise exception.ImageNotFound(image_id=image_id)
    return Image.from_row(row)


@db_api.writer
def _create(context, values):
    if context.session.get(models.Image, values['id']) is not None:
        raise exception.ImageExists(image_id=values['id'])
    row = models.Image(**values)
    context.session.add(row)
    context.session.flush()
    return Image.from_row(row)


@db_api.writer
def _update(context, image_id, values, expected_status=None):
    """Compare-and-swap on the status when ``expected_status`` is given."""
    query = context.session.query(models.Image).filter_by(id=image_id)
    if expected_status is not None:
        query = query.filter_by(status=str(expected_status))
    values = dict(values, updated_at=_now())
    if query.update(values, synchronize_session=False) != 1:
        current = _get(context, image_id)
        raise exception.ImageStatusConflict(image_id=image_id, status=current.status,
                                            action='this change', expected=expected_status)
    return _get(context, image_id)


@db_api.writer
def _delete(context, image_id):
    context.session.query(models.Image).filter_by(id=image_id).delete()


@db_api.reader
def _list(context, filters, sort, default_listing, limit=None):
    """Rows the caller may see, filtered and ordered in SQL; only those are decoded."""
    model = models.Image
    query = context.session.query(model)
    for name, value in filters.items():
        column = getattr(model, name)
        query = query.filter(column.in_(value) if isinstance(value, list) else column == value)
    if not context.is_admin:
        mine = model.owner == context.project_id
        shown = [str(Visibility.PUBLIC)] if default_listing else \
            [str(Visibility.PUBLIC), str(Visibility.COMMUNITY)]
        query = query.filter(sa.or_(mine, model.visibility.in_(shown)))
    for key, direction in sort:
        column = getattr(model, key)
        query = query.order_by(column.desc() if direction == 'desc' else column.asc())
    query = query.order_by(model.id.desc() if sort and sort[0][1] == 'desc' else model.id)
    if limit is not None:
        query = query.limit(limit)
    return [Image.from_row(row) for row in query]


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


# -- access rules ---------------------------------------------------------------------
def is_visible(context, image):
    return (context.is_admin or image.owner == context.project_id or
            image.visibility in (Visibility.PUBLIC, Visibility.COMMUNITY))


def _check_owner(context, image, action):
    if not (context.is_admin or image.owner == context.project_id):
        raise exception.ImageForbidden(action=action, image_id=image.id)


# -- the store's operations -------------------------------------------------------------
def get(context, image_id):
    """The image, if the caller may see it; ImageNotFound otherwise."""
    image = _get(context, image_id)
    if not is_visible(context, image):
        raise exception.ImageNotFound(image_id=image_id)
    return image


# Glance's sizes for what an image record holds besides its columns.
MAX_PROPERTY_NAME = 255
MAX_PROPERTY_VALUE = 65535
MAX_TAG = 255


def check_limits(properties=None, tags=None):
    """Property and tag counts (413 over the quotas) and sizes (400)."""
    if properties is not None:
        if len(properties) > CONF.image.image_property_quota:
            raise exception.ImageLimitExceeded(what='image properties',
                                               attempted=len(properties),
                                               maximum=CONF.image.image_property_quota)
        for name, value in properties.items():
            if not isinstance(name, str) or not 0 < len(name) <= MAX_PROPERTY_NAME:
                raise exception.Invalid(message='Property names are 1 to %d characters.'
                                                % MAX_PROPERTY_NAME)
            if not isinstance(value, str) or len(value) > MAX_PROPERTY_VALUE:
                raise exception.Invalid(message='Property %s must be a string of at most '
                                                '%d characters.' % (name, MAX_PROPERTY_VALUE))
    if tags is not None:
        if len(set(tags)) > CONF.image.image_tag_quota:
            raise exception.ImageLimitExceeded(what='image tags', attempted=len(set(tags)),
                                               maximum=CONF.image.image_tag_quota)
        for tag in tags:
            if not isinstance(tag, str) or len(tag) > MAX_TAG:
                raise exception.Invalid(message='Tags are strings of at most %d characters.'
                                                % MAX_TAG)


@db_api.reader
def _count_owned(context, owner):
    return context.session.query(models.Image).filter_by(owner=owner).count()


def create(context, values, properties=None):
    values = {k: v for k, v in values.items() if v is not None}
    check_limits(properties or {}, values.get('tags') or [])
    values.setdefault('id', uuidutils.generate_uuid())
    values.setdefault('visibility', str(Visibility.SHARED))
    values.setdefault('owner', context.project_id)
    owned = _count_owned(context, values['owner'])
    if owned >= CONF.image.image_count_quota:
        raise exception.ImageLimitExceeded(what='images of project %s' % values['owner'],
                                           attempted=owned + 1,
                                           maximum=CONF.image.image_count_quota)
    values['tags'] = json.dumps(sorted(set(values.get('tags') or [])))
    values['properties'] = json.dumps(properties or {})
    now = _now()
    values.update(status=str(ImageStatus.QUEUED), created_at=now, updated_at=now)
    return _create(context, values)


def update(context, image_id, values=None, properties=None):
    """Change columns and replace the free properties (None leaves them)."""
    image = get(context, image_id)
    _check_owner(context, image, 'modify')
    changes = dict(values or {})
    check_limits(properties, changes.get('tags'))
    if 'tags' in changes:
        changes['tags'] = json.dumps(sorted(set(changes['tags'])))
    if properties is not None:
        changes['properties'] = json.dumps(properties)
    return _update(context, image_id, changes) if changes else image


def list_images(context, filters=None, visibility=None, sort=(('created_at', 'desc'),),
                limit=None, marker=None, properties=None):
    """Images the caller may see, filtered on columns (a list value means 'one of')
    and on free ``properties`` (equal values).

    Without ``visibility`` this is what Glance lists by default: public images and the
    caller's own (community images only when they are the caller's)."""
    filters = dict(filters or {})
    if visibility and visibility != 'all':
        filters['visibility'] = visibility
    default_listing = not visibility
    if marker is None and not properties:
        return _list(context, filters, list(sort), default_listing, limit)
    images = _list(context, filters, list(sort), default_listing)
    if properties:
        images = [i for i in images
                  if all(i.properties.get(k) == v for k, v in properties.items())]
    if marker is not None:
        ids = [i.id for i in images]
        if marker not in ids:
            raise exception.MarkerNotFound(marker=marker)
        images = images[ids.index(marker) + 1:]
    return images if limit is None else images[:limit]


def delete(context, image_id):
    image = get(context, image_id)
    _check_owner(context, image, 'delete')
    if image.protected:
        raise exception.ImageForbidden(action='delete protected', image_id=image_id)
    if image.location:
        _remove_rbd(image)
    elif CONF.image.store == 'rbd':
        _rbd_store().remove(image_id)  # a copy a compute host had not finished
    _delete(context, image_id)
    for path in (data_path(image_id), data_path(image_id) + '.part'):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def upload(context, image_id, stream, length=None):
    """Store the data read from ``stream`` (``length`` bytes, or to EOF) and make the
    image active, with its size and checksums. A failed upload leaves it queued."""
    image = get(context, image_id)
    _check_owner(context, image, 'upload data to')
    if image.status != ImageStatus.QUEUED:
        raise exception.ImageStatusConflict(image_id=image_id, status=image.status,
                                            action='upload', expected=ImageStatus.QUEUED)
    if not image.disk_format or not image.container_format:
        raise exception.Invalid(message='Properties disk_format and container_format must '
                                        'be set prior to saving data.')
    limit = CONF.image.max_image_size_mb * 1024 * 1024
    if length is not None and length > limit:
        raise exception.ImageTooLarge(limit=limit)
    _update(context, image_id, {'status': str(ImageStatus.SAVING)},
            expected_status=ImageStatus.QUEUED)
    try:
        if CONF.image.store == 'rbd':
            size, md5, sha512, location = _write_rbd(image_id, stream, length, limit)
        else:
            (size, md5, sha512), location = _write(image_id, stream, length, limit), None
    except BaseException:
        _update(context, image_id, {'status': str(ImageStatus.QUEUED)},
                expected_status=ImageStatus.SAVING)
        raise
    try:
        return _update(context, image_id, {
            'status': str(ImageStatus.ACTIVE), 'size': size, 'checksum': md5,
            'os_hash_algo': 'sha512', 'os_hash_value': sha512,
            'virtual_size': _virtual_size(image_id, image.disk_format, size, location),
            'location': location,
        }, expected_status=ImageStatus.SAVING)
    except exception.NimbusException:
        LOG.info('Image %s changed during upload; dropping its data', image_id)
        if location:
            _rbd_store().remove(image_id)
        else:
            os.unlink(data_path(image_id))
        raise


def add_location(context, image_id, url):
    """A queued image's data already written into this store's RBD pool, as image
    ``image_id`` with its protected snapshot (a compute host copied an instance's RBD
    disk there, inside the cluster): the image becomes active, raw, at ``url``, its
    size and checksums read from the cluster here. Only that exact location is taken:
    the image's own name in this store's pool and cluster, so no caller can point an
    image at data that is not its own."""
    image = get(context, image_id)
    _check_owner(context, image, 'add a location to')
    if image.status != ImageStatus.QUEUED:
        raise exception.ImageStatusConflict(image_id=image_id, status=image.status,
                                            action='add a location to',
                                            expected=ImageStatus.QUEUED)
    if CONF.image.store != 'rbd':
        raise exception.Invalid(message='This image store takes no locations.')
    cluster = _rbd_store()
    expected = rbd_utils.location(cluster.fsid(), cluster.pool, image_id, RBD_SNAP)
    if url != expected or not cluster.has_snap(image_id, RBD_SNAP):
        raise exception.Invalid(message='Location %s is not this image\'s data in the '
                                        'image store.' % url)
    _update(context, image_id, {'status': str(ImageStatus.SAVING)},
            expected_status=ImageStatus.QUEUED)
    md5, sha512, size = hashlib.md5(usedforsecurity=False), hashlib.sha512(), 0
    try:
        for chunk in cluster.read_chunks(image_id, snap=RBD_SNAP):
            md5.update(chunk)
            sha512.update(chunk)
            size += len(chunk)
    except BaseException:
        _update(context, image_id, {'status': str(ImageStatus.QUEUED)},
                expected_status=ImageStatus.SAVING)
        raise
    LOG.info('Image %s is at %s (%d bytes read to checksum it)', image_id, url, size)
    return _update(context, image_id, {
        'status': str(ImageStatus.ACTIVE), 'disk_format': 'raw', 'size': size,
        'virtual_size': size, 'checksum': md5.hexdigest(), 'os_hash_algo': 'sha512',
        'os_hash_value': sha512.hexdigest(), 'location': url,
    }, expected_status=ImageStatus.SAVING)


def _write(image_id, stream, length, limit):
    os.makedirs(CONF.image.store_path, exist_ok=True)
    final = data_path(image_id)
    part = final + '.part'
    md5, sha512, size = hashlib.md5(usedforsecurity=False), hashlib.sha512(), 0
    try:
        with open(part, 'wb') as out:
            for chunk in _stream_chunks(stream, length):
                size += len(chunk)
                if size > limit:
                    raise exception.ImageTooLarge(limit=limit)
                md5.update(chunk)
                sha512.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if length is not None and size < length:
            raise exception.Invalid(message='The upload ended after %d of %d bytes.'
                                            % (size, length))
        os.replace(part, final)
    except BaseException:
        if os.path.exists(part):
            os.unlink(part)
        raise
    return size, md5.hexdigest(), sha512.hexdigest()


def _rbd_store():
    return rbd_utils.RbdCluster(CONF.image.rbd_store_ceph_conf, CONF.image.rbd_store_pool,
                                CONF.image.rbd_store_user)


def _stream_chunks(stream, length):
    size = 0
    while length is None or size < length:
        chunk = stream.read(_CHUNK if length is None else min(_CHUNK, length - size))
        if not chunk:
            break
        size += len(chunk)
        yield chunk


def _write_rbd(image_id, stream, length, limit):
    """The data as RBD image ``image_id`` with its protected snapshot: written as
    ``<id>.part``, renamed when complete; returns (size, md5, sha512, location)."""
    cluster = _rbd_store()
    part = image_id + '.part'
    md5, sha512 = hashlib.md5(usedforsecurity=False), hashlib.sha512()

    def hash_chunk(chunk):
        md5.update(chunk)
        sha512.update(chunk)
    cluster.remove(part)  # a failed upload's
    try:
        size = cluster.write_stream(part, _stream_chunks(stream, length), limit, hash_chunk,
                                    expected_size=length)
        if length is not None and size < length:
            raise exception.Invalid(message='The upload ended after %d of %d bytes.'
                                            % (size, length))
        cluster.rename(part, image_id)
    except BaseException:
        cluster.remove(part)
        raise
    cluster.snap_create(image_id, RBD_SNAP, protect=True)
    location = rbd_utils.location(cluster.fsid(), cluster.pool, image_id, RBD_SNAP)
    return size, md5.hexdigest(), sha512.hexdigest(), location


def _remove_rbd(image):
    parsed = rbd_utils.parse_location(image.location)
    if parsed is None:
        return
    _fsid, pool, name, snap = parsed
    cluster = rbd_utils.RbdCluster(CONF.image.rbd_store_ceph_conf, pool,
                                   CONF.image.rbd_store_user)
    children = cluster.children(name, snap)
    if children:  # as Glance on Ceph: the clones' parent stays while they exist
        raise exception.ImageInUse(image_id=image.id, reason='%d instance disk(s) are '
                                   'copy-on-write clones of it' % len(children))
    cluster.remove(name)


class _RbdReader:
    """A file-like reader of an RBD store image, counting what it reads."""

    def __init__(self, image_id, location):
        _fsid, pool, name, snap = rbd_utils.parse_location(location)
        cluster = rbd_utils.RbdCluster(CONF.image.rbd_store_ceph_conf, pool,
                                       CONF.image.rbd_store_user)
        self.image_id = image_id
        self._chunks = cluster.read_chunks(name, snap=snap)
        self._pending = b''

    def read(self, size=-1):
        while size < 0 or len(self._pending) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            with _bytes_lock:
                BYTES_READ[self.image_id] += len(chunk)
            self._pending += chunk
        if size < 0:
            data, self._pending = self._pending, b''
        else:
            data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def close(self):
        self._chunks.close()


def _virtual_size(image_id, disk_format, size, location=None):
    if disk_format in ('raw', 'iso'):
        return size
    if location:
        return None  # not inspected in RBD: compute hosts inspect what they fetch
    try:
        inspector = format_inspector.detect_file_format(data_path(image_id))
    except Exception as error:  # a broken image still uploads; compute rejects it later
        LOG.warning('Cannot inspect image %s: %s', image_id, error)
        return None
    if inspector is None or str(inspector) == 'raw':
        return size
    return inspector.virtual_size


def open_data(context, image_id):
    """(image, open binary file) of an active image; (image, None) without data."""
    image = get(context, image_id)
    if image.status == ImageStatus.DEACTIVATED and not context.is_admin:
        raise exception.ImageForbidden(action='download deactivated', image_id=image_id)
    if image.status != ImageStatus.ACTIVE:
        return image, None
    if image.location:
        return image, _RbdReader(image_id, image.location)
    try:
        return image, open(data_path(image_id), 'rb')
    except FileNotFoundError:
        LOG.error('Data of active image %s is missing from the store', image_id)
        return image, None
