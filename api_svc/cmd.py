"""nimbus-api: the API in its own process, on the small threaded HTTP server."""
import sys
import threading
import time

from oslo_log import log as logging

from api_svc import server
from api_svc import wsgi
from svc_common.cmd import common
from svc_common.conf import CONF
from svc_common import rpc
from svc_common import service

LOG = logging.getLogger(__name__)


class InFlight:
    """Counts requests being served, so a stopping server can let them finish."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.count += 1
        try:
            return _ClosingIterator(self.app(environ, start_response), self._done)
        except BaseException:
            self._done()
            raise

    def _done(self):
        with self._lock:
            self.count -= 1

    def wait(self, timeout):
        deadline = time.monotonic() + timeout
        while self.count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.count == 0


class _ClosingIterator:
    """A response body that reports when the server is done with it."""

    def __init__(self, body, on_close):
        self._body = body
        self._on_close = on_close

    def __iter__(self):
        return iter(self._body)

    def close(self):
        try:
            if hasattr(self._body, 'close'):
                self._body.close()
        finally:
            self._on_close()


def main(argv=None):
    common.setup(sys.argv[1:] if argv is None else argv, 'nimbus-api')
    common.init_database()
    rpc.init(CONF)
    app = InFlight(wsgi.build_app())
    httpd = server.make_server(app, CONF.api.listen, CONF.api.port)
    thread = threading.Thread(target=httpd.serve_forever, name='api-http', daemon=True)
    thread.start()
    LOG.info('nimbus-api listening on %s:%s', CONF.api.listen, httpd.server_port)
    service.wait_for_signal()
    httpd.shutdown()
    if not app.wait(CONF.api.graceful_shutdown_timeout):
        LOG.warning('Stopping with %d request(s) still in flight', app.count)
    httpd.server_close()
    rpc.cleanup()
