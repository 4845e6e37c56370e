"""JSON-schema validation of request bodies, with Nova-style error messages."""
import jsonschema

from svc_common import exception

_VALIDATOR = jsonschema.Draft4Validator


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
        reason = 'Value: %s. %s' % (_short(error.instance), error.message)
    raise exception.ValidationError(field=field, reason=reason)


def _short(value):
    text = repr(value)
    return text if len(text) < 200 else text[:197] + '...'
