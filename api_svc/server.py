"""A small threaded HTTP server for the API (the all-in-one and nimbus-api).

Deployments may instead run ``api_svc.wsgi:init_application`` under uwsgi or gunicorn.
"""
import socketserver
from wsgiref import simple_server


class _Handler(simple_server.WSGIRequestHandler):
    # HTTP/1.0: one request per connection, which wsgiref handles correctly.

    def log_message(self, format, *args):  # access logging is done by the app
        pass


class _ThreadingServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(app, host, port):
    """Bound and ready; call serve_forever() (in a thread) and later shutdown()."""
    return simple_server.make_server(host, port, app, server_class=_ThreadingServer,
                                     handler_class=_Handler)
