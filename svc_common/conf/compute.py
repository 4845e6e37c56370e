from oslo_config import cfg

group = cfg.OptGroup('compute', title='Compute service options')

opts = [
    cfg.StrOpt('compute_driver', default='fake', choices=['fake', 'libvirt'],
               help='Hypervisor driver this compute service uses.'),
    cfg.StrOpt('instances_path', default='$state_path/instances',
               help='Where instance directories and the image cache live.'),
    cfg.FloatOpt('cpu_allocation_ratio', default=16.0, min=0.0,
                 help='Virtual CPUs schedulable per physical CPU.'),
    cfg.FloatOpt('ram_allocation_ratio', default=1.5, min=0.0,
                 help='Virtual RAM schedulable per MiB of physical RAM.'),
    cfg.FloatOpt('disk_allocation_ratio', default=1.0, min=0.0,
                 help='Virtual disk schedulable per GiB of local disk.'),
    cfg.IntOpt('reserved_host_memory_mb', default=512, min=0,
               help='Memory kept back for the host.'),
    cfg.IntOpt('reserved_host_disk_mb', default=0, min=0,
               help='Disk kept back for the host.'),
    cfg.IntOpt('resource_update_interval', default=60, min=1,
               help='Seconds between inventory reports of this compute node.'),
    cfg.IntOpt('resize_confirm_window', default=0, min=0,
               help='Seconds after which a finished resize is confirmed automatically '
                    '(0 disables).'),
    cfg.IntOpt('sync_power_state_interval', default=600, min=0,
               help='Seconds between comparisons of recorded and real guest power states '
                    '(0 disables).'),
    cfg.IntOpt('reap_deleted_interval', default=600, min=0,
               help='Seconds between searches for guests and disks of deleted instances '
                    'on this host (an instance deleted while its host was down, the '
                    'pre-resize copy of one deleted while its destination was down); '
                    'they are removed. Also done at start-up. 0 disables the periodic '
                    'search.'),
    cfg.BoolOpt('force_config_drive', default=False,
                help='Give every new server a config drive, asked for or not.'),
    cfg.BoolOpt('allow_resize_to_same_host', default=False,
                help='Let a resize choose the host the instance is on.'),
    cfg.IntOpt('live_migration_retries', default=3, min=1,
               help='Destinations a live migration the scheduler places tries before it '
                    'gives up (a host failing its pre-checks is left for the next one).'),
    cfg.IntOpt('live_migration_completion_timeout', default=800, min=0,
               help='Seconds a live migration may run before it is aborted and rolled '
                    'back (0: no limit).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
