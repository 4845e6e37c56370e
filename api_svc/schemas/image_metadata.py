"""Request bodies of the image metadata proxy (/images/{id}/metadata, until 2.38)."""
from api_svc.schemas import types

metadata = {'type': 'object', 'properties': {'metadata': types.metadata},
            'required': ['metadata'], 'additionalProperties': False}

meta_item = {'type': 'object',
             'properties': {'meta': dict(types.metadata, minProperties=1, maxProperties=1)},
             'required': ['meta'], 'additionalProperties': False}
