"""The request object handlers receive, and small helpers for answering it."""
import json

from oslo_utils import strutils
from oslo_utils import timeutils
import webob

from svc_common.conf import CONF
from svc_common import exception

CONTEXT_KEY = 'nimbus.context'
VERSION_KEY = 'nimbus.api_version'
SERVICES_KEY = 'nimbus.services'


class Request(webob.Request):

    @property
    def context(self):
        return self.environ[CONTEXT_KEY]

    @property
    def version(self):
        """The compute microversion (an APIVersion), for /v2.1 routes."""
        return self.environ[VERSION_KEY]

    @property
    def services(self):
        """What the composition root wired: compute_api, image store, ..."""
        return self.environ[SERVICES_KEY]

    def json_body(self, required=True):
        """The JSON body; 400 when it is missing (and required) or malformed."""
        if not self.body:
            if required:
                raise exception.Invalid(message='The request body is empty or missing.')
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise exception.Invalid(message='Malformed request body: the body is not '
                                            'valid JSON.')

    # -- query parameters ---------------------------------------------------------
    def query_int(self, name, default=None, minimum=None):
        value = self.GET.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise exception.ValidationError(field=name,
                                            reason='%r is not an integer.' % value)
        if minimum is not None and number < minimum:
            raise exception.ValidationError(
                field=name, reason='%s must be >= %d.' % (number, minimum))
        return number

    def query_bool(self, name, default=None):
        value = self.GET.get(name)
        if value is None:
            return default
        try:
            return strutils.bool_from_string(value, strict=True)
        except ValueError:
            raise exception.ValidationError(field=name,
                                            reason='%r is not a boolean.' % value)

    def query_time(self, name):
        """An ISO 8601 time parameter (a datetime), or None when absent."""
        value = self.GET.get(name)
        if value is None:
            return None
        try:
            return timeutils.parse_isotime(value)
        except ValueError:
            raise exception.ValidationError(field=name,
                                            reason='%r is not an ISO 8601 time.' % value)

    def check_query(self, known, since='2.75'):
        """From microversion ``since`` (2.75 for the APIs it made strict, 2.102 for the
        rest) a query parameter not in ``known`` is an error; before, it is ignored."""
        if not self.version.matches(since):
            return
        unknown = sorted(set(self.GET) - set(known))
        if unknown:
            raise exception.ValidationError(
                field='query parameters',
                reason='Additional properties are not allowed (%s unexpected)'
                       % ', '.join(repr(name) for name in unknown))

    def paging(self):
        """(limit, marker) with limit capped at [api]/max_limit."""
        limit = self.query_int('limit', minimum=0)
        limit = CONF.api.max_limit if limit is None else min(limit, CONF.api.max_limit)
        return limit, self.GET.get('marker')

    # -- links --------------------------------------------------------------------
    @property
    def base_url(self):
        """The service root links are built from: [api]/public_endpoint or this host."""
        if CONF.api.public_endpoint:
            return CONF.api.public_endpoint.rstrip('/')
        return self.application_url


def json_response(body, status=200, headers=None):
    resp = webob.Response(status=status, content_type='application/json', charset=None)
    resp.body = json.dumps(body).encode('utf-8')
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def empty_response(status=204):
    resp = webob.Response(status=status, charset=None)
    resp.content_type = None
    return resp
