"""The composition root of the API: wire services into the app and wrap it.

``build_app()`` assumes configuration, database and RPC are set up (the all-in-one and
the tests do that); ``init_application()`` is the entry point for uwsgi or gunicorn.
"""
import dataclasses
import os
import sys

from api_svc import app as app_mod
from api_svc import auth
from api_svc import body_limits
from api_svc import compute_api
from api_svc import live_migrate_api
from api_svc import move_api
from api_svc import policy
from api_svc import shelve_api
from api_svc import snapshot_api
from svc_common import compute_rpcapi
from svc_common import conductor_rpcapi
from svc_common.cmd import common
from svc_common.conf import CONF
from svc_common import rpc


@dataclasses.dataclass
class Services:
    """What handlers reach through ``req.services``."""
    compute_api: compute_api.API
    move_api: move_api.MoveAPI
    snapshot_api: snapshot_api.SnapshotAPI
    live_migrate_api: live_migrate_api.LiveMigrateAPI
    shelve_api: shelve_api.ShelveAPI


def build_app(bus=None):
    """The API application, its RPC clients sending through ``bus`` (this process's
    transport by default)."""
    policy.reset()
    conductor, compute = conductor_rpcapi.ConductorAPI(bus), compute_rpcapi.ComputeAPI(bus)
    services = Services(compute_api=compute_api.API(conductor, compute),
                        move_api=move_api.MoveAPI(conductor, compute),
                        snapshot_api=snapshot_api.SnapshotAPI(compute),
                        live_migrate_api=live_migrate_api.LiveMigrateAPI(conductor, compute),
                        shelve_api=shelve_api.ShelveAPI(conductor, compute))
    app = app_mod.NimbusApp(services)
    return app_mod.RequestIdMiddleware(body_limits.BodySizeLimit(auth.wrap(app)))


def _config_args(argv):
    """--config-file/--config-dir options from ``argv``, else from NIMBUS_CONFIG_FILE
    (comma-separated paths)."""
    args = []
    for index, arg in enumerate(argv):
        if arg in ('--config-file', '--config-dir') and index + 1 < len(argv):
            args += [arg, argv[index + 1]]
        elif arg.startswith(('--config-file=', '--config-dir=')):
            args.append(arg)
    if not args and os.environ.get('NIMBUS_CONFIG_FILE'):
        for path in os.environ['NIMBUS_CONFIG_FILE'].split(','):
            args += ['--config-file', path.strip()]
    return args


def init_application():
    common.setup(_config_args(sys.argv[1:]), 'nimbus-api')
    common.init_database()
    rpc.init(CONF)
    return build_app()
