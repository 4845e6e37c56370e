from api_svc.policies import base

PREFIX = 'os_compute_api:servers:%s'
INDEX = PREFIX % 'index'
INDEX_ALL_TENANTS = PREFIX % 'index:get_all_tenants'
DETAIL = PREFIX % 'detail'
DETAIL_ALL_TENANTS = PREFIX % 'detail:get_all_tenants'
ALL_FILTERS = PREFIX % 'allow_all_filters'
SHOW = PREFIX % 'show'
SHOW_HOST_STATUS = PREFIX % 'show:host_status'
CREATE = PREFIX % 'create'
CREATE_FORCED_HOST = PREFIX % 'create:forced_host'
REQUESTED_DESTINATION = 'compute:servers:create:requested_destination'
UPDATE = PREFIX % 'update'
DELETE = PREFIX % 'delete'
START = PREFIX % 'start'
STOP = PREFIX % 'stop'
REBOOT = PREFIX % 'reboot'
RESIZE = PREFIX % 'resize'
REBUILD = PREFIX % 'rebuild'
REBUILD_TRUSTED_CERTS = PREFIX % 'rebuild:trusted_certs'
CONFIRM_RESIZE = PREFIX % 'confirm_resize'
REVERT_RESIZE = PREFIX % 'revert_resize'
CONSOLE_OUTPUT = 'os_compute_api:os-console-output'
EXTENDED_ATTRIBUTES = 'os_compute_api:os-extended-server-attributes'

rules = [
    base.rule(INDEX, base.PROJECT_READER_OR_ADMIN, 'List servers.', ('GET', '/servers')),
    base.rule(INDEX_ALL_TENANTS, base.ADMIN, 'List the servers of every project.',
              ('GET', '/servers')),
    base.rule(DETAIL, base.PROJECT_READER_OR_ADMIN, 'List servers with details.',
              ('GET', '/servers/detail')),
    base.rule(DETAIL_ALL_TENANTS, base.ADMIN,
              'List the servers of every project, with details.',
              ('GET', '/servers/detail')),
    base.rule(ALL_FILTERS, base.ADMIN, 'Filter server lists by any field (host, ...).',
              ('GET', '/servers'), ('GET', '/servers/detail')),
    base.rule(SHOW, base.PROJECT_READER_OR_ADMIN, 'Show a server.',
              ('GET', '/servers/{server_id}')),
    base.rule(SHOW_HOST_STATUS, base.ADMIN, 'See host_status in server bodies.',
              ('GET', '/servers/{server_id}'), ('GET', '/servers/detail')),
    base.rule(CREATE, base.PROJECT_MEMBER_OR_ADMIN, 'Create servers.', ('POST', '/servers')),
    base.rule(CREATE_FORCED_HOST, base.ADMIN,
              "Name the host of a new server ('nova:HOST' availability zone).",
              ('POST', '/servers')),
    base.rule(REQUESTED_DESTINATION, base.ADMIN,
              'Name the host or hypervisor_hostname of a new server (microversion 2.74).',
              ('POST', '/servers')),
    base.rule(UPDATE, base.PROJECT_MEMBER_OR_ADMIN, 'Rename or describe a server.',
              ('PUT', '/servers/{server_id}')),
    base.rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN, 'Delete a server.',
              ('DELETE', '/servers/{server_id}')),
    base.rule(START, base.PROJECT_MEMBER_OR_ADMIN, 'Start a stopped server.',
              ('POST', '/servers/{server_id}/action (os-start)')),
    base.rule(STOP, base.PROJECT_MEMBER_OR_ADMIN, 'Stop a server.',
              ('POST', '/servers/{server_id}/action (os-stop)')),
    base.rule(REBOOT, base.PROJECT_MEMBER_OR_ADMIN, 'Reboot a server.',
              ('POST', '/servers/{server_id}/action (reboot)')),
    base.rule(RESIZE, base.PROJECT_MEMBER_OR_ADMIN, 'Resize a server to another flavor.',
              ('POST', '/servers/{server_id}/action (resize)')),
    base.rule(REBUILD, base.PROJECT_MEMBER_OR_ADMIN,
              'Rebuild a server from an image (on its host, its disks made anew).',
              ('POST', '/servers/{server_id}/action (rebuild)')),
    base.rule(REBUILD_TRUSTED_CERTS, base.PROJECT_MEMBER_OR_ADMIN,
              'Name trusted image certificates in a rebuild (microversion 2.63).',
              ('POST', '/servers/{server_id}/action (rebuild)')),
    base.rule(CONFIRM_RESIZE, base.PROJECT_MEMBER_OR_ADMIN,
              'Confirm a resize or cold migration (VERIFY_RESIZE -> ACTIVE/SHUTOFF).',
              ('POST', '/servers/{server_id}/action (confirmResize)')),
    base.rule(REVERT_RESIZE, base.PROJECT_MEMBER_OR_ADMIN,
              'Revert a resize or cold migration (back to the old flavor and host).',
              ('POST', '/servers/{server_id}/action (revertResize)')),
    base.rule(CONSOLE_OUTPUT, base.PROJECT_MEMBER_OR_ADMIN, "Read a server's console log.",
              ('POST', '/servers/{server_id}/action (os-getConsoleOutput)')),
    base.rule(EXTENDED_ATTRIBUTES, base.ADMIN,
              'See host, node, instance name and other OS-EXT-SRV-ATTR fields.',
              ('GET', '/servers/{server_id}'), ('GET', '/servers/detail')),
]


def list_rules():
    return rules
