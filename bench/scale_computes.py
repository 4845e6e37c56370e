"""One process running many fake-driver compute services (bench/scale.py starts several):

    .venv/bin/python bench/scale_computes.py --config-file C.conf --hosts h1 h2 ...

Each host is a full compute service (its own manager, fake hypervisor, RPC server,
heartbeat and periodic tasks) as ``nimbus-compute`` runs it; they share the process's
transport and its route for object methods to the conductors. Started a few at a time;
SIGTERM stops them all.
"""
import argparse
import concurrent.futures
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from compute_svc import cmd as compute_cmd  # noqa: E402
from compute_svc.virt import fake  # noqa: E402
from svc_common.cmd import common  # noqa: E402
from svc_common.conf import CONF  # noqa: E402
from svc_common import rpc  # noqa: E402
from svc_common import service  # noqa: E402

STARTING_AT_ONCE = 8


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--hosts', nargs='+', required=True)
    args, rest = parser.parse_known_args()
    common.setup(rest, 'nimbus-compute')
    rpc.init(CONF)
    compute_cmd.block_database()
    services = [compute_cmd.make_service(host=h, driver=fake.FakeDriver()) for h in args.hosts]
    with concurrent.futures.ThreadPoolExecutor(STARTING_AT_ONCE) as pool:
        list(pool.map(lambda s: s.start(), services))
    print('all %d compute services started' % len(services), flush=True)
    service.run_until_signalled(services)
    service.end_process()


if __name__ == '__main__':
    main()
