"""A request body's size limit: 413 in the API's error format for anything larger than
[api]/max_request_body_size, image data uploads excepted (the image store caps those).

A body with a Content-Length over the limit is refused before any of it is read; one
without (chunked, under servers that pass chunks on decoded) is read through a reader
that fails once the limit is passed.
"""
import re

from api_svc import faults
from svc_common.conf import CONF
from svc_common import exception

_IMAGE_DATA = re.compile(r'^/image/v2/images/[^/]+/file/?$')


class RequestTooLarge(exception.NimbusException):
    msg_fmt = 'Request is too large: the body may hold at most %(limit)d bytes.'
    code = 413


class _LimitedInput:
    def __init__(self, stream, limit):
        self._stream = stream
        self._left = limit
        self._limit = limit

    def _take(self, data):
        self._left -= len(data)
        if self._left < 0:
            raise RequestTooLarge(limit=self._limit)
        return data

    def read(self, size=-1):
        if size is None or size < 0 or size > self._left + 1:
            size = self._left + 1
        return self._take(self._stream.read(size))

    def readline(self, size=-1):
        if size is None or size < 0 or size > self._left + 1:
            size = self._left + 1
        return self._take(self._stream.readline(size))

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line


def _fault(environ, error):
    if environ.get('PATH_INFO', '').startswith('/image'):
        return faults.image_fault(error)
    return faults.compute_fault(error)


class BodySizeLimit:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if _IMAGE_DATA.match(environ.get('PATH_INFO', '')):
            return self.app(environ, start_response)
        limit = CONF.api.max_request_body_size
        length = environ.get('CONTENT_LENGTH')
        try:
            if length:
                if int(length) > limit:
                    raise RequestTooLarge(limit=limit)
            elif 'wsgi.input' in environ:
                environ['wsgi.input'] = _LimitedInput(environ['wsgi.input'], limit)
        except RequestTooLarge as error:
            return _fault(environ, error)(environ, start_response)
        except ValueError:
            return _fault(environ, exception.Invalid(
                reason='Content-Length is not a number.'))(environ, start_response)
        return self.app(environ, start_response)
