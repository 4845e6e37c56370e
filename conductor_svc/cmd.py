"""nimbus-conductor: serve the conductor topic (several may share it)."""
import sys

from svc_common.cmd import common
from svc_common.conf import CONF
from svc_common import rpc
from svc_common import service
from svc_common import workers


def make_service(bus=None, scheduler=None):
    """The conductor service, its RPC clients sending through ``bus`` (this process's
    transport by default), choosing hosts with ``scheduler`` (the configured one)."""
    from conductor_svc import heartbeats
    from conductor_svc import manager
    from conductor_svc.scheduler import manager as scheduler_mod
    from svc_common import compute_rpcapi
    from svc_common import conductor_rpcapi
    batch = heartbeats.HeartbeatBatch()
    mgr = manager.ConductorManager(scheduler=scheduler or scheduler_mod.Scheduler(batch),
                                   compute_rpcapi=compute_rpcapi.ComputeAPI(bus),
                                   conductor_rpcapi=conductor_rpcapi.ConductorAPI(bus),
                                   heartbeat_batch=batch)
    return service.Service(manager.BINARY, CONF.conductor.topic, mgr)


def serve():
    """Connect, serve the topic until SIGTERM or SIGINT, stop gracefully, end the
    process."""
    common.init_database()
    rpc.init(CONF)
    svc = make_service()
    svc.start()
    service.run_until_signalled([svc])
    service.end_process()


def main(argv=None):
    common.setup(sys.argv[1:] if argv is None else argv, 'nimbus-conductor')
    return workers.run(CONF.conductor.workers, serve)
