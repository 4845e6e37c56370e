"""nimbus-all-in-one: API, conductor and compute services in one process.

SQLite under the state path, in-process messaging (inproc://, delivered at once),
default flavors, and the API on 127.0.0.1:8774. The functional tests run the same
``AllInOne`` with several compute hosts.
"""
import argparse
import os
import sys
import threading

from oslo_log import log as logging

from svc_common.cmd import common
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import defaults
from svc_common.objects import base as obj_base
from svc_common import rpc
from svc_common import service

LOG = logging.getLogger(__name__)

CLOUDS_YAML = """clouds:
  nimbus:
    auth_type: none
    auth:
      endpoint: http://{host}:{port}/v2.1
    compute_endpoint_override: http://{host}:{port}/v2.1
    image_endpoint_override: http://{host}:{port}/image/v2
    identity_api_version: 3
"""


class AllInOne:
    """Every Nimbus service in this process; ``start()`` then ``stop()``."""

    def __init__(self, compute_hosts=None, with_api=True, with_api_server=True, drivers=None,
                 bus=None, scheduler=None, object_indirection=False):
        """``bus``: what every service's RPC clients send through (the in-process
        transport by default; tests pass one that loses or repeats casts);
        ``scheduler``: the conductor's (the configured filters and weighers);
        ``object_indirection``: the computes' object calls go to the conductor over the
        bus as in a compute process (``objects.base.use_indirection_for_role``), instead
        of reaching the database directly."""
        self.compute_hosts = list(compute_hosts or [CONF.host])
        self.bus = bus
        self.object_indirection = object_indirection
        self.scheduler = scheduler
        self.compute_rpcapi = self.conductor_rpcapi = None
        self.with_api = with_api
        self.with_api_server = with_api and with_api_server
        self.drivers = drivers or {}
        self.services = []
        self.app = None
        self.http = None
        self._http_thread = None

    def start(self):
        import migrations
        from compute_svc import cmd as compute_cmd
        from conductor_svc import cmd as conductor_cmd
        from svc_common.db import api as db_api

        os.makedirs(CONF.state_path, exist_ok=True)
        migrations.upgrade(CONF.database.connection)
        db_api.use_database(CONF.database.connection,
                            synchronous=CONF.database.sqlite_synchronous)
        rpc.init(CONF)
        from svc_common import compute_rpcapi
        from svc_common import conductor_rpcapi
        self.compute_rpcapi = compute_rpcapi.ComputeAPI(self.bus)
        self.conductor_rpcapi = conductor_rpcapi.ConductorAPI(self.bus)
        if self.object_indirection:
            obj_base.use_indirection_for_role(compute_rpcapi.TOPIC, self.conductor_rpcapi)
        defaults.create_default_flavors(nimbus_context.get_admin_context())
        self.services.append(conductor_cmd.make_service(bus=self.bus,
                                                        scheduler=self.scheduler))
        for host in self.compute_hosts:
            self.services.append(compute_cmd.make_service(
                host=host, driver=self.drivers.get(host), bus=self.bus))
        for svc in self.services:
            svc.start()
        if self.with_api:
            from api_svc import wsgi
            self.app = wsgi.build_app(self.bus)
        if self.with_api_server:
            from api_svc import server
            self.http = server.make_server(self.app, CONF.api.listen, CONF.api.port)
            self._http_thread = threading.Thread(target=self.http.serve_forever,
                                                 name='api-http', daemon=True)
            self._http_thread.start()
        return self

    @property
    def port(self):
        return self.http.server_port if self.http else None

    def compute(self, host):
        """The compute manager serving ``host``."""
        return next(s.manager for s in self.services
                    if s.binary == 'nimbus-compute' and s.host == host)

    def stop(self):
        if self.http is not None:
            self.http.shutdown()
            self.http.server_close()
        # The computes drain first: their steps in flight still ask the conductor (object
        # calls, casts), which a stopped conductor would leave unanswered until the
        # RPC reply timeout.
        computes = [s for s in self.services if s.binary == 'nimbus-compute']
        service.stop_all(computes)
        service.stop_all([s for s in self.services if s not in computes])
        if self.object_indirection:
            from svc_common import compute_rpcapi
            obj_base.use_indirection_for_role(compute_rpcapi.TOPIC, None)
        rpc.cleanup()


