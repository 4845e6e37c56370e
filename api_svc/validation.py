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
    if error.validator == 'required' or error.validator == 'additionalProperties':
        field = '/'.join(str(p) for p in error.path) or 'body'
        reason = error.message
    else:
        field = '/'.join(str(p) for p in error.path) or 'body'
        reason = 'Value: %s. %s' % (_short(error.instance), error.message)
    raise exception.ValidationError(field=field, reason=reason)


def _short(value):
    text = repr(value)
    return text if len(text) < 200 else text[:197] + '...'
