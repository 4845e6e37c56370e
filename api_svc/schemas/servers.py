"""Request bodies of the servers API, per microversion."""
import copy

from api_svc.schemas import types

_bdm_v2 = {
    'type': 'object',
    'properties': {
        'uuid': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'source_type': {'type': 'string', 'enum': ['volume', 'image', 'snapshot', 'blank']},
        'destination_type': {'type': 'string', 'enum': ['local', 'volume']},
        'boot_index': {'type': ['integer', 'string', 'null'], 'pattern': '^-?[0-9]+$'},
        'delete_on_termination': types.boolean,
        'device_name': {'type': ['string', 'null']},
        'device_type': {'type': ['string', 'null']},
        'disk_bus': {'type': ['string', 'null']},
        'guest_format': {'type': ['string', 'null']},
        'volume_size': {'type': ['integer', 'string', 'null']},
        'volume_type': {'type': ['string', 'null']},
        'tag': {'type': 'string'},
        'no_device': {},
    },
    'additionalProperties': False,
}

_server_base = {
    'type': 'object',
    'properties': {
        'name': types.name,
        'imageRef': {'type': 'string', 'maxLength': 255},
        'flavorRef': {'type': ['string', 'integer'], 'minLength': 1},
        'adminPass': {'type': 'string'},
        'metadata': types.metadata,
        'networks': {'type': 'array', 'items': {'type': 'object'}},
        'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
        'accessIPv4': types.ipv4,
        'accessIPv6': types.ipv6,
        'personality': {'type': 'array', 'items': {'type': 'object'}},
        'availability_zone': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'block_device_mapping': {'type': 'array', 'maxItems': 0},
        'block_device_mapping_v2': {'type': 'array', 'items': _bdm_v2},
        'config_drive': types.boolean,
        'key_name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'min_count': types.positive_int,
        'max_count': types.positive_int,
        'return_reservation_id': types.boolean,
        'security_groups': {'type': 'array',
                            'items': {'type': 'object',
                                      'properties': {'name': {'type': 'string'}}}},
        'user_data': {'type': 'string', 'maxLength': 65535},
    },
    'required': ['name', 'flavorRef'],
    'additionalProperties': False,
}


# same_host and different_host name servers: one UUID or a list of them ('pattern'
# checks a string, 'items' an array; no oneOf, whose errors lose the field's path);
# group names one server group by its UUID.
# Other hints stay free-form: a scheduler without their filter ignores them.
_server_uuids = {'type': ['string', 'array'], 'pattern': types.uuid['pattern'],
                 'items': types.uuid}
_scheduler_hints = {
    'type': 'object',
    'properties': {'same_host': _server_uuids, 'different_host': _server_uuids,
                   'group': types.uuid},
    'additionalProperties': True,
}


def create(version):
    server = copy.deepcopy(_server_base)
    props = server['properties']
    if version.matches('2.19'):
        props['description'] = types.description
    if version.matches('2.37'):
        props['networks'] = {'oneOf': [
            props['networks'], {'type': 'string', 'enum': ['none', 'auto']}]}
    if version.matches('2.52'):
        props['tags'] = {'type': 'array', 'items': types.tag, 'maxItems': 50}
    if version.matches('2.57'):
        del props['personality']
    if version.matches('2.63'):
        props['trusted_image_certificates'] = {'type': ['array', 'null']}
    if version.matches('2.74'):
        props['host'] = {'type': 'string', 'minLength': 1, 'maxLength': 255}
        props['hypervisor_hostname'] = {'type': 'string', 'minLength': 1, 'maxLength': 255}
    if version.matches('2.90'):
        props['hostname'] = types.hostname_for(version)
    return {
        'type': 'object',
        'properties': {'server': server,
                       'os:scheduler_hints': _scheduler_hints,
                       'OS-SCH-HNT:scheduler_hints': _scheduler_hints},
        'required': ['server'],
        'additionalProperties': False,
    }


def update(version):
    props = {
        'name': types.name,
        'accessIPv4': types.ipv4,
        'accessIPv6': types.ipv6,
        'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
    }
    if version.matches('2.19'):
        props['description'] = types.description
    if version.matches('2.90'):
        props['hostname'] = types.hostname_for(version)
    if version.matches('2.104'):
        props['pinned_availability_zone'] = types.nullable_availability_zone
    return {
        'type': 'object',
        'properties': {'server': {'type': 'object', 'properties': props,
                                  'additionalProperties': False}},
        'required': ['server'],
        'additionalProperties': False,
    }


