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


class ImageClient(abc.ABC):

    @abc.abstractmethod
    def show(self, context, image_id) -> dict:
        """The image record (Glance v2 shape: properties are top-level keys)."""

    @abc.abstractmethod
    def _chunks(self, context, image_id):
        """Yield the image data."""

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
    """``GET {endpoint}/v2/images/{id}`` and ``GET {endpoint}/v2/images/{id}/file``."""

    def __init__(self, endpoint, timeout=60):
        self.endpoint = endpoint.rstrip('/')
        self.timeout = timeout
        self._local = threading.local()

    @property
    def session(self):
        """One requests session (connection pool) per thread: sessions are not
        thread-safe, and boots run in parallel."""
        if not hasattr(self._local, 'session'):
            self._local.session = requests.Session()
        return self._local.session

    def _headers(self, context):
        token = getattr(context, 'auth_token', None)
        return {'X-Auth-Token': token} if token else {}

    def _get(self, context, path, image_id, stream=False):
        url = '%s/v2/images/%s%s' % (self.endpoint, image_id, path)
        try:
            resp = self.session.get(url, headers=self._headers(context), stream=stream,
                                    timeout=self.timeout)
        except requests.RequestException as error:
            raise exception.ImageDownloadFailed(image_id=image_id,
                                                reason=str(error)) from error
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

    def _chunks(self, context, image_id):
        resp = self._get(context, '/file', image_id, stream=True)
        try:
            yield from resp.iter_content(_CHUNK)
        except requests.RequestException as error:
            raise exception.ImageDownloadFailed(image_id=image_id,
                                                reason=str(error)) from error
        finally:
            resp.close()


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


def get_client() -> ImageClient:
    if CONF.image.api_endpoint:
        return HttpImageClient(CONF.image.api_endpoint)
    return StoreImageClient(CONF.image.store_path)
