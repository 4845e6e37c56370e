"""A small threaded HTTP server for the API (the all-in-one and nimbus-api).

Deployments may instead run ``api_svc.wsgi:init_application`` under uwsgi or gunicorn.
"""
import socketserver
from wsgiref import simple_server

from svc_common import exception

_MAX_LINE = 4096


class _Handler(simple_server.WSGIRequestHandler):
    # HTTP/1.0: one request per connection, which wsgiref handles correctly.

    def log_message(self, format, *args):  # access logging is done by the app
        pass


class _ThreadingServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class ChunkedInput:
    """A request body sent with ``Transfer-Encoding: chunked`` (as Tempest and
    glanceclient upload image data), read as the plain bytes it carries. wsgiref
    passes such a body on undecoded."""

    def __init__(self, stream):
        self._stream = stream
        self._left = 0  # bytes of the current chunk not read yet
        self._eof = False

    def _start_chunk(self):
        line = self._stream.readline(_MAX_LINE)
        try:
            self._left = int(line.split(b';', 1)[0], 16)
        except ValueError:
            raise exception.Invalid(message='Malformed chunked request body.')
        if self._left == 0:
            while self._stream.readline(_MAX_LINE) not in (b'\r\n', b'\n', b''):
                pass  # trailer fields
            self._eof = True

    def read(self, size=-1):
        size = -1 if size is None else size
        parts = []
        while not self._eof and size != 0:
            if not self._left:
                self._start_chunk()
                continue
            data = self._stream.read(self._left if size < 0 else min(size, self._left))
            if not data:
                raise exception.Invalid(message='The request body ended inside a chunk.')
            self._left -= len(data)
            if not self._left:
                self._stream.readline(_MAX_LINE)  # the CRLF that closes the chunk
            parts.append(data)
            if size > 0:
                size -= len(data)
        return b''.join(parts)


def _decoding_chunks(app):
    def app_with_chunked_input(environ, start_response):
        if environ.get('HTTP_TRANSFER_ENCODING', '').lower() == 'chunked':
            environ['wsgi.input'] = ChunkedInput(environ['wsgi.input'])
            environ['wsgi.input_terminated'] = True  # read to the end: no length
        return app(environ, start_response)
    return app_with_chunked_input


def make_server(app, host, port):
    """Bound and ready; call serve_forever() (in a thread) and later shutdown()."""
    return simple_server.make_server(host, port, _decoding_chunks(app),
                                     server_class=_ThreadingServer, handler_class=_Handler)
