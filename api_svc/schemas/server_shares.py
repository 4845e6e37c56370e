"""Request body of POST /servers/{id}/shares (2.97)."""
from api_svc.schemas import types

create = {
    'type': 'object',
    'properties': {'share': {
        'type': 'object',
        'properties': {
            'share_id': types.uuid,
            'tag': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                    'pattern': '^[a-zA-Z0-9-_]+$'},
        },
        'required': ['share_id'],
        'additionalProperties': False,
    }},
    'required': ['share'],
    'additionalProperties': False,
}
