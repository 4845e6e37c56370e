from oslo_config import cfg

group = cfg.OptGroup('quota', title='Default per-project quotas (-1 means unlimited)')

opts = [
    cfg.IntOpt('instances', default=10, min=-1, help='Servers per project.'),
    cfg.IntOpt('cores', default=20, min=-1, help='Instance cores per project.'),
    cfg.IntOpt('ram', default=51200, min=-1, help='Megabytes of instance RAM per project.'),
    cfg.IntOpt('key_pairs', default=100, min=-1,
               help='Key pairs each user may hold (counted per user, limited per project).'),
    cfg.IntOpt('server_groups', default=10, min=-1, help='Server groups per project.'),
    cfg.IntOpt('server_group_members', default=10, min=-1,
               help='Servers per server group.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
