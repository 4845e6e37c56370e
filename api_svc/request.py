"""The request object handlers receive, and small helpers for answering it."""
import json
import math

from oslo_utils import strutils
from oslo_utils import timeutils
import webob

from api_svc.schemas.types import MAX_INT
from api_svc import validation
from svc_common.conf import CONF
from svc_common import exception

CONTEXT_KEY = 'nimbus.context'
VERSION_KEY = 'nimbus.api_version'
SERVICES_KEY = 'nimbus.services'

JSON_TYPES = ('application/json',)
# No request body of either API nests deeper than a few levels.
MAX_JSON_DEPTH = 32
_MALFORMED = 'Malformed request body: the body is not valid JSON.'


def parse_json(data):
    """A JSON document from bytes; 400 when malformed (NaN and Infinity are not JSON,
    nor numbers too large for a float), not UTF-8 (lone surrogates included) or nested
    deeper than MAX_JSON_DEPTH."""
    try:
        value = json.loads(data, parse_constant=_not_json, parse_float=_finite)
    except RecursionError:
        raise exception.Invalid(message='Malformed request body: nested deeper than %d '
                                        'levels.' % MAX_JSON_DEPTH)
    except (ValueError, UnicodeDecodeError):
        raise exception.Invalid(message=_MALFORMED)
    _check_json(value)
    return value


def _not_json(name):
    raise ValueError('%s is not JSON' % name)


def _finite(text):
    number = float(text)
    if math.isinf(number):
        raise ValueError('%s is too large' % text)
    return number


def _check_json(value):
    """Depth, and strings Python can encode back (JSON's escapes can make lone
    surrogates, which no database or log accepts)."""
    level = [value]
    for _ in range(MAX_JSON_DEPTH + 1):
        deeper = []
        for item in level:
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key)
                    deeper.append(child)
            elif isinstance(item, list):
                deeper.extend(item)
            elif isinstance(item, str):
                _check_text(item)
        if not deeper:
            return
        level = deeper
    raise exception.Invalid(message='Malformed request body: nested deeper than %d '
                                    'levels.' % MAX_JSON_DEPTH)


def _check_text(text):
    """No lone surrogates (JSON escapes can make them; nothing can store them) and no
    NUL (PostgreSQL's text cannot hold it; no value of either API has one)."""
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        raise exception.Invalid(message='Malformed request body: a string holds a lone '
                                        'surrogate (not valid Unicode).')
    if '\x00' in text:
        raise exception.Invalid(message='Malformed request body: a string holds a NUL '
                                        'character.')


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

    def json_body(self, required=True, content_types=JSON_TYPES):
        """The JSON body; 400 when it is missing (and required), malformed or nested
        deeper than MAX_JSON_DEPTH, 415 when its Content-Type is not in
        ``content_types`` (a body without one is taken as JSON, as Nova does)."""
        body = self.body
        if not body:
            if required:
                raise exception.Invalid(message='The request body is empty or missing.')
            return None
        if self.content_type and self.content_type not in content_types:
            raise exception.UnsupportedMediaType(content_type=self.content_type)
        return parse_json(body)

    def check_text(self):
        """400 for a path or query string that is not UTF-8 (webob decodes them when
        first asked, and would fail in whatever handler asked first) or holds NUL."""
        try:
            texts = [self.path_info] + [t for item in self.GET.items() for t in item]
        except UnicodeDecodeError:
            raise exception.Invalid(message='The request URL is not valid UTF-8.')
        if any('\x00' in text for text in texts):
            raise exception.Invalid(message='The request URL holds a NUL character.')

    def validated_body(self, body=None):
        """``body`` (else the JSON body) once it matches the schema the running handler
        declared with ``@validation.body``."""
        schema = validation.schema_at(self.environ[validation.BODY_SCHEMA_KEY],
                                      self.environ.get(VERSION_KEY))
        return validation.validate(schema, self.json_body() if body is None else body)

    # -- query parameters ---------------------------------------------------------
    def query_int(self, name, default=None, minimum=None, maximum=MAX_INT):
        """An integer parameter within [minimum, maximum] (None: unbounded)."""
        value = self.GET.get(name)
        if value is None:
            return default
        return to_int(value, name, minimum, maximum)

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
        return to_time(value, name)

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
        limit = self.query_int('limit', minimum=0, maximum=None)
        limit = CONF.api.max_limit if limit is None else min(limit, CONF.api.max_limit)
        return limit, self.GET.get('marker')

    # -- links --------------------------------------------------------------------
    @property
    def base_url(self):
        """The service root links are built from: [api]/public_endpoint or this host."""
        if CONF.api.public_endpoint:
            return CONF.api.public_endpoint.rstrip('/')
        return self.application_url




def to_int(value, field, minimum=None, maximum=MAX_INT):
    """``value`` (an int or a digit string from a body or query) as an int within
    [minimum, maximum]; 400 otherwise -- for more digits than int() takes as well."""
    shown = validation.short_repr(value)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise exception.ValidationError(field=field, reason='%s is not an integer.' % shown)
    if minimum is not None and number < minimum:
        raise exception.ValidationError(field=field,
                                        reason='%s must be >= %d.' % (shown, minimum))
    if maximum is not None and number > maximum:
        raise exception.ValidationError(field=field,
                                        reason='%s must be <= %d.' % (shown, maximum))
    return number


def to_time(value, field):
    """An ISO 8601 time that is one in UTC as well (an offset may take a time at the
    ends of the calendar past them)."""
    try:
        parsed = timeutils.parse_isotime(value)
        timeutils.normalize_time(parsed)
    except (ValueError, OverflowError):
        raise exception.ValidationError(
            field=field, reason='%s is not an ISO 8601 time within the years 1 to 9999 in '
                                'UTC.' % validation.short_repr(value))
    return parsed


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
