"""Request body of PUT /os-quota-sets/{project_id}, per microversion."""
from api_svc import quota

limit = {'type': ['integer', 'string'], 'pattern': '^-?[0-9]+$', 'minimum': -1}


def update(version):
    props = {name: limit for name in quota.resources_for(version)}
    props['force'] = {'type': ['boolean', 'string']}
    return {
        'type': 'object',
        'properties': {'quota_set': {'type': 'object', 'properties': props,
                                     'additionalProperties': False}},
        'required': ['quota_set'],
        'additionalProperties': False,
    }
