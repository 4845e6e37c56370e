"""The real-hypervisor tier: libvirt + QEMU on this machine, the demo guest booted for real.

The session first runs tools/install-libvirt (idempotent: packages, libvirt-python,
daemons) and tools/build-demo-guest (builds once into /var/cache/nimbus-test-guest, again
only when its recipe changes), so later runs start in about a second. Tests skip, loudly,
only where this host cannot run libvirt at all (not Linux, not root, no apt); any other
failure is a failure.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from svc_common.conf import CONF
from tests import ports
from tests.functional.conftest import Cloud
from tests.libvirt import domains
from tests.libvirt import failure_report
from tests.libvirt import image_server

ROOT = pathlib.Path(__file__).resolve().parents[2]
INSTALLER = ROOT / 'tools' / 'install-libvirt'
BUILDER = ROOT / 'tools' / 'build-demo-guest'
GUEST_CACHE = pathlib.Path(os.environ.get('NIMBUS_TEST_GUEST_CACHE',
                                          '/var/cache/nimbus-test-guest'))


def pytest_configure(config):
    config.addinivalue_line('markers', 'libvirt: boots real guests with libvirt and QEMU')


def pytest_collection_modifyitems(config, items):
    here = pathlib.Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.libvirt)


_LOG_MARK = pytest.StashKey()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[_LOG_MARK] = failure_report.Mark()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report carries the logs its guests left (failure_report)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and _LOG_MARK in item.stash:
        tmp_dir = getattr(item, 'funcargs', {}).get('tmp_path')
        report.sections.extend(failure_report.report(item.stash[_LOG_MARK], tmp_dir))


def _cannot_run_here():
    if not sys.platform.startswith('linux'):
        return 'not Linux'
    if os.geteuid() != 0:
        return 'not root (the tier uses the system libvirtd, qemu:///system)'
    if not shutil.which('apt-get') or not shutil.which('dpkg-query'):
        return 'no apt/dpkg to install libvirt and QEMU'
    return None


@pytest.fixture(scope='session')
def libvirt_host():
    reason = _cannot_run_here()
    if reason:
        pytest.skip('LIBVIRT TIER SKIPPED: this host cannot run it: %s' % reason)
    run = subprocess.run([str(INSTALLER), '--venv', sys.prefix], capture_output=True,
                         text=True)
    if run.returncode:
        pytest.fail('tools/install-libvirt failed:\n%s%s' % (run.stdout, run.stderr))
    import importlib
    importlib.invalidate_caches()
    import libvirt  # noqa: F401  (installed into this venv by the installer)


@pytest.fixture(scope='session')
def demo_guest(libvirt_host):
    """The demo guest, built once into GUEST_CACHE (the builder itself skips a build that
    is up to date, so this costs milliseconds after the first run)."""
    run = subprocess.run([str(BUILDER), '--out', str(GUEST_CACHE)], capture_output=True,
                         text=True)
    if run.returncode:
        pytest.fail('tools/build-demo-guest failed:\n%s%s' % (run.stdout, run.stderr))
    return GUEST_CACHE


@pytest.fixture(scope='session')
def upload_demo_guest(demo_guest):
    """upload_demo_guest(url) -> {image name: id}: the demo guest uploaded through the
    Glance v2 API at ``url`` by build-demo-guest --upload, as an image triple
    (nimbus-demo-kernel, nimbus-demo-ramdisk, nimbus-demo) whose guest powers itself off
    after reporting."""
    def upload(url):
        run = subprocess.run([str(BUILDER), '--out', str(demo_guest), '--mode', 'poweroff',
                              '--upload', url], capture_output=True, text=True,
                             env=dict(os.environ, PYTHON=sys.executable))
        if run.returncode:
            pytest.fail('build-demo-guest --upload failed:\n%s%s' % (run.stdout,
                                                                      run.stderr))
        return dict(line.split() for line in run.stdout.splitlines())
    return upload


@pytest.fixture(scope='session')
def image_api(demo_guest, upload_demo_guest, tmp_path_factory):
    """A Glance look-alike holding the demo guest (``upload_demo_guest``)."""
    server = image_server.ImageServer(str(tmp_path_factory.mktemp('image-store'))).start()
    try:
        ids = upload_demo_guest(server.url)
    except BaseException:
        server.stop()
        raise
    server.kernel = server.records[ids['nimbus-demo-kernel']]
    server.ramdisk = server.records[ids['nimbus-demo-ramdisk']]
    server.demo = server.records[ids['nimbus-demo']]

    def add_demo_copy(**props):
        """Another image with the demo's disk: not in any cache yet."""
        return server.add(str(demo_guest / 'root.qcow2'), 'qcow2', **dict(dict(
            kernel_id=server.kernel['id'], ramdisk_id=server.ramdisk['id'],
            os_command_line=server.demo['os_command_line']), **props))
    server.add_demo_copy = add_demo_copy
    yield server
    server.stop()


