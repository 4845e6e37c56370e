from api_svc.policies import base

CREATE_IMAGE = 'os_compute_api:servers:create_image'
CREATE_BACKUP = 'os_compute_api:os-create-backup'

rules = [
    base.rule(CREATE_IMAGE, base.PROJECT_MEMBER_OR_ADMIN,
              'Snapshot a server into a new image.',
              ('POST', '/servers/{server_id}/action (createImage)')),
    base.rule(CREATE_BACKUP, base.PROJECT_MEMBER_OR_ADMIN,
              'Back a server up into a new image, keeping the newest N of its type.',
              ('POST', '/servers/{server_id}/action (createBackup)')),
]


def list_rules():
    return rules
