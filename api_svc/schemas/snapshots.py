"""Request bodies of createImage and createBackup."""
from api_svc.schemas import types

create_image = {
    'type': 'object',
    'properties': {'createImage': {
        'type': 'object',
        'properties': {'name': types.name, 'metadata': types.metadata},
        'required': ['name'],
        'additionalProperties': False,
    }},
    'required': ['createImage'],
    'additionalProperties': False,
}

create_backup = {
    'type': 'object',
    'properties': {'createBackup': {
        'type': 'object',
        'properties': {'name': types.name,
                       'backup_type': {'type': 'string'},
                       'rotation': types.non_negative_int,
                       'metadata': types.metadata},
        'required': ['name', 'backup_type', 'rotation'],
        'additionalProperties': False,
    }},
    'required': ['createBackup'],
    'additionalProperties': False,
}
