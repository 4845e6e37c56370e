from api_svc.policies import base

PREFIX = 'os_compute_api:os-volumes-attachments:%s'
INDEX = PREFIX % 'index'
CREATE = PREFIX % 'create'
SHOW = PREFIX % 'show'
UPDATE = PREFIX % 'update'
DELETE = PREFIX % 'delete'

_PATH = '/servers/{server_id}/os-volume_attachments'

rules = [
    base.rule(INDEX, base.PROJECT_READER_OR_ADMIN, "List a server's volume attachments.",
              ('GET', _PATH)),
    base.rule(CREATE, base.PROJECT_MEMBER_OR_ADMIN, 'Attach a volume to a server.',
              ('POST', _PATH)),
    base.rule(SHOW, base.PROJECT_READER_OR_ADMIN, 'Show a volume attachment.',
              ('GET', _PATH + '/{volume_id}')),
    base.rule(UPDATE, base.ADMIN, 'Swap or update a volume attachment.',
              ('PUT', _PATH + '/{volume_id}')),
    base.rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN, 'Detach a volume from a server.',
              ('DELETE', _PATH + '/{volume_id}')),
]


def list_rules():
    return rules
