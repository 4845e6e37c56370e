"""The real-hypervisor tier: libvirt + QEMU on this machine, the demo guest booted for real.

The session first runs tools/install-libvirt (idempotent: packages, libvirt-python, daemons)
and builds the demo guest once, cached under /var/cache/nimbus-test-guest/<hash of the
build script>, so later runs start in a second. Tests skip, loudly, only where this host
cannot run libvirt at all (not Linux, not root, no apt); any other failure is a failure.
"""
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest

from svc_common.conf import CONF
from tests.libvirt import image_server

ROOT = pathlib.Path(__file__).resolve().parents[2]
INSTALLER = ROOT / 'tools' / 'install-libvirt'
BUILDER = ROOT / 'tools' / 'build-demo-guest'
GUEST_CACHE = pathlib.Path(os.environ.get('NIMBUS_TEST_GUEST_CACHE',
                                          '/var/cache/nimbus-test-guest'))
# The demo guest reports and then powers off by itself, so tests never wait on a timeout.
CMDLINE = 'console=ttyS0 root=/dev/vda quiet nimbus.mode=poweroff'


def pytest_configure(config):
    config.addinivalue_line('markers', 'libvirt: boots real guests with libvirt and QEMU')


def pytest_collection_modifyitems(config, items):
    here = pathlib.Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.libvirt)


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
    digest = hashlib.sha256(BUILDER.read_bytes()).hexdigest()[:16]
    target = GUEST_CACHE / digest
    if not (target / 'manifest.json').exists():
        GUEST_CACHE.mkdir(parents=True, exist_ok=True)
        work = pathlib.Path(tempfile.mkdtemp(dir=GUEST_CACHE, prefix='.build-'))
        run = subprocess.run([str(BUILDER), '--out', str(work)], capture_output=True,
                             text=True)
        if run.returncode:
            shutil.rmtree(work, ignore_errors=True)
            pytest.fail('tools/build-demo-guest failed:\n%s%s' % (run.stdout, run.stderr))
        try:
            work.rename(target)
        except OSError:  # another run finished first
            shutil.rmtree(work, ignore_errors=True)
    return target


@pytest.fixture(scope='session')
def image_api(demo_guest, tmp_path_factory):
    """The demo guest as an image triple in a Glance look-alike."""
    server = image_server.ImageServer(str(tmp_path_factory.mktemp('image-store'))).start()
    kernel = server.add(str(demo_guest / 'vmlinuz'), 'aki', 'aki', name='demo-kernel')
    ramdisk = server.add(str(demo_guest / 'initrd.img'), 'ari', 'ari', name='demo-ramdisk')
    server.demo = server.add(str(demo_guest / 'root.qcow2'), 'qcow2', name='demo',
                             kernel_id=kernel['id'], ramdisk_id=ramdisk['id'],
                             os_command_line=CMDLINE)
    server.kernel, server.ramdisk = kernel, ramdisk

    def add_demo_copy(**props):
        """Another image with the demo's disk: not in any cache yet."""
        return server.add(str(demo_guest / 'root.qcow2'), 'qcow2',
                          **dict(dict(kernel_id=kernel['id'], ramdisk_id=ramdisk['id'],
                                      os_command_line=CMDLINE), **props))
    server.add_demo_copy = add_demo_copy
    yield server
    server.stop()


@pytest.fixture
def make_driver(image_api, tmp_path):
    """make_driver(host) -> a LibvirtDriver on qemu:///system with its own instances path
    (tmp_path/<host>); all of them copy disks to each other with the local transport."""
    from compute_svc import image_client
    from compute_svc.virt.libvirt import driver as libvirt_driver
    from compute_svc.virt.libvirt import remotefs

    roots = {h: str(tmp_path / h) for h in ('hostA', 'hostB')}
    drivers = []

    def make(host='hostA', client=None):
        drv = libvirt_driver.LibvirtDriver(
            instances_path=roots[host],
            image_client=client or image_client.HttpImageClient(image_api.url),
            remotefs=remotefs.LocalTransport(roots[host], roots), uri='qemu:///system',
            host=host)
        drv.init_host(host)
        drivers.append(drv)
        return drv
    yield make
    for drv in drivers:
        for guest in drv._hypervisor.guests():
            if drv._owns(guest):
                guest.destroy()
                guest.undefine()
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