reboot = {
    'type': 'object',
    'properties': {'reboot': {
        'type': 'object',
        'properties': {'type': {'type': 'string',
                                'enum': ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']}},
        'required': ['type'],
        'additionalProperties': False,
    }},
    'required': ['reboot'],
    'additionalProperties': False,
}

console_output = {
    'type': 'object',
    'properties': {'os-getConsoleOutput': {
        'type': 'object',
        'properties': {'length': {'type': ['integer', 'string', 'null'],
                                  'pattern': '^-?[0-9]+$', 'minimum': -1}},
        'additionalProperties': False,
    }},
    'required': ['os-getConsoleOutput'],
    'additionalProperties': False,
}

# os-start and os-stop take null (or an empty object).
def no_argument(action):
    return {'type': 'object',
            'properties': {action: {'type': ['object', 'null'], 'maxProperties': 0}},
            'required': [action], 'additionalProperties': False}


resize = {
    'type': 'object',
    'properties': {'resize': {
        'type': 'object',
        'properties': {
            'flavorRef': {'type': ['string', 'integer'], 'minLength': 1},
            'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
        },
        'required': ['flavorRef'],
        'additionalProperties': False,
    }},
    'required': ['resize'],
    'additionalProperties': False,
}


def rebuild(version):
    """{"rebuild": {"imageRef": ..., ...}}: what a server's create may name again, less
    what belongs to its host (flavor, networks, zone), plus preserve_ephemeral."""
    props = {
        'imageRef': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'name': types.name,
        'adminPass': {'type': 'string'},
        'metadata': types.metadata,
        'accessIPv4': types.ipv4,
        'accessIPv6': types.ipv6,
        'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
        'preserve_ephemeral': types.boolean,
        'personality': {'type': 'array', 'items': {'type': 'object'}},
    }
    if version.matches('2.19'):
        props['description'] = types.description
    if version.matches('2.54'):
        props['key_name'] = {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255}
    if version.matches('2.57'):
        del props['personality']
        props['user_data'] = {'type': ['string', 'null'], 'maxLength': 65535}
    if version.matches('2.63'):
        props['trusted_image_certificates'] = {'type': ['array', 'null']}
    if version.matches('2.90'):
        props['hostname'] = types.hostname_for(version)
    return {
        'type': 'object',
        'properties': {'rebuild': {'type': 'object', 'properties': props,
                                   'required': ['imageRef'],
                                   'additionalProperties': False}},
        'required': ['rebuild'],
        'additionalProperties': False,
    }


def migrate(version):
    """{"migrate": null} or {"migrate": {}} (what Tempest sends); from 2.56 also
    {"migrate": {"host": NAME}}."""
    value = {'type': ['object', 'null'], 'maxProperties': 0}
    if version.matches('2.56'):
        value = {'type': ['object', 'null'],
                 'properties': {'host': {'type': ['string', 'null'], 'minLength': 1,
                                         'maxLength': 255,
                                         'pattern': r'^[a-zA-Z0-9-._]*$'}},
                 'additionalProperties': False}
    return {'type': 'object', 'properties': {'migrate': value},
            'required': ['migrate'], 'additionalProperties': False}


def migrate_live(version):
    """os-migrateLive: host (or null) and block_migration always; disk_over_commit
    until 2.25, where block_migration may be 'auto'; force from 2.30 until 2.68."""
    host = {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255,
            'pattern': r'^[a-zA-Z0-9-._]*$'}
    props = {'host': host, 'block_migration': types.boolean,
             'disk_over_commit': types.boolean}
    required = ['block_migration', 'disk_over_commit', 'host']
    if version.matches('2.25'):
        del props['disk_over_commit']
        required.remove('disk_over_commit')
        props['block_migration'] = {'type': ['boolean', 'string'],
                                    'enum': types.boolean['enum'] + ['auto']}
    if version.matches('2.30') and not version.matches('2.68'):
        props['force'] = types.boolean
    value = {'type': 'object', 'properties': props, 'required': required,
             'additionalProperties': False}
    return {'type': 'object', 'properties': {'os-migrateLive': value},
            'required': ['os-migrateLive'], 'additionalProperties': False}


# confirmResize and revertResize: openstackclient sends null, Tempest {}.
def security_group(action):
    """addSecurityGroup / removeSecurityGroup: {"name": NAME}."""
    group = {'type': 'object',
             'properties': {'name': {'type': 'string', 'minLength': 1, 'maxLength': 255}},
             'required': ['name'], 'additionalProperties': False}
    return {'type': 'object', 'properties': {action: group}, 'required': [action],
            'additionalProperties': False}
rescue = {
    'type': 'object',
    'properties': {'rescue': {
        'type': ['object', 'null'],
        'properties': {
            'adminPass': {'type': 'string'},
            'rescue_image_ref': {'type': 'string', 'format': 'uuid'},
        },
        'additionalProperties': False,
    }},
    'required': ['rescue'], 'additionalProperties': False,
}


def any_argument(action):
    return {'type': 'object',
            'properties': {action: {'type': ['object', 'null']}},
            'required': [action], 'additionalProperties': False}


def lock(version):
    """{"lock": null} (or an object); from 2.73 {"lock": {"locked_reason": TEXT}}."""
    if not version.matches('2.73'):
        return any_argument('lock')
    value = {'type': ['object', 'null'],
             'properties': {'locked_reason': types.printable_text},
             'additionalProperties': False}
    return {'type': 'object', 'properties': {'lock': value},
            'required': ['lock'], 'additionalProperties': False}


reset_state = {
    'type': 'object',
    'properties': {'os-resetState': {
        'type': 'object',
        'properties': {'state': {'type': 'string', 'enum': ['active', 'error']}},
        'required': ['state'],
        'additionalProperties': False,
    }},
    'required': ['os-resetState'],
    'additionalProperties': False,
}
