"""Request bodies of the flavors API."""
import copy

from api_svc.schemas import types

_flavor_id = {'type': ['string', 'integer', 'null'], 'minLength': 1, 'maxLength': 255,
              'pattern': r'^(?! )[a-zA-Z0-9. _-]+(?<! )$'}

_create = {
    'type': 'object',
    'properties': {'flavor': {
        'type': 'object',
        'properties': {
            'name': types.name,
            'id': _flavor_id,
            'ram': types.positive_int,
            'vcpus': types.positive_int,
            'disk': types.non_negative_int,
            'OS-FLV-EXT-DATA:ephemeral': types.non_negative_int,
            'swap': {'oneOf': [types.non_negative_int, {'type': 'string', 'enum': ['']}]},
            'rxtx_factor': {'type': ['number', 'string'],
                            'pattern': r'^[0-9]+(\.[0-9]+)?$',
                            'minimum': 0, 'exclusiveMinimum': True},
            'os-flavor-access:is_public': types.boolean,
        },
        'required': ['name', 'ram', 'vcpus', 'disk'],
        'additionalProperties': False,
    }},
    'required': ['flavor'],
    'additionalProperties': False,
}

_description = {'type': ['string', 'null'], 'minLength': 0, 'maxLength': 65535}


def create(version):
    schema = copy.deepcopy(_create)
    properties = schema['properties']['flavor']['properties']
    if version.matches('2.55'):
        properties['description'] = _description
    if version.matches('2.102'):
        del properties['rxtx_factor']  # it never did anything
    return schema


update = {
    'type': 'object',
    'properties': {'flavor': {
        'type': 'object',
        'properties': {'description': _description},
        'required': ['description'],
        'additionalProperties': False,
    }},
    'required': ['flavor'],
    'additionalProperties': False,
}

_spec_key = r'^[a-zA-Z0-9-_:. ]{1,255}$'
_spec_value = {'type': ['string', 'number', 'boolean'], 'maxLength': 255}

extra_specs = {
    'type': 'object',
    'properties': {'extra_specs': {
        'type': 'object',
        'patternProperties': {_spec_key: _spec_value},
        'additionalProperties': False,
    }},
    'required': ['extra_specs'],
    'additionalProperties': False,
}

one_extra_spec = {
    'type': 'object',
    'patternProperties': {_spec_key: _spec_value},
    'minProperties': 1, 'maxProperties': 1,
    'additionalProperties': False,
}
