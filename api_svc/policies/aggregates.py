from api_svc.policies import base

PREFIX = 'os_compute_api:os-aggregates:%s'
INDEX = PREFIX % 'index'
CREATE = PREFIX % 'create'
SHOW = PREFIX % 'show'
UPDATE = PREFIX % 'update'
DELETE = PREFIX % 'delete'
ADD_HOST = PREFIX % 'add_host'
REMOVE_HOST = PREFIX % 'remove_host'
SET_METADATA = PREFIX % 'set_metadata'
IMAGES = 'compute:aggregates:images'

_PATH = '/os-aggregates/{aggregate_id}'

rules = [
    base.rule(INDEX, base.ADMIN, 'List host aggregates.', ('GET', '/os-aggregates')),
    base.rule(CREATE, base.ADMIN, 'Create a host aggregate.', ('POST', '/os-aggregates')),
    base.rule(SHOW, base.ADMIN, 'Show a host aggregate.', ('GET', _PATH)),
    base.rule(UPDATE, base.ADMIN, "Rename a host aggregate or change its zone.",
              ('PUT', _PATH)),
    base.rule(DELETE, base.ADMIN, 'Delete a host aggregate without hosts.',
              ('DELETE', _PATH)),
    base.rule(ADD_HOST, base.ADMIN, 'Add a host to an aggregate.',
              ('POST', _PATH + '/action (add_host)')),
    base.rule(REMOVE_HOST, base.ADMIN, 'Remove a host from an aggregate.',
              ('POST', _PATH + '/action (remove_host)')),
    base.rule(SET_METADATA, base.ADMIN, "Set or remove an aggregate's metadata.",
              ('POST', _PATH + '/action (set_metadata)')),
    base.rule(IMAGES, base.ADMIN, "Ask an aggregate's hosts to cache images (2.81).",
              ('POST', _PATH + '/images')),
]


def list_rules():
    return rules
