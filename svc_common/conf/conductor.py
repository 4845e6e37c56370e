from oslo_config import cfg

group = cfg.OptGroup('conductor', title='Conductor service options')

opts = [
    cfg.StrOpt('topic', default='conductor', help='RPC topic the conductors share.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
