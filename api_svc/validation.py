"""JSON-schema validation of request bodies, with Nova-style error messages."""
import functools
import re

import jsonschema

from svc_common import exception


@functools.lru_cache(maxsize=512)
def _anchored(pattern):
    """``pattern`` with a final ``$`` that matches only at the very end: Python's ``$``
    also matches before a trailing newline, so 'uuid\\n' passed an id pattern (and
    became a file name)."""
    if pattern.endswith('$') and not pattern.endswith('\\$'):
        pattern = pattern[:-1] + r'\Z'
    return re.compile(pattern)


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, 'string') and not _anchored(pattern).search(instance):
        yield jsonschema.ValidationError('%r does not match %r' % (instance, pattern))


_DRAFT4_ADDITIONAL = jsonschema.Draft4Validator.VALIDATORS['additionalProperties']


def _additional_properties(validator, additional, instance, schema):
    """As Draft 4's, but a key that matches a patternProperties pattern only thanks to
    a trailing newline is not one of them."""
    if validator.is_type(instance, 'object') and additional is False:
        patterns = schema.get('patternProperties') or {}
        loose = sorted(k for k in instance if k not in schema.get('properties', {}) and
                       any(re.search(p, k) for p in patterns) and
                       not any(_anchored(p).search(k) for p in patterns))
        if loose:
            yield jsonschema.ValidationError(
                '%s do not match any of the regexes: %s' % (
                    ', '.join(map(repr, loose)), ', '.join(map(repr, sorted(patterns)))))
    yield from _DRAFT4_ADDITIONAL(validator, additional, instance, schema)


_VALIDATOR = jsonschema.validators.extend(
    jsonschema.Draft4Validator, {'pattern': _pattern,
                                 'additionalProperties': _additional_properties})


def validate(schema, body):
    """Raise ValidationError (400) naming the field at fault, or return ``body``."""
    error = jsonschema.exceptions.best_match(
        _VALIDATOR(schema, format_checker=_VALIDATOR.FORMAT_CHECKER).iter_errors(body))
    if error is None:
        return body
    # absolute_path: an error found inside a oneOf/anyOf branch has a path relative
    # to the value the branch was tried on.
    field = '/'.join(str(p) for p in error.absolute_path) or 'body'
    if error.validator in ('required', 'additionalProperties'):
        reason = error.message
    else:
        reason = 'Value: %s. %s' % (short_repr(error.instance), error.message)
    raise exception.ValidationError(field=field, reason=reason)


def short_repr(value):
    """A value as error messages quote it: at most 200 characters."""
    text = repr(value)
    return text if len(text) < 200 else text[:197] + '...'


# -- declared request bodies -------------------------------------------------------------
BODY_SCHEMA_KEY = 'nimbus.body_schema'
JSON = 'application/json'


def body(schema, content_type=JSON):
    """Declare the body a handler takes: a JSON schema, a function of the microversion
    returning one, or None for no body. The handler validates with
    ``req.validated_body()`` where it chooses to (after its policy checks); the OpenAPI
    document (api_svc/openapi.py) reads the same declaration."""
    def declare(handler):
        @functools.wraps(handler)
        def with_body(req, *args, **kwargs):
            req.environ[BODY_SCHEMA_KEY] = schema
            return handler(req, *args, **kwargs)
        with_body.body_schema = schema
        with_body.body_content_type = content_type
        return with_body
    return declare


def schema_at(schema, version):
    """A declared schema as it stands at ``version``; a function's is made once per
    version and shared (a server create's is a deep copy of its base: ~80 µs at every
    request, ~2% of that request's CPU), so it is not to be changed."""
    return _made_at(schema, version) if callable(schema) else schema


@functools.lru_cache(maxsize=4096)
def _made_at(schema, version):
    return schema(version)
