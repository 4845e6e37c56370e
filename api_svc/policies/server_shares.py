from api_svc.policies import base

PREFIX = 'os_compute_api:os-shares:%s'
INDEX = PREFIX % 'index'
CREATE = PREFIX % 'create'
SHOW = PREFIX % 'show'
DELETE = PREFIX % 'delete'

_PATH = '/servers/{server_id}/shares'

rules = [
    base.rule(INDEX, base.PROJECT_READER_OR_ADMIN, 'List the shares attached to a server '
              '(2.97).', ('GET', _PATH)),
    base.rule(CREATE, base.PROJECT_MEMBER_OR_ADMIN, 'Attach a share to a server (2.97).',
              ('POST', _PATH)),
    base.rule(SHOW, base.PROJECT_READER_OR_ADMIN, 'Show a share attached to a server '
              '(2.97).', ('GET', _PATH + '/{share_id}')),
    base.rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN, 'Detach a share from a server (2.97).',
              ('DELETE', _PATH + '/{share_id}')),
]


def list_rules():
    return rules
