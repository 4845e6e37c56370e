"""Request bodies of os-services."""
import copy

_host_binary = {
    'type': 'object',
    'properties': {'host': {'type': 'string', 'minLength': 1, 'maxLength': 255},
                   'binary': {'type': 'string', 'minLength': 1, 'maxLength': 255}},
    'required': ['host', 'binary'],
    'additionalProperties': False,
}

# Before 2.53: PUT /os-services/{enable,disable,disable-log-reason,force-down}.
enable_disable = _host_binary

disable_log_reason = copy.deepcopy(_host_binary)
disable_log_reason['properties']['disabled_reason'] = {'type': 'string', 'minLength': 1,
                                                       'maxLength': 255}
disable_log_reason['required'].append('disabled_reason')

force_down = copy.deepcopy(_host_binary)
force_down['properties']['forced_down'] = {'type': 'boolean'}
force_down['required'].append('forced_down')

# 2.53 and later: PUT /os-services/{uuid}.
update = {
    'type': 'object',
    'properties': {
        'status': {'type': 'string', 'enum': ['enabled', 'disabled']},
        'disabled_reason': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'forced_down': {'type': 'boolean'},
    },
    'minProperties': 1,
    'additionalProperties': False,
}
