from api_svc.policies import base

PAUSE = 'os_compute_api:os-pause-server:pause'
UNPAUSE = 'os_compute_api:os-pause-server:unpause'
SUSPEND = 'os_compute_api:os-suspend-server:suspend'
RESUME = 'os_compute_api:os-suspend-server:resume'
RESCUE = 'os_compute_api:os-rescue'
UNRESCUE = 'os_compute_api:os-unrescue'

# action name -> its rule
BY_ACTION = {'pause': PAUSE, 'unpause': UNPAUSE, 'suspend': SUSPEND, 'resume': RESUME,
             'rescue': RESCUE, 'unrescue': UNRESCUE}

rules = [
    base.rule(PAUSE, base.PROJECT_MEMBER_OR_ADMIN,
              'Pause a server (its guest held in memory).',
              ('POST', '/servers/{server_id}/action (pause)')),
    base.rule(UNPAUSE, base.PROJECT_MEMBER_OR_ADMIN, 'Unpause a paused server.',
              ('POST', '/servers/{server_id}/action (unpause)')),
    base.rule(SUSPEND, base.PROJECT_MEMBER_OR_ADMIN,
              "Suspend a server (its guest's state saved to disk, its resources kept).",
              ('POST', '/servers/{server_id}/action (suspend)')),
    base.rule(RESUME, base.PROJECT_MEMBER_OR_ADMIN, 'Resume a suspended server.',
              ('POST', '/servers/{server_id}/action (resume)')),
    base.rule(RESCUE, base.PROJECT_MEMBER_OR_ADMIN,
              "Rescue a server: boot a rescue image with the server's disk attached.",
              ('POST', '/servers/{server_id}/action (rescue)')),
    base.rule(UNRESCUE, base.PROJECT_MEMBER_OR_ADMIN,
              'Unrescue a server: back to its own disks.',
              ('POST', '/servers/{server_id}/action (unrescue)')),
]


def list_rules():
    return rules
