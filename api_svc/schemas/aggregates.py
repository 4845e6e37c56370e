"""Request bodies of os-aggregates."""
from api_svc.schemas import types

zone = types.availability_zone
_nullable_zone = types.nullable_availability_zone


def _wrapped(key, inner):
    return {'type': 'object', 'properties': {key: inner}, 'required': [key],
            'additionalProperties': False}


create = _wrapped('aggregate', {
    'type': 'object',
    'properties': {'name': types.name, 'availability_zone': _nullable_zone},
    'required': ['name'],
    'additionalProperties': False,
})

update = _wrapped('aggregate', {
    'type': 'object',
    'properties': {'name': types.name, 'availability_zone': _nullable_zone},
    'minProperties': 1,
    'additionalProperties': False,
})

_host = {'type': 'object', 'properties': {'host': types.name}, 'required': ['host'],
         'additionalProperties': False}

add_host = _wrapped('add_host', _host)
remove_host = _wrapped('remove_host', _host)

_metadata_key = r'^[a-zA-Z0-9-_:. ]{1,255}$'
set_metadata = _wrapped('set_metadata', _wrapped('metadata', {
    'type': 'object',
    'patternProperties': {_metadata_key: {'type': ['string', 'null'], 'maxLength': 255}},
    'additionalProperties': False,
}))

# 2.81: ask the aggregate's hosts to cache images.
cache_images = _wrapped('cache', {
    'type': 'array', 'minItems': 1, 'uniqueItems': True,
    'items': {'type': 'object', 'properties': {'id': types.uuid}, 'required': ['id'],
              'additionalProperties': False},
})
