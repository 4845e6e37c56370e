"""Flavor bodies at each microversion."""
from api_svc.policies import flavors as flavor_policies
from api_svc import policy
from api_svc.views import common


def summary(req, flavor):
    body = {'id': flavor.flavorid, 'name': flavor.name,
            'links': common.links(req, 'flavors', flavor.flavorid)}
    if req.version.matches('2.55'):
        body['description'] = flavor.description
    return body


class FlavorView:

    def __init__(self, req):
        self.req = req
        self.with_extra_specs = req.version.matches('2.61') and policy.check(
            req.context, flavor_policies.EXTRA_SPECS_INDEX)

    def detail(self, flavor):
        req = self.req
        swap = flavor.swap
        if not swap and not req.version.matches('2.75'):
            swap = ''  # Nova showed an empty string for no swap until 2.75
        body = summary(req, flavor)
        body.update({
            'ram': flavor.memory_mb, 'vcpus': flavor.vcpus, 'disk': flavor.root_gb,
            'swap': swap, 'OS-FLV-EXT-DATA:ephemeral': flavor.ephemeral_gb,
            'os-flavor-access:is_public': flavor.is_public,
        })
        if not req.version.matches('2.102'):  # then dropped: neither could be used
            body['OS-FLV-DISABLED:disabled'] = flavor.disabled
            body['rxtx_factor'] = flavor.rxtx_factor
        if self.with_extra_specs:
            body['extra_specs'] = dict(flavor.extra_specs or {})
        return body
