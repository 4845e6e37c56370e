from api_svc.policies import base

PREFIX = 'os_compute_api:os-keypairs:%s'
INDEX = PREFIX % 'index'
CREATE = PREFIX % 'create'
SHOW = PREFIX % 'show'
DELETE = PREFIX % 'delete'

# Key pairs belong to users: the target is the owner's user_id (the caller's own unless
# an admin names another user, microversion 2.10).
ADMIN_OR_OWNER = 'rule:context_is_admin or user_id:%(user_id)s'

rules = [
    base.rule(INDEX, ADMIN_OR_OWNER, "List a user's key pairs.", ('GET', '/os-keypairs')),
    base.rule(CREATE, ADMIN_OR_OWNER, 'Import (or, before 2.92, generate) a key pair.',
              ('POST', '/os-keypairs')),
    base.rule(SHOW, ADMIN_OR_OWNER, 'Show a key pair.',
              ('GET', '/os-keypairs/{keypair_name}')),
    base.rule(DELETE, ADMIN_OR_OWNER, 'Delete a key pair.',
              ('DELETE', '/os-keypairs/{keypair_name}')),
]


def list_rules():
    return rules
