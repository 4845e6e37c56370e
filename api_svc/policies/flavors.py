from api_svc.policies import base

CREATE = 'os_compute_api:os-flavor-manage:create'
UPDATE = 'os_compute_api:os-flavor-manage:update'
DELETE = 'os_compute_api:os-flavor-manage:delete'
EXTRA_SPECS_INDEX = 'os_compute_api:os-flavor-extra-specs:index'
EXTRA_SPECS_SHOW = 'os_compute_api:os-flavor-extra-specs:show'
EXTRA_SPECS_CREATE = 'os_compute_api:os-flavor-extra-specs:create'
EXTRA_SPECS_UPDATE = 'os_compute_api:os-flavor-extra-specs:update'
EXTRA_SPECS_DELETE = 'os_compute_api:os-flavor-extra-specs:delete'

_SPECS = '/flavors/{flavor_id}/os-extra_specs'

rules = [
    base.rule(CREATE, base.ADMIN, 'Create a flavor.', ('POST', '/flavors')),
    base.rule(UPDATE, base.ADMIN, "Change a flavor's description.",
              ('PUT', '/flavors/{flavor_id}')),
    base.rule(DELETE, base.ADMIN, 'Delete a flavor.', ('DELETE', '/flavors/{flavor_id}')),
    base.rule(EXTRA_SPECS_INDEX, base.ANY, "List a flavor's extra specs (also in flavor "
              "and server bodies).", ('GET', _SPECS)),
    base.rule(EXTRA_SPECS_SHOW, base.ANY, 'Show one extra spec.',
              ('GET', _SPECS + '/{key}')),
    base.rule(EXTRA_SPECS_CREATE, base.ADMIN, 'Add extra specs.', ('POST', _SPECS)),
    base.rule(EXTRA_SPECS_UPDATE, base.ADMIN, 'Change an extra spec.',
              ('PUT', _SPECS + '/{key}')),
    base.rule(EXTRA_SPECS_DELETE, base.ADMIN, 'Delete an extra spec.',
              ('DELETE', _SPECS + '/{key}')),
]


def list_rules():
    return rules
