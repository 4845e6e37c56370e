"""Check strings shared by every resource's policies, and a helper to declare a rule."""
from oslo_policy import policy

ADMIN = 'rule:context_is_admin'
ANY = '@'
PROJECT_MEMBER_OR_ADMIN = 'rule:context_is_admin or rule:project_member'
PROJECT_READER_OR_ADMIN = 'rule:context_is_admin or rule:project_reader'

rules = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       description='Who is an administrator of the whole cloud.'),
    policy.RuleDefault('project_member', 'role:member and project_id:%(project_id)s',
                       description='A member of the project that owns the resource.'),
    policy.RuleDefault('project_reader', 'role:reader and project_id:%(project_id)s',
                       description='A reader of the project that owns the resource.'),
]


def rule(name, check_str, description, *operations):
    """A documented rule; ``operations`` are (method, path) pairs."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations],
        scope_types=['project'])


def list_rules():
    return rules
