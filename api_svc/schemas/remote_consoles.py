"""Request body of POST /servers/{id}/remote-consoles, per microversion."""
import copy

_create = {
    'type': 'object',
    'properties': {'remote_console': {
        'type': 'object',
        'properties': {
            'protocol': {'type': 'string', 'enum': ['vnc', 'spice', 'rdp', 'serial']},
            'type': {'type': 'string', 'enum': ['novnc', 'xvpvnc', 'rdp-html5',
                                                'spice-html5', 'serial']},
        },
        'required': ['protocol', 'type'],
        'additionalProperties': False,
    }},
    'required': ['remote_console'],
    'additionalProperties': False,
}


def create(version):
    schema = copy.deepcopy(_create)
    console = schema['properties']['remote_console']['properties']
    if version.matches('2.8'):  # VMware's MKS consoles
        console['protocol']['enum'].append('mks')
        console['type']['enum'].append('webmks')
    if version.matches('2.99'):  # SPICE for native clients
        console['type']['enum'].append('spice-direct')
    return schema
