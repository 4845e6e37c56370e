"""Request bodies of shelve, shelveOffload and unshelve, per microversion."""
from api_svc.schemas import types


def _null_or(action, args=None):
    """null or an object of ``args`` (none: an empty object, which clients such as
    Tempest send and Nova takes)."""
    body = {'type': ['object', 'null'], 'maxProperties': 0}
    if args is not None:
        body = {'type': ['object', 'null'], 'properties': args,
                'additionalProperties': False}
    return {'type': 'object', 'properties': {action: body}, 'required': [action],
            'additionalProperties': False}


shelve = _null_or('shelve')
shelve_offload = _null_or('shelveOffload')


def unshelve(version):
    """null; from 2.77 an availability zone; from 2.91 also a host, and a null zone
    (unpin the server)."""
    if version.matches('2.91'):
        return _null_or('unshelve', {
            'availability_zone': types.nullable_availability_zone,
            'host': {'type': 'string', 'minLength': 1, 'maxLength': 255}})
    if version.matches('2.77'):
        return _null_or('unshelve', {'availability_zone': types.availability_zone})
    return _null_or('unshelve')