@pytest.fixture
def make_driver(image_api, tmp_path):
    """make_driver(host) -> a LibvirtDriver on qemu:///system with its own instances path
    (tmp_path/<host>); all of them copy disks to each other with the local transport."""
    from compute_svc.virt.disks import image_client
    from compute_svc.virt.libvirt import driver as libvirt_driver
    from compute_svc.virt.disks import remotefs

    roots = {h: str(tmp_path / h) for h in ('hostA', 'hostB')}
    drivers = []

    def make(host='hostA', client=None):
        drv = libvirt_driver.LibvirtDriver(
            instances_path=roots[host],
            image_client=client or image_client.HttpImageClient(image_api.url),
            remotefs=remotefs.LocalTransport(roots[host], roots), uri=domains.URI,
            host=host, vifs=domains.no_nics)
        drv.init_host(host)
        drivers.append(drv)
        return drv
    yield make
    domains.destroy_all(drivers)
    for drv in drivers:
        drv.cleanup_host(drv.host)


@pytest.fixture
def libvirt_conf():
    """Set [libvirt] options for one test."""
    touched = []

    def override(**values):
        for name, value in values.items():
            CONF.set_override(name, value, group='libvirt')
            touched.append(name)
    yield override
    for name in touched:
        CONF.clear_override(name, group='libvirt')


# -- the REST tier: an all-in-one with the libvirt driver -------------------------------
REST_HOSTS = ('lv1', 'lv2')



@pytest.fixture
def rest_cloud(demo_guest, tmp_path):
    """An in-process all-in-one with ``[compute] compute_driver = libvirt`` and two
    compute hosts (lv1, lv2) on this machine's libvirtd, each with its own instances path
    (tmp_path/instances-<host>) and disks moved between them by the local transport.
    The API is served over HTTP on a free port, and the compute hosts download images
    from its /image endpoint. The demo guest is registered as nimbus-demo, switched
    (through the image API) to nimbus.mode=poweroff: each boot reports and powers itself
    off, so a guest costs CPU only while it boots. Yields a RestCloud (tests/functional's
    Cloud plus each host's instances path)."""
    from nimbus_cmd import all_in_one

    port = ports.free_port()
    paths = {host: str(tmp_path / ('instances-' + host)) for host in REST_HOSTS}
    overrides = [
        (None, 'state_path', str(tmp_path)),
        ('database', 'connection', 'sqlite:///%s/nimbus.sqlite' % tmp_path),
        (None, 'transport_url', 'fake://'),
        (None, 'report_interval', 2),
        ('api', 'auth_strategy', 'noauth'),
        ('api', 'listen', '127.0.0.1'),
        ('api', 'port', port),
        ('image', 'api_endpoint', 'http://127.0.0.1:%d/image' % port),
        ('compute', 'compute_driver', 'libvirt'),
        ('libvirt', 'connection_uri', domains.URI),
        ('libvirt', 'remote_filesystem_transport', 'local'),
        ('libvirt', 'instances_paths_by_host', paths),
    ]
    for group, name, value in overrides:
        CONF.set_override(name, value, group=group)
    aio = all_in_one.AllInOne(compute_hosts=list(REST_HOSTS), with_api_server=True)
    try:
        aio.start()
        cloud = RestCloud(aio, paths)
        cloud.demo_image = all_in_one.register_demo_guest(str(demo_guest))
        cloud.set_image_mode(cloud.demo_image, 'poweroff')
        yield cloud
        cloud.delete_all_servers()
    finally:
        domains.destroy_all([svc.manager.driver for svc in aio.services
                             if svc.binary == 'nimbus-compute'])
        aio.stop()
        for group, name, _value in overrides:
            CONF.clear_override(name, group=group)


class RestCloud(Cloud):
    """REST as an admin at microversion 2.96, plus where each host keeps its files."""

    VERSION = '2.96'

    def __init__(self, aio, paths):
        super().__init__(aio)
        self.paths = paths
        self.demo_image = None

    def call(self, method, path, body=None, expect=None, **kwargs):
        resp = self.admin(method, path, body, version=self.VERSION, **kwargs)
        if expect is not None:
            assert resp.status_int == expect, '%s %s -> %s: %s' % (
                method, path, resp.status, resp.body[:2000])
        return resp

    def driver(self, host):
        return self.aio.compute(host).driver

    def set_image_mode(self, image_id, mode):
        image = self.call('GET', '/image/v2/images/%s' % image_id, expect=200).json_body
        cmdline = ' '.join(word for word in image['os_command_line'].split()
                           if not word.startswith('nimbus.mode=')) + ' nimbus.mode=' + mode
        self.call('PATCH', '/image/v2/images/%s' % image_id,
                  headers={'Content-Type': 'application/openstack-images-v2.1-json-patch'},
                  raw=json.dumps([{'op': 'replace', 'path': '/os_command_line',
                                   'value': cmdline}]).encode(), expect=200)

    def delete_all_servers(self, timeout=60):
        servers = self.call('GET', '/v2.1/servers?all_tenants=1',
                            expect=200).json_body['servers']
        for server in servers:
            self.call('DELETE', '/v2.1/servers/%s' % server['id'])
        for server in servers:
            self.wait_for(lambda sid=server['id']: self.call(
                'GET', '/v2.1/servers/%s' % sid).status_int == 404, timeout, 0.2,
                          'server %s to be deleted' % server['id'])
