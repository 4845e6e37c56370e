"""Reusable JSON-schema pieces for request bodies."""

# Printable text: no control characters (C0, DEL, C1), as Nova's names.
PRINTABLE = r'[^\x00-\x1f\x7f-\x9f]'

# A display name: 1-255 printable characters, no leading or trailing whitespace.
name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'pattern': r'^(?!\s)%s*(?<!\s)$' % PRINTABLE}

# Free text that is shown back (a lock reason): printable, any spacing.
printable_text = {'type': 'string', 'maxLength': 255, 'pattern': r'^%s*$' % PRINTABLE}

# A server's hostname (2.90): an RFC 1123 label; from 2.94 a fully qualified name.
hostname = {'type': 'string', 'minLength': 2, 'maxLength': 63,
            'pattern': '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$'}
fqdn = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'pattern': '^[a-zA-Z0-9-._]*$'}


def hostname_for(version):
    return fqdn if version.matches('2.94') else hostname

description = {'type': ['string', 'null'], 'minLength': 0, 'maxLength': 255}

# The largest value of an Integer column (the databases' 32-bit INTEGER).
MAX_INT = 2 ** 31 - 1

# Integers Nova also accepts as digit strings (handlers convert them with
# request.to_int, which bounds the strings' values too).
non_negative_int = {'type': ['integer', 'string'], 'pattern': '^[0-9]+$', 'minimum': 0,
                    'maximum': MAX_INT}
positive_int = {'type': ['integer', 'string'], 'pattern': '^[0-9]*[1-9][0-9]*$',
                'minimum': 1, 'maximum': MAX_INT}

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
