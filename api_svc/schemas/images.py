"""Request bodies of the image API (Glance v2 compatible)."""
from api_svc.schemas import types

DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso',
                'ploop']
CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed']
VISIBILITIES = ['public', 'private', 'shared', 'community']

# Attributes no request may set.
READ_ONLY = frozenset({'status', 'size', 'virtual_size', 'checksum', 'os_hash_algo',
                       'os_hash_value', 'created_at', 'updated_at', 'self', 'file', 'schema',
                       'location', 'locations', 'direct_url', 'deleted', 'deleted_at',
                       'stores'})

# Attributes with a column (everything else is a free string property).
CORE = {
    'id': {'type': 'string', 'pattern': '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F])'
                                        '{4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'},
    'name': {'type': ['null', 'string'], 'maxLength': 255,
             'pattern': r'^%s*$' % types.PRINTABLE},
    'disk_format': {'type': ['null', 'string'], 'enum': [None] + DISK_FORMATS},
    'container_format': {'type': ['null', 'string'], 'enum': [None] + CONTAINER_FORMATS},
    'visibility': {'type': 'string', 'enum': VISIBILITIES},
    'protected': {'type': 'boolean'},
    'os_hidden': {'type': 'boolean'},
    'min_disk': {'type': 'integer', 'minimum': 0, 'maximum': 2 ** 31 - 1},
    'min_ram': {'type': 'integer', 'minimum': 0, 'maximum': 2 ** 31 - 1},
    'owner': {'type': ['null', 'string'], 'maxLength': 255},
    'tags': {'type': 'array', 'items': {'type': 'string', 'maxLength': 255},
             'uniqueItems': True},
}

image = {
    'type': 'object',
    'properties': CORE,
    'additionalProperties': {'type': 'string', 'maxLength': 65535},
}

# Image data: any bytes.
image_data = {'type': 'string', 'format': 'binary'}

location = {  # POST /v2/images/{id}/locations (a queued image's data already in the store)
    'type': 'object',
    'properties': {'url': {'type': 'string', 'minLength': 1, 'maxLength': 2048},
                   'validation_data': {'type': 'object'}},
    'required': ['url'],
    'additionalProperties': False,
}

patch = {
    'type': 'array',
    'items': {
        'type': 'object',
        'properties': {'op': {'type': 'string', 'enum': ['add', 'replace', 'remove']},
                       'path': {'type': 'string', 'pattern': '^/.+'},
                       'value': {}},
        'required': ['op', 'path'],
    },
}
