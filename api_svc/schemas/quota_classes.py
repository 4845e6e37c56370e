"""Request body of PUT /os-quota-class-sets/{class}, per microversion."""
from api_svc import quota
from api_svc.schemas import quota_sets

# A quota class is named in the path: any name its table column holds.
class_name = {'type': 'string', 'minLength': 1, 'maxLength': 255}


def update(version):
    props = {name: quota_sets.limit for name in quota.class_resources_for(version)}
    return {
        'type': 'object',
        'properties': {'quota_class_set': {'type': 'object', 'properties': props,
                                           'additionalProperties': False}},
        'required': ['quota_class_set'],
        'additionalProperties': False,
    }