def _parse(argv):
    parser = argparse.ArgumentParser(prog='nimbus-all-in-one')
    parser.add_argument('--state-path', default=os.path.abspath('state'),
                        help='Where the database, images and instances go (default ./state).')
    parser.add_argument('--port', type=int, default=8774)
    parser.add_argument('--compute-driver', default=None, choices=['fake', 'libvirt'])
    parser.add_argument('--compute-hosts', default=None, metavar='HOST1,HOST2',
                        help='Run one compute service per name (default: one, [DEFAULT]/'
                             'host). With several, cold migration has somewhere to go.')
    parser.add_argument('--demo-guest', default=None, metavar='DIR',
                        help='A guest built by tools/build-demo-guest, registered as the '
                             'images nimbus-demo (+ -kernel, -ramdisk) unless present.')
    return parser.parse_known_args(argv)


def main(argv=None):
    args, oslo_args = _parse(sys.argv[1:] if argv is None else argv)
    CONF.set_default('state_path', args.state_path)
    # In-process messaging unless a config file names a broker. oslo.messaging's own
    # default (rabbit:// on localhost's "/" vhost) would let every all-in-one on a host
    # consume each other's messages.
    CONF.set_default('transport_url', 'inproc://')
    CONF.set_default('auth_strategy', 'noauth', group='api')
    CONF.set_default('port', args.port, group='api')
    # One host serves everything: compute hosts fetch images from this process's API,
    # and a resize may stay on the host.
    CONF.set_default('api_endpoint', 'http://127.0.0.1:%d/image' % args.port, group='image')
    CONF.set_default('allow_resize_to_same_host', True, group='compute')
    if args.compute_driver:
        CONF.set_default('compute_driver', args.compute_driver, group='compute')
    common.setup(oslo_args, 'nimbus-all-in-one')
    hosts = [h.strip() for h in (args.compute_hosts or '').split(',') if h.strip()]
    aio = AllInOne(compute_hosts=hosts or None)
    try:
        aio.start()
    except BaseException:
        aio.stop()  # the started services' threads would keep a failed process alive
        raise
    if args.demo_guest:
        print('Demo image:', register_demo_guest(args.demo_guest))
    print('Nimbus is serving on http://%s:%s/v2.1 (no auth). clouds.yaml for '
          'openstackclient (OS_CLOUD=nimbus):\n' % (CONF.api.listen, aio.port))
    print(CLOUDS_YAML.format(host=CONF.api.listen, port=aio.port), flush=True)
    service.run_until_signalled(aio.services)
    aio.http.shutdown()
    service.end_process()


DEMO_IMAGE = 'nimbus-demo'
DEMO_COMMAND_LINE = 'console=ttyS0 root=/dev/vda quiet no_timer_check nimbus.mode=stay'


def register_demo_guest(guest_dir):
    """Register the kernel/ramdisk/disk triple in ``guest_dir`` as public images, once;
    returns the disk image's id."""
    from api_svc.images import store
    context = nimbus_context.get_admin_context()
    context.project_id = CONF.default_project_id
    existing = store.list_images(context, {'name': DEMO_IMAGE})
    if existing:
        return existing[0].id

    def add(name, disk_format, filename, **properties):
        image = store.create(context, {'name': name, 'disk_format': disk_format,
                                       'container_format': 'bare' if disk_format == 'qcow2'
                                       else disk_format, 'visibility': 'public'},
                             properties)
        with open(os.path.join(guest_dir, filename), 'rb') as data:
            store.upload(context, image.id, data)
        return image.id

    kernel = add(DEMO_IMAGE + '-kernel', 'aki', 'vmlinuz')
    ramdisk = add(DEMO_IMAGE + '-ramdisk', 'ari', 'initrd.img')
    return add(DEMO_IMAGE, 'qcow2', 'root.qcow2', kernel_id=kernel, ramdisk_id=ramdisk,
               os_command_line=DEMO_COMMAND_LINE)
