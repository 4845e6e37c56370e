"""The API's HTTP server (the all-in-one and nimbus-api): waitress, with a production
server's limits.

waitress reads each request, body included, in its event loop before a worker thread
sees it, so a client that sends slowly or stops half-way holds no thread; a connection
idle for [api]/client_socket_timeout is closed; [api]/threads workers serve requests
and [api]/connection_limit connections are open at most. It decodes chunked bodies
itself (refusing malformed chunk sizes with a 400 before reading further), and a body
over the largest image upload is refused (413) from its headers.

Deployments may instead run ``api_svc.wsgi:init_application`` (nimbus-api-wsgi) under
uwsgi or gunicorn.
"""
import logging

from waitress import server as waitress_server
from waitress import wasyncore

from svc_common.conf import CONF

# Slack over the image size cap for a chunked upload's framing and a JSON body's size.
_BODY_SLACK = 1024 * 1024


class Server:
    """Bound and ready; call serve_forever() (in a thread) and later shutdown() and
    server_close()."""

    def __init__(self, app, host, port):
        self._map = {}
        self._server = waitress_server.create_server(
            app, map=self._map, host=host, port=port, threads=CONF.api.threads,
            connection_limit=CONF.api.connection_limit,
            channel_timeout=CONF.api.client_socket_timeout,
            cleanup_interval=max(1, min(30, CONF.api.client_socket_timeout // 2)),
            max_request_body_size=CONF.image.max_image_size_mb * 1024 * 1024 + _BODY_SLACK,
            ident='nimbus', expose_tracebacks=False, asyncore_use_poll=True)
        # waitress logs a client that went away mid-request as an error of its own.
        logging.getLogger('waitress.queue').setLevel(logging.WARNING)

    @property
    def server_port(self):
        return int(self._server.effective_port)

    def serve_forever(self):
        self._server.run()

    def shutdown(self):
        """Stop accepting connections; those open are still served."""
        if self._server.socket is not None:
            wasyncore.dispatcher.close(self._server)

    def server_close(self):
        """Close every connection and stop the workers (after shutdown())."""
        self.shutdown()
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        wasyncore.close_all(self._map)


def make_server(app, host, port):
    return Server(app, host, port)
