"""How a compute host reads images: metadata and data from the image API (Glance v2
compatible, ``[image] api_endpoint``), or, when no endpoint is set (all-in-one), the data
straight from the image store's files.

Downloads are verified against the record's size and hash, so a truncated or altered
transfer never reaches the image cache.
"""
import abc
import hashlib
import os
import threading

from oslo_log import log as logging
import requests

from svc_common.conf import CONF
from svc_common import exception

LOG = logging.getLogger(__name__)
_CHUNK = 1024 * 1024
_NEEDS_ENDPOINT = 'writing images needs [image] api_endpoint'


class ImageClient(abc.ABC):

    @abc.abstractmethod
    def show(self, context, image_id) -> dict:
        """The image record (Glance v2 shape: properties are top-level keys)."""

    @abc.abstractmethod
    def _chunks(self, context, image_id):
        """Yield the image data."""

    # Writing: what a snapshot needs (the image API's own endpoint only).
    def record(self, context, image_id) -> dict:
        """The image record whatever its status (ImageNotFound when there is none)."""
        raise exception.ImageUploadFailed(image_id=image_id, reason=_NEEDS_ENDPOINT)

    def upload(self, context, image_id, path, reader=None):
        """Send the file at ``path`` as the image's data (the image goes saving, then
        active). ``reader`` wraps the open file (tests cut an upload short with it)."""
        raise exception.ImageUploadFailed(image_id=image_id, reason=_NEEDS_ENDPOINT)

    def add_location(self, context, image_id, url):
        """Make a queued image active with its data at ``url``, where the image API's
        store holds it already (a snapshot made inside that store's storage)."""
        raise exception.ImageUploadFailed(image_id=image_id, reason=_NEEDS_ENDPOINT)

    def delete(self, context, image_id):
        """Delete the image; one already gone is fine."""
        raise exception.ImageUploadFailed(image_id=image_id, reason=_NEEDS_ENDPOINT)

    def list_owned(self, context) -> list:
        """Every image the caller's project may see, newest first."""
        raise exception.ImageUploadFailed(image_id='*', reason=_NEEDS_ENDPOINT)

    def download(self, context, image_id, dst_path, image_meta=None) -> int:
        """Write the image data to ``dst_path`` (created or truncated), fsync it and
        return its size; check size and hash when ``image_meta`` carries them."""
        verifier = _Verifier(image_id, image_meta or {})
        with open(dst_path, 'wb') as dst:
            for chunk in self._chunks(context, image_id):
                dst.write(chunk)
                verifier.update(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        verifier.check()
        return verifier.size


class _Verifier:
    """Size and hash of the data against the record (os_hash_* first, md5 checksum else)."""

    def __init__(self, image_id, meta):
        self.image_id = image_id
        self.size = 0
        self.expected_size = meta.get('size')
        self.expected_hash = None
        algo = meta.get('os_hash_algo')
        if algo and meta.get('os_hash_value') and algo in hashlib.algorithms_available:
            self.hash = hashlib.new(algo)
            self.expected_hash = meta['os_hash_value']
        elif meta.get('checksum'):
            self.hash = hashlib.md5(usedforsecurity=False)
            self.expected_hash = meta['checksum']
        else:
            self.hash = None

    def update(self, chunk):
        self.size += len(chunk)
        if self.hash is not None:
            self.hash.update(chunk)

    def check(self):
        if self.expected_size is not None and self.size != self.expected_size:
            raise exception.ImageDownloadFailed(
                image_id=self.image_id,
                reason='got %d bytes, the image has %d' % (self.size, self.expected_size))
        if self.hash is not None and self.hash.hexdigest() != self.expected_hash:
            raise exception.ImageDownloadFailed(image_id=self.image_id,
                                                reason='data does not match its hash')


class HttpImageClient(ImageClient):
    """``GET {endpoint}/v2/images/{id}`` and ``GET {endpoint}/v2/images/{id}/file``;
    for snapshots also PUT of the data, DELETE and the list."""

    session_factory = requests.Session  # the functional tests route it to their app

    def __init__(self, endpoint, timeout=60):
        self.endpoint = endpoint.rstrip('/')
        self.timeout = timeout
        self._local = threading.local()

    @property
    def session(self):
        """One requests session (connection pool) per thread: sessions are not
        thread-safe, and boots run in parallel."""
        if not hasattr(self._local, 'session'):
            self._local.session = self.session_factory()
        return self._local.session

    def _headers(self, context):
        """The caller's token; without one (no-auth mode with identity headers), the
        caller's identity as headers, so the image API shows only what the caller may
        see (keystonemiddleware drops such headers in deployments with tokens)."""
        token = getattr(context, 'auth_token', None)
        if token:
            return {'X-Auth-Token': token}
        headers = {'X-User-Id': getattr(context, 'user_id', None),
                   'X-Project-Id': getattr(context, 'project_id', None),
                   'X-Roles': ','.join(getattr(context, 'roles', None) or [])}
        return {k: v for k, v in headers.items() if v}

    def _get(self, context, path, image_id, stream=False):
        url = '%s/v2/images/%s%s' % (self.endpoint, image_id, path)
        try:
            resp = self.session.get(url, headers=self._headers(context), stream=stream,
                                    timeout=self.timeout)
        except requests.RequestException as error:
            raise exception.ImageServiceUnreachable(image_id=image_id,
                                                    reason=str(error)) from error
        _check_available(resp, image_id)
        if resp.status_code == 404:
            raise exception.ImageNotFound(image_id=image_id)
        if resp.status_code in (401, 403):
            raise exception.ImageForbidden(action='read', image_id=image_id)
        if resp.status_code == 204 or (resp.status_code == 409 and path):
            raise exception.ImageNotActive(image_id=image_id)
        if resp.status_code != 200:
            raise exception.ImageDownloadFailed(
                image_id=image_id, reason='%s %s returned %s' % ('GET', url, resp.status_code))
        return resp

    def show(self, context, image_id):
        record = self._get(context, '', image_id).json()
        if record.get('status') not in (None, 'active'):
            raise exception.ImageNotActive(image_id=image_id)
        return record

    def record(self, context, image_id):
        return self._get(context, '', image_id).json()

    def _send(self, context, method, url, image_id, **kwargs):
        headers = dict(self._headers(context), **kwargs.pop('headers', {}))
        try:
            resp = self.session.request(method, url, headers=headers, timeout=self.timeout,
                                        **kwargs)
        except requests.RequestException as error:
            raise exception.ImageServiceUnreachable(image_id=image_id,
                                                    reason=str(error)) from error
        _check_available(resp, image_id)
        return resp

    def upload(self, context, image_id, path, reader=None):
        url = '%s/v2/images/%s/file' % (self.endpoint, image_id)
        with open(path, 'rb') as data:
            body = _Body(reader(data) if reader else data, os.fstat(data.fileno()).st_size)
            resp = self._send(context, 'PUT', url, image_id, data=body,
                              headers={'Content-Type': 'application/octet-stream'})
        _check_written(resp, image_id, 204)

    def add_location(self, context, image_id, url):
        endpoint = '%s/v2/images/%s/locations' % (self.endpoint, image_id)
        resp = self._send(context, 'POST', endpoint, image_id, json={'url': url})
        _check_written(resp, image_id, 202)

    def delete(self, context, image_id):
        url = '%s/v2/images/%s' % (self.endpoint, image_id)
        resp = self._send(context, 'DELETE', url, image_id)
        if resp.status_code == 409:  # e.g. its data in RBD, and disks cloned from it
            raise exception.ImageInUse(image_id=image_id, reason=resp.text[:200])
        if resp.status_code == 403:
            raise exception.ImageForbidden(action='delete', image_id=image_id)
        if resp.status_code not in (204, 404):
            raise exception.ImageUploadFailed(
                image_id=image_id, reason='DELETE %s returned %s' % (url, resp.status_code))

    def list_owned(self, context):
        images = []
        url = '%s/v2/images?limit=100&sort_key=created_at&sort_dir=desc' % self.endpoint
        while url:
            resp = self._send(context, 'GET', url, '*')
            if resp.status_code != 200:
                raise exception.ImageUploadFailed(
                    image_id='*', reason='GET %s returned %s' % (url, resp.status_code))
            body = resp.json()
            images.extend(body.get('images', []))
            url = self.endpoint + body['next'] if body.get('next') else None
        return images

    def _chunks(self, context, image_id):
        resp = self._get(context, '/file', image_id, stream=True)
        try:
            yield from resp.iter_content(_CHUNK)
        except requests.RequestException as error:
            raise exception.ImageDownloadFailed(image_id=image_id,
                                                reason=str(error)) from error
        finally:
            resp.close()


def _check_available(resp, image_id):
    if resp.status_code in (502, 503, 504):
        raise exception.ImageServiceUnreachable(
            image_id=image_id, reason='%s %s answered %s' % (
                resp.request.method, resp.url, resp.status_code))


class _Body:
    """A file-like request body of known length (sent with Content-Length, so a
    receiver can tell a transfer cut short from a complete one)."""

    def __init__(self, source, length):
        self._source = source
        self.len = length

    def read(self, size=-1):
        return self._source.read(size)


class StoreImageClient(ImageClient):
    """All-in-one without an endpoint: the image data files of ``[image] store_path``.

    The records live in the API's database, which a compute host never reads, so
    ``show`` cannot answer; callers pass the record they got with the request."""

    def __init__(self, store_path):
        self.store_path = store_path

    def show(self, context, image_id):
        raise exception.ImageDownloadFailed(
            image_id=image_id,
            reason='image records need [image] api_endpoint (only data is read from the '
                   'store directly)')

    def _chunks(self, context, image_id):
        path = os.path.join(self.store_path, image_id)
        if os.path.basename(path) != image_id or not os.path.isfile(path):
            raise exception.ImageNotFound(image_id=image_id)
        with open(path, 'rb') as src:
            while chunk := src.read(_CHUNK):
                yield chunk


def _check_written(resp, image_id, status):
    if resp.status_code == 404:
        raise exception.ImageNotFound(image_id=image_id)
    if resp.status_code != status:
        raise exception.ImageUploadFailed(
            image_id=image_id, reason='%s %s returned %s: %s' % (
                resp.request.method, resp.request.url, resp.status_code, resp.text[:200]))


def get_client() -> ImageClient:
    if CONF.image.api_endpoint:
        return HttpImageClient(CONF.image.api_endpoint)
    return StoreImageClient(CONF.image.store_path)
