"""Turning errors into HTTP answers: Compute's fault bodies and Glance's plain errors.

Domain code raises ``svc_common.exception`` errors; this is the one place that decides
what a client sees for each of them.
"""
from oslo_db import exception as db_exc
from oslo_log import log as logging
import webob.exc

from api_svc import request as api_request
from svc_common import exception

LOG = logging.getLogger(__name__)

# The top-level key of a Compute error body, by status code.
_FAULT_NAMES = {
    400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound',
    405: 'badMethod', 406: 'HTTPNotAcceptable', 409: 'conflictingRequest',
    413: 'overLimit', 415: 'badMediaType', 429: 'overLimit', 501: 'notImplemented',
    503: 'serviceUnavailable',
}


def classify(error, request_id=None):
    """(status code, message) for any exception; unexpected ones are logged."""
    if isinstance(error, exception.NimbusException):
        return error.code, error.message
    if isinstance(error, webob.exc.HTTPException):
        return error.code, error.explanation or error.title
    if isinstance(error, db_exc.DBConnectionError):
        LOG.error('Database unavailable: %s', error)
        return 503, 'The database is unavailable; try again later.'
    LOG.exception('Unexpected error serving request %s', request_id)
    return 500, ('Unexpected API Error. The API log holds the details under request id '
                 '%s.\n%s' % (request_id, type(error)))


def compute_fault(error, request_id=None):
    code, message = classify(error, request_id)
    name = 'overLimit' if isinstance(error, exception.OverQuota) else \
        _FAULT_NAMES.get(code, 'computeFault')
    return api_request.json_response({name: {'code': code, 'message': message}},
                                     status=code)


def image_fault(error, request_id=None):
    """Glance answers with webob's own error pages (HTML, or JSON when asked)."""
    code, message = classify(error, request_id)
    cls = webob.exc.status_map.get(code, webob.exc.HTTPInternalServerError)
    return cls(explanation=message)
