from oslo_config import cfg

group = cfg.OptGroup('conductor', title='Conductor service options')

opts = [
    cfg.StrOpt('topic', default='conductor', help='RPC topic the conductors share.'),
    cfg.IntOpt('reconcile_interval', default=60, min=0,
               help='Seconds between reconciler runs (0 disables the reconciler).'),
    cfg.IntOpt('reconcile_after', default=300, min=1,
               help='An operation with no recorded progress for this many seconds has its '
                    'next step sent again.'),
    cfg.IntOpt('workers', default=1, min=1,
               help='Processes serving the conductor topic from this nimbus-conductor. '
                    'One process uses one core at a time (the GIL): on a host with more '
                    'cores than other work needs, more workers let the conductor use '
                    'them. Each is forked before it connects to anything and serves like '
                    'another conductor on the same host; SIGTERM to the parent stops '
                    'them all gracefully.'),
    cfg.IntOpt('heartbeat_flush_interval', default=1, min=1,
               help='Seconds between writes of the compute heartbeats a conductor received '
                    '(all of them in one transaction).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
