"""Reusable JSON-schema pieces for request bodies."""

# A display name: 1-255 characters, no leading or trailing whitespace.
name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'pattern': r'^(?!\s)[\s\S]*(?<!\s)$'}

description = {'type': ['string', 'null'], 'minLength': 0, 'maxLength': 255}

# Integers Nova also accepts as digit strings.
non_negative_int = {'type': ['integer', 'string'], 'pattern': '^[0-9]+$', 'minimum': 0}
positive_int = {'type': ['integer', 'string'], 'pattern': '^[0-9]*[1-9][0-9]*$',
                'minimum': 1}

boolean = {'type': ['boolean', 'string'],
           'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes',
                    'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off',
                    'NO', 'No', 'no']}

metadata = {
    'type': 'object',
    'patternProperties': {r'^[a-zA-Z0-9-_:. ]{1,255}$': {'type': 'string',
                                                         'maxLength': 255}},
    'additionalProperties': False,
}

uuid = {'type': 'string',
        'pattern': '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?'
                   '[0-9a-fA-F]{12}$'}

ipv4 = {'type': 'string', 'oneOf': [{'format': 'ipv4'}, {'enum': ['']}]}
ipv6 = {'type': 'string', 'oneOf': [{'format': 'ipv6'}, {'enum': ['']}]}

tag = {'type': 'string', 'minLength': 1, 'maxLength': 60, 'pattern': '^[^,/]*$'}

# An availability zone: a name without ':' ('ZONE:HOST' names a host at boot).
availability_zone = {'type': 'string', 'minLength': 1, 'maxLength': 255,
                     'pattern': r'^(?!\s)[^:]*(?<!\s)$'}
nullable_availability_zone = {'oneOf': [availability_zone, {'type': 'null'}]}
