from oslo_config import cfg

group = cfg.OptGroup('scheduler', title='Scheduler options (run inside the conductor)')

# Also what the Tempest tier tells Tempest is enabled, so it runs the tests they allow.
DEFAULT_FILTERS = ['ComputeFilter', 'AvailabilityZoneFilter', 'RamFilter', 'DiskFilter',
                   'CoreFilter', 'SameHostFilter', 'DifferentHostFilter',
                   'ServerGroupAffinityFilter', 'ServerGroupAntiAffinityFilter']

opts = [
    cfg.ListOpt('enabled_filters', default=DEFAULT_FILTERS,
                help='Filters a host must pass, in order. AvailabilityZoneFilter keeps a '
                     'server in the zone it is pinned to; SameHostFilter and '
                     'DifferentHostFilter honour the same_host and different_host '
                     'scheduler hints, ServerGroupAffinityFilter and '
                     'ServerGroupAntiAffinityFilter the (anti-)affinity policy of the '
                     'server group of the group hint. Also available: '
                     'AggregateInstanceExtraSpecsFilter (flavor extra specs met by '
                     'aggregate metadata) and AggregateMultiTenancyIsolation (hosts of '
                     'aggregates with filter_tenant_id metadata only for those projects).'),
    cfg.ListOpt('enabled_weighers',
                default=['RAMWeigher', 'CPUWeigher', 'ServerGroupSoftAffinityWeigher',
                         'ServerGroupSoftAntiAffinityWeigher'],
                help='Weighers ordering the hosts that passed. The ServerGroupSoft* '
                     'weighers honour the soft-affinity and soft-anti-affinity policies.'),
    cfg.FloatOpt('soft_affinity_weight_multiplier', default=10.0, min=0.0,
                 help='How strongly a soft-affinity group draws its servers together. '
                      'Above the sum of the other multipliers it outweighs them (Nova '
                      'defaults to 1.0, where spreading by free RAM and vCPUs can win).'),
    cfg.FloatOpt('soft_anti_affinity_weight_multiplier', default=10.0, min=0.0,
                 help='How strongly a soft-anti-affinity group spreads its servers, as '
                      'soft_affinity_weight_multiplier.'),
    cfg.FloatOpt('ram_weight_multiplier', default=1.0,
                 help='Positive spreads instances by free RAM, negative stacks them.'),
    cfg.FloatOpt('cpu_weight_multiplier', default=1.0,
                 help='Positive spreads instances by free vCPUs, negative stacks them.'),
    cfg.IntOpt('max_attempts', default=3, min=1,
               help='Hosts kept per request (the chosen one and its alternates).'),
    cfg.IntOpt('claim_retries', default=30, min=1,
               help='Times a claim is retried after losing a generation race.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
