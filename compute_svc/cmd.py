"""nimbus-compute: one per hypervisor host. It has no database access of its own:
every remotable object method runs in a conductor over RPC."""
import sys

from svc_common.cmd import common
from svc_common.conf import CONF
from svc_common import rpc
from svc_common import service


def make_service(host=None, driver=None, bus=None):
    """The compute service, its RPC clients sending through ``bus`` (this process's
    transport by default)."""
    from compute_svc import manager
    from compute_svc.virt import loader
    from svc_common import compute_rpcapi
    from svc_common import conductor_rpcapi
    mgr = manager.ComputeManager(host=host or CONF.host,
                                 driver=driver or loader.load_driver(CONF.compute.compute_driver),
                                 compute_rpcapi=compute_rpcapi.ComputeAPI(bus),
                                 conductor_rpcapi=conductor_rpcapi.ConductorAPI(bus))
    return service.Service(manager.BINARY, compute_rpcapi.TOPIC, mgr, host=mgr.host)


def block_database():
    """Forbid direct DB use in this process and route objects through the conductor."""
    from svc_common import conductor_rpcapi
    from svc_common.objects import base as obj_base
    common.forbid_database('nimbus-compute')
    obj_base.use_indirection(conductor_rpcapi.ConductorAPI())


def main(argv=None):
    common.setup(sys.argv[1:] if argv is None else argv, 'nimbus-compute')
    rpc.init(CONF)
    block_database()
    svc = make_service()
    svc.start()
    service.run_until_signalled([svc])
    service.end_process()
