"""GET /limits: the caller's absolute limits and usage (rate limits are long gone)."""
from api_svc.policies import limits as limit_policies
from api_svc import policy
from api_svc import quota
from api_svc import request as api_request

# Absolute limit name -> quota resource, and the microversion that removed it.
_MAX = [
    ('maxTotalInstances', 'instances', None), ('maxTotalCores', 'cores', None),
    ('maxTotalRAMSize', 'ram', None), ('maxServerMeta', 'metadata_items', None),
    ('maxTotalKeypairs', 'key_pairs', None), ('maxServerGroups', 'server_groups', None),
    ('maxServerGroupMembers', 'server_group_members', None),
    ('maxImageMeta', 'metadata_items', '2.39'),
    ('maxPersonality', 'injected_files', '2.57'),
    ('maxPersonalitySize', 'injected_file_content_bytes', '2.57'),
    ('maxSecurityGroups', 'security_groups', '2.36'),
    ('maxSecurityGroupRules', 'security_group_rules', '2.36'),
    ('maxTotalFloatingIps', 'floating_ips', '2.36'),
]
_USED = [
    ('totalInstancesUsed', 'instances', None), ('totalCoresUsed', 'cores', None),
    ('totalRAMUsed', 'ram', None), ('totalServerGroupsUsed', 'server_groups', None),
    ('totalSecurityGroupsUsed', 'security_groups', '2.36'),
    ('totalFloatingIpsUsed', 'floating_ips', '2.36'),
]


def show(req):
    context = req.context
    policy.authorize(context, limit_policies.SHOW)
    req.check_query(('tenant_id', 'reserved'), since='2.102')
    project_id = req.GET.get('tenant_id') or context.project_id
    if project_id != context.project_id:
        policy.authorize(context, limit_policies.OTHER_PROJECT)
    limits = quota.limits(context, project_id)
    used = quota.usage(context, project_id)
    absolute = {}
    for rows, values in ((_MAX, limits), (_USED, used)):
        for name, resource, removed_in in rows:
            if removed_in is None or not req.version.matches(removed_in):
                absolute[name] = values[resource]
    return api_request.json_response({'limits': {'absolute': absolute, 'rate': []}})
