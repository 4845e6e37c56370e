"""Request body of PUT /os-hosts/{host_name} (before 2.43)."""

_switch = {'type': 'string', 'enum': ['enable', 'disable', 'Enable', 'Disable',
                                      'ENABLE', 'DISABLE']}

update = {
    'type': 'object',
    'properties': {'status': _switch, 'maintenance_mode': _switch},
    'minProperties': 1,
    'additionalProperties': False,
}
