"""Request body of POST /os-keypairs, per microversion."""
from svc_common.objects import keypair as keypair_obj


def _name(special):
    """1-255 of letters, digits, '_', '-', spaces and ``special``, no space at either
    end."""
    return {'type': 'string', 'minLength': 1, 'maxLength': 255,
            'pattern': r'^(?! )[a-zA-Z0-9 _%s-]*(?<! )$' % special}


def create(version):
    """2.2 adds the type, 2.10 the owner (admins), and 2.92 ends generation (a public
    key is required) and allows '@' and '.' in names."""
    keypair = {'name': _name(r'@.' if version.matches('2.92') else ''),
               'public_key': {'type': 'string'}}
    if version.matches('2.2'):
        keypair['type'] = {'type': 'string', 'enum': list(keypair_obj.TYPES)}
    if version.matches('2.10'):
        keypair['user_id'] = {'type': 'string'}
    required = ['name', 'public_key'] if version.matches('2.92') else ['name']
    return {
        'type': 'object',
        'properties': {'keypair': {'type': 'object', 'properties': keypair,
                                   'required': required, 'additionalProperties': False}},
        'required': ['keypair'],
        'additionalProperties': False,
    }
