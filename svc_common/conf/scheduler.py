from oslo_config import cfg

group = cfg.OptGroup('scheduler', title='Scheduler options (run inside the conductor)')

# Also what the Tempest tier tells Tempest is enabled, so it runs the tests they allow.
DEFAULT_FILTERS = ['ComputeFilter', 'RamFilter', 'DiskFilter', 'CoreFilter',
                   'SameHostFilter', 'DifferentHostFilter']

opts = [
    cfg.ListOpt('enabled_filters', default=DEFAULT_FILTERS,
                help='Filters a host must pass, in order. SameHostFilter and '
                     'DifferentHostFilter honour the same_host and different_host '
                     'scheduler hints.'),
    cfg.ListOpt('enabled_weighers', default=['RAMWeigher', 'CPUWeigher'],
                help='Weighers ordering the hosts that passed.'),
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
