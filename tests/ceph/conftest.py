"""The Ceph tier: RBD instance disks and the RBD image store on a real, throwaway
single-node Ceph cluster (one monitor, one in-memory OSD) that this tier starts itself,
with real guests under libvirt/QEMU reaching their disks through librbd.

tools/install-ceph installs the daemons and the rados/rbd bindings (tools/run-tests.sh
runs it first; run here too when the bindings are missing). Tests skip, loudly, only
where this host cannot run Ceph at all (not Linux, not root, no apt); any other failure
is a failure."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from svc_common.conf import CONF
from tests import ports
from tests.ceph import cluster as cluster_mod
# The real-guest tier's fixtures: libvirt, the demo guest, the REST all-in-one.
from tests.libvirt.conftest import demo_guest, libvirt_host, rest_cloud  # noqa: F401

ROOT = pathlib.Path(__file__).resolve().parents[2]
INSTALLER = ROOT / 'tools' / 'install-ceph'
POOL_QUOTA = 100 * 1024 ** 3  # what the hosts report as their disk (the pool's capacity)


def pytest_configure(config):
    config.addinivalue_line('markers', 'ceph: runs against a real Ceph cluster')


def _cannot_run_here():
    if not sys.platform.startswith('linux'):
        return 'not Linux'
    if os.geteuid() != 0:
        return 'not root (the tier starts Ceph daemons and libvirt guests)'
    if not shutil.which('apt-get'):
        return 'no apt to install Ceph'
    return None


@pytest.fixture(scope='session')
def ceph(tmp_path_factory):
    """The cluster: pools 'vms' (instance disks, with a quota) and 'images' (the image
    API's RBD store)."""
    reason = _cannot_run_here()
    if reason:
        pytest.skip('CEPH TIER SKIPPED: this host cannot run it: %s' % reason)
    try:
        import rados  # noqa: F401
        import rbd  # noqa: F401
    except ImportError:
        run = subprocess.run([str(INSTALLER), '--venv', sys.prefix], capture_output=True,
                             text=True)
        if run.returncode:
            pytest.fail('tools/install-ceph failed:\n%s%s' % (run.stdout, run.stderr))
        import importlib
        import site
        importlib.invalidate_caches()
        site.main()  # the .pth file the installer wrote
    cluster = cluster_mod.Cluster(tmp_path_factory.mktemp('ceph'), ports.free_port())
    try:
        cluster.start(pools=('vms', 'images'))
        cluster.set_quota('vms', POOL_QUOTA)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def rbd_conf(ceph):
    """Instance disks and the image store on the cluster, for one test."""
    overrides = [('libvirt', 'images_type', 'rbd'),
                 ('libvirt', 'images_rbd_pool', 'vms'),
                 ('libvirt', 'images_rbd_ceph_conf', ceph.conf),
                 ('image', 'store', 'rbd'),
                 ('image', 'rbd_store_pool', 'images'),
                 ('image', 'rbd_store_ceph_conf', ceph.conf)]
    for group, name, value in overrides:
        CONF.set_override(name, value, group=group)
    yield ceph
    for group, name, _value in overrides:
        CONF.clear_override(name, group=group)


@pytest.fixture
def ceph_cloud(rbd_conf, rest_cloud):
    """tests/libvirt's REST all-in-one (hosts lv1, lv2), its disks and images on Ceph."""
    return rest_cloud
