from oslo_config import cfg

group = cfg.OptGroup('libvirt', title='Libvirt driver options (compute_driver = libvirt)')

opts = [
    cfg.StrOpt('virt_type', default='auto', choices=['auto', 'kvm', 'qemu'],
               help="Domain type. 'auto' picks 'kvm' only when /dev/kvm is usable and "
                    "backed by hardware virtualisation (kvm_intel or kvm_amd); a /dev/kvm "
                    "from a paravirtual nested KVM (e.g. kvm_pvm) cannot boot stock "
                    "kernels, so 'auto' falls back to 'qemu' (TCG) there."),
    cfg.StrOpt('connection_uri', default='',
               help='Libvirt URI; empty means qemu:///system.'),
    cfg.StrOpt('images_type', default='qcow2', choices=['qcow2', 'flat', 'rbd'],
               help='How instance disks are stored: qcow2 overlays on the cached image, '
                    'flat raw copies, or RBD images in a Ceph pool (images_rbd_pool): a '
                    'copy-on-write clone when the image is in the same cluster, '
                    'otherwise an import of the cached image.'),
    cfg.StrOpt('images_rbd_pool', default='vms',
               help='Ceph pool of the instance disks when images_type is rbd.'),
    cfg.StrOpt('images_rbd_ceph_conf', default='/etc/ceph/ceph.conf',
               help='ceph.conf of the cluster holding the instance disks.'),
    cfg.StrOpt('rbd_user',
               help='Ceph client (cephx) user of the instance disks; unset: the default '
                    'client, for clusters without auth.'),
    cfg.StrOpt('rbd_secret_uuid',
               help='UUID of the libvirt secret holding rbd_user\'s key (cephx).'),
    cfg.IntOpt('rbd_connect_timeout', default=30, min=1,
               help='Seconds to wait for the Ceph cluster when connecting.'),
    cfg.BoolOpt('force_raw_images', default=True,
                help='Convert cached base images to raw (faster overlays, more space).'),
    cfg.StrOpt('image_cache_subdirectory_name', default='_base',
               help='Directory under instances_path holding cached base images.'),
    cfg.IntOpt('image_cache_manager_interval', default=2400, min=0,
               help='Seconds between runs of the image cache manager (0 disables it).'),
    cfg.BoolOpt('remove_unused_base_images', default=True,
                help='Whether the image cache manager removes unused base files.'),
    cfg.IntOpt('remove_unused_original_minimum_age_seconds', default=86400, min=0,
               help='A base file unused for at least this long is removed.'),
    cfg.StrOpt('default_kernel_cmdline', default='console=ttyS0 root=/dev/vda no_timer_check',
               help="Kernel command line when an image with kernel_id has no "
                    "'os_command_line' property. no_timer_check: an emulated (TCG) guest "
                    "on a busy host can miss the kernel's early timer test and panic."),
    cfg.IntOpt('shutdown_timeout', default=60, min=0,
               help='Seconds a guest gets to shut down cleanly (ACPI) before it is '
                    'stopped hard, when powering off for a resize or a soft reboot.'),
    cfg.IntOpt('shutdown_retry_interval', default=10, min=1,
               help='Seconds between repeated ACPI shutdown requests (an early press can '
                    'be missed by a guest that is still booting).'),
    cfg.StrOpt('remote_filesystem_transport', default='ssh', choices=['ssh', 'local'],
               help="How disks reach another host on a cold migration or resize: 'ssh' "
                    "(rsync over ssh, sparse) or 'local' (several compute services on one "
                    "machine, each with its own instances path from "
                    "instances_paths_by_host)."),
    cfg.DictOpt('instances_paths_by_host', default={},
                help='host:path pairs: the instances path of each compute host whose path '
                     'is not [compute] instances_path (for this host too), e.g. several '
                     'compute services on one machine.'),
    cfg.ListOpt('ssh_options', default=['-oBatchMode=yes'],
                help='Extra ssh options for the ssh transport (each one argument).'),
    cfg.StrOpt('migration_address',
               help='Address other compute hosts reach this one by for disk copies '
                    '(a resize or cold migration to this host records it as the '
                    "migration's dest_host); defaults to the host name."),
    cfg.StrOpt('live_migration_uri', default='qemu+tcp://%s/system',
               help="The destination libvirtd a live migration goes to (peer to peer, "
                    "from the source's libvirtd); %s is the destination's migration "
                    'address.'),
    cfg.StrOpt('live_migration_inbound_addr',
               help="The address of this host that the source's QEMU sends a live "
                    "migration's memory and disks to (default: this libvirtd's host "
                    "name)."),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
