"""Request bodies of /servers/{id}/os-volume_attachments, per microversion."""
import copy

from api_svc.schemas import types

_device = {'type': ['string', 'null'],
           'pattern': '(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$'}


def _attachment(properties):
    return {
        'type': 'object',
        'properties': {'volumeAttachment': {
            'type': 'object', 'properties': properties, 'required': ['volumeId'],
            'additionalProperties': False}},
        'required': ['volumeAttachment'],
        'additionalProperties': False,
    }


def create(version):
    properties = {'volumeId': types.uuid, 'device': _device}
    if version.matches('2.49'):
        properties['tag'] = types.tag
    if version.matches('2.79'):
        properties['delete_on_termination'] = types.boolean
    return _attachment(properties)


def update(version):
    properties = {'volumeId': types.uuid}
    if version.matches('2.85'):
        properties.update({'device': copy.deepcopy(_device), 'tag': types.tag,
                           'delete_on_termination': types.boolean, 'id': types.uuid,
                           'serverId': types.uuid})
    return _attachment(properties)
