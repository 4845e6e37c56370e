"""Request bodies of the flavor access actions (POST /flavors/{id}/action)."""

_tenant = {'type': 'string', 'minLength': 1, 'maxLength': 255, 'pattern': r'^\S+$'}


def _action(name):
    return {
        'type': 'object',
        'properties': {name: {'type': 'object', 'properties': {'tenant': _tenant},
                              'required': ['tenant'], 'additionalProperties': False}},
        'required': [name],
        'additionalProperties': False,
    }


add_tenant_access = _action('addTenantAccess')
remove_tenant_access = _action('removeTenantAccess')
