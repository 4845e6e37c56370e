"""The hypervisor host: one libvirt connection (reopened when it breaks), domain
lookups, what the host offers, and which domain type it can really run."""
import os
import threading

import libvirt
from oslo_log import log as logging

from svc_common import exception
from compute_svc.virt.libvirt import config
from compute_svc.virt.libvirt import guest as guest_mod

LOG = logging.getLogger(__name__)
DEFAULT_URI = 'qemu:///system'
# The KVM modules that mean hardware virtualisation. /dev/kvm may also come from a
# paravirtual nested KVM (kvm_pvm on these machines) that only kernels built for it can
# boot under: a stock guest kernel hangs there.
_HARDWARE_KVM_MODULES = ('kvm_intel', 'kvm_amd')


def _silence_libvirt_errors(_ctx, _error):
    """libvirt prints every error to stderr by default; the driver handles them."""


libvirt.registerErrorHandler(_silence_libvirt_errors, None)


def detect_virt_type(dev_kvm='/dev/kvm', sys_module='/sys/module'):
    """'kvm' when /dev/kvm is usable and hardware-backed, else 'qemu' (TCG)."""
    if not os.access(dev_kvm, os.R_OK | os.W_OK):
        return 'qemu'
    if any(os.path.isdir(os.path.join(sys_module, m)) for m in _HARDWARE_KVM_MODULES):
        return 'kvm'
    return 'qemu'


def resolve_virt_type(configured):
    return detect_virt_type() if configured == 'auto' else configured


class Host:

    def __init__(self, uri=None, host_name=None):
        self.uri = uri or DEFAULT_URI
        self.host_name = host_name
        self._conn = None
        self._lock = threading.Lock()

    def connection(self):
        with self._lock:
            if self._conn is not None:
                try:
                    if self._conn.isAlive():
                        return self._conn
                except libvirt.libvirtError:
                    pass
                LOG.warning('Connection to %s lost; reconnecting', self.uri)
            try:
                self._conn = libvirt.open(self.uri)
            except libvirt.libvirtError as error:
                self._conn = None
                LOG.error('Cannot connect to %s: %s', self.uri, error)
                raise exception.HypervisorUnavailable(
                    host=self.host_name or self.uri) from error
            return self._conn

    def close(self):
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                except libvirt.libvirtError:
                    pass
                self._conn = None

    def lookup(self, uuid):
        """The Guest of an instance, or None."""
        try:
            return guest_mod.Guest(self.connection().lookupByUUIDString(uuid))
        except libvirt.libvirtError as error:
            if guest_mod.error_code(error) == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise

    def define(self, xml):
        return guest_mod.Guest(self.connection().defineXML(xml))

    def guests(self):
        """Nimbus's domains (named instance-<uuid>), running or not."""
        return [guest_mod.Guest(dom) for dom in self.connection().listAllDomains(0)
                if dom.name().startswith(config.DOMAIN_NAME_PREFIX)]

    def resources(self):
        """(cpus, memory MiB) of the host as libvirt sees it."""
        info = self.connection().getInfo()
        return info[2], info[1]

    def hypervisor_version(self):
        return self.connection().getVersion()
