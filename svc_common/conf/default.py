import socket

from oslo_config import cfg
from oslo_utils import netutils

opts = [
    cfg.StrOpt('host', default=socket.gethostname(), sample_default='<hostname>',
               help='Name of this node; compute services are addressed by it.'),
    cfg.StrOpt('my_ip', default=netutils.get_my_ipv4(), sample_default='<host_ipv4>',
               help="This host's IP address (a compute host reports it as its "
                    "hypervisor's host_ip)."),
    cfg.StrOpt('state_path', default='/var/lib/nimbus',
               help='Top-level directory for keeping Nimbus state.'),
    cfg.IntOpt('service_down_time', default=60, min=1,
               help='Seconds since the last heartbeat after which a service is down.'),
    cfg.IntOpt('report_interval', default=10, min=1,
               help='Seconds between service heartbeats.'),
    cfg.StrOpt('default_project_id', default='admin',
               help='Project the no-auth mode uses when the request names none.'),
    cfg.IntOpt('graceful_shutdown_timeout', default=60, min=0,
               help='Seconds a service stopping on SIGTERM waits for in-flight work '
                    '(0 waits as long as it takes).'),
    cfg.StrOpt('default_availability_zone', default='nova',
               help='Availability zone of a compute host that no aggregate with an '
                    'availability_zone puts in a zone.'),
    cfg.StrOpt('internal_service_availability_zone', default='internal',
               help='Zone shown for services other than compute (conductors); no '
                    'aggregate may take it as its availability zone.'),
    cfg.StrOpt('default_schedule_zone',
               help='Zone a server is pinned to when its create request names none '
                    '(unset: servers go to any zone and stay unpinned).'),
    cfg.IntOpt('reclaim_instance_interval', default=0, min=0,
               help='Seconds a deleted server is kept SOFT_DELETED (restorable, its '
                    'resources still claimed) before its host reclaims it; also how '
                    'often hosts look for such servers. 0: servers are deleted at once.'),
    cfg.BoolOpt('instance_usage_audit', default=False,
                help='Compute hosts audit the instances they ran in each completed '
                     'period (an instance.exists notification each), recorded for '
                     'os-instance_usage_audit_log.'),
    cfg.StrOpt('instance_usage_audit_period', default='month',
               choices=['hour', 'day', 'month', 'year'],
               help='Length of an instance usage audit period.'),
    cfg.IntOpt('shelved_offload_time', default=0, min=-1,
               help='Seconds a shelved server keeps its host (guest, disks, claims) '
                    'before it is offloaded: 0 offloads it at once, -1 never.'),
    cfg.IntOpt('shelved_poll_interval', default=3600, min=0,
               help='Seconds between the compute hosts\' checks for shelved servers to '
                    'offload (0: never).'),
    cfg.ListOpt('fault_points', default=[], mutable=True,
                help='TESTING ONLY. Fault-injection points at which this process exits '
                     'abruptly; svc_common/faults.py lists them.'),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return {'DEFAULT': opts}
