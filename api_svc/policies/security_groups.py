"""A server's security groups (addSecurityGroup, removeSecurityGroup)."""
from api_svc.policies import base

ADD = 'os_compute_api:os-security-groups:add'
REMOVE = 'os_compute_api:os-security-groups:remove'

rules = [
    base.rule(ADD, base.PROJECT_MEMBER_OR_ADMIN, 'Add a security group to a server.',
              ('POST', '/servers/{server_id}/action (addSecurityGroup)')),
    base.rule(REMOVE, base.PROJECT_MEMBER_OR_ADMIN, 'Remove a security group from a server.',
              ('POST', '/servers/{server_id}/action (removeSecurityGroup)')),
]


def list_rules():
    return rules
