from api_svc.policies import base

PREFIX = 'os_compute_api:os-shelve:%s'
SHELVE = PREFIX % 'shelve'
SHELVE_OFFLOAD = PREFIX % 'shelve_offload'
UNSHELVE = PREFIX % 'unshelve'
UNSHELVE_TO_HOST = PREFIX % 'unshelve_to_host'

rules = [
    base.rule(SHELVE, base.PROJECT_MEMBER_OR_ADMIN,
              'Shelve a server: snapshot it, stop it and (offloaded) free its host.',
              ('POST', '/servers/{server_id}/action (shelve)')),
    base.rule(SHELVE_OFFLOAD, base.ADMIN,
              "Offload a shelved server now: its guest, disks and claims leave the host.",
              ('POST', '/servers/{server_id}/action (shelveOffload)')),
    base.rule(UNSHELVE, base.PROJECT_MEMBER_OR_ADMIN,
              'Unshelve a server (an offloaded one is scheduled again).',
              ('POST', '/servers/{server_id}/action (unshelve)')),
    base.rule(UNSHELVE_TO_HOST, base.ADMIN,
              'Unshelve an offloaded server to a named host (microversion 2.91).',
              ('POST', '/servers/{server_id}/action (unshelve)')),
]


def list_rules():
    return rules
