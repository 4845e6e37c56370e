from oslo_config import cfg

group = cfg.OptGroup('fake_driver', title='Fake virt driver (tests and benchmarks)')

opts = [
    cfg.IntOpt('vcpus', default=8, min=1, help='CPUs the fake hypervisor reports.'),
    cfg.IntOpt('memory_mb', default=16384, min=1, help='Memory the fake hypervisor reports.'),
    cfg.IntOpt('local_gb', default=200, min=1, help='Disk the fake hypervisor reports.'),
    cfg.FloatOpt('spawn_delay', default=0.0, min=0.0,
                 help='Seconds a fake spawn takes (to widen race windows in tests).'),
    cfg.FloatOpt('migrate_delay', default=0.0, min=0.0,
                 help='Seconds a fake migrate_disk_and_power_off takes (to catch a resize '
                      'step in flight in tests).'),
    cfg.FloatOpt('live_migrate_delay', default=0.0, min=0.0, mutable=True,
                 help='Seconds a fake live migration runs before the guest has moved (to '
                      'abort or force-complete one in flight in tests); read at each '
                      'migration, so a reload (SIGHUP) changes it for the next one.'),
    cfg.StrOpt('state_file', default='',
               help='File the fake hypervisor keeps its guests in, so that they outlive '
                    'a restart of the compute service as real guests do and tests can '
                    'read what the hypervisor holds (empty: in memory only).'),
    cfg.BoolOpt('disks', default=False,
                help='Keep real instance disks, made, moved and removed by the libvirt '
                     "driver's disk code ([compute]/instances_path, the [libvirt] image "
                     'cache and transport options; qemu-img needed), so tests of whole '
                     'deployments can check disk files without running guests.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
