"""Request body of POST /os-server-groups, per microversion."""
from api_svc.schemas import types
from svc_common.objects import instance_group as group_obj

_HARD = [group_obj.ANTI_AFFINITY, group_obj.AFFINITY]


def _policies(version):
    """The names a group may have: 2.15 adds the soft policies."""
    return list(group_obj.POLICIES) if version.matches('2.15') else _HARD


def create(version):
    """Before 2.64 ``policies``, a list of exactly one name; from 2.64 ``policy`` and
    optional ``rules`` (max_server_per_host, for anti-affinity only: the handler
    checks that)."""
    if version.matches('2.64'):
        group = {'name': types.name,
                 'policy': {'type': 'string', 'enum': _policies(version)},
                 'rules': {'type': 'object',
                           'properties': {group_obj.MAX_SERVER_PER_HOST: types.positive_int},
                           'additionalProperties': False}}
        required = ['name', 'policy']
    else:
        group = {'name': types.name,
                 'policies': {'type': 'array', 'minItems': 1, 'maxItems': 1,
                              'items': {'type': 'string', 'enum': _policies(version)}}}
        required = ['name', 'policies']
    return {
        'type': 'object',
        'properties': {'server_group': {'type': 'object', 'properties': group,
                                        'required': required,
                                        'additionalProperties': False}},
        'required': ['server_group'],
        'additionalProperties': False,
    }
