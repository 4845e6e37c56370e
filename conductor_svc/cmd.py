"""nimbus-conductor: serve the conductor topic (several may share it)."""
import sys

from svc_common.cmd import common
from svc_common.conf import CONF
from svc_common import rpc
from svc_common import service


def make_service():
    from conductor_svc import manager
    return service.Service(manager.BINARY, CONF.conductor.topic, manager.ConductorManager())


def main(argv=None):
    common.setup(sys.argv[1:] if argv is None else argv, 'nimbus-conductor')
    common.init_database()
    rpc.init(CONF)
    svc = make_service()
    svc.start()
    service.run_until_signalled([svc])
