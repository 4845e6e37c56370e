"""A thin wrapper over one libvirt domain: the calls the driver makes, each idempotent."""
import libvirt

from svc_common import states
from compute_svc.virt.libvirt import config

P = states.PowerState
_POWER_STATES = {
    libvirt.VIR_DOMAIN_NOSTATE: P.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: P.RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED: P.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: P.PAUSED,
    libvirt.VIR_DOMAIN_SHUTDOWN: P.SHUTDOWN,
    libvirt.VIR_DOMAIN_SHUTOFF: P.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: P.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: P.SUSPENDED,
}


def error_code(error):
    return error.get_error_code() if isinstance(error, libvirt.libvirtError) else None


class Guest:

    def __init__(self, domain):
        self._domain = domain

    @property
    def uuid(self):
        return self._domain.UUIDString()

    @property
    def name(self):
        return self._domain.name()

    def power_state(self):
        state, _reason = self._domain.state()
        return _POWER_STATES.get(state, P.NOSTATE)

    def is_active(self):
        return bool(self._domain.isActive())

    def start(self):
        if not self.is_active():
            self._domain.create()

    def destroy(self):
        """Stop at once (the domain stays defined)."""
        try:
            self._domain.destroy()
        except libvirt.libvirtError as error:
            if error_code(error) not in (libvirt.VIR_ERR_OPERATION_INVALID,
                                         libvirt.VIR_ERR_NO_DOMAIN):
                raise

    def pause(self):
        """Suspend the vCPUs (QEMU flushes its disks when it stops them)."""
        if self.power_state() == P.RUNNING:
            self._domain.suspend()

    def unpause(self):
        if self.power_state() == P.PAUSED:
            self._domain.resume()

    def managed_save(self):
        """Save the running guest's state to libvirt's managed save image and stop it;
        the next start restores it. A stopped guest is left as it is."""
        if self.is_active():
            self._domain.managedSave(0)

    def has_managed_save(self):
        return bool(self._domain.hasManagedSaveImage(0))

    def shutdown(self):
        """Ask the guest to power off (ACPI power button)."""
        try:
            self._domain.shutdown()
        except libvirt.libvirtError as error:
            if error_code(error) not in (libvirt.VIR_ERR_OPERATION_INVALID,
                                         libvirt.VIR_ERR_NO_DOMAIN):
                raise

    def undefine(self):
        flags = (libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                 libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
        try:
            self._domain.undefineFlags(flags)
        except libvirt.libvirtError as error:
            if error_code(error) == libvirt.VIR_ERR_NO_DOMAIN:
                return
            if error_code(error) != libvirt.VIR_ERR_NO_SUPPORT:
                raise
            self._domain.undefine()

    def is_persistent(self):
        return bool(self._domain.isPersistent())

    def xml(self, inactive=False):
        flags = libvirt.VIR_DOMAIN_XML_INACTIVE if inactive else 0
        return self._domain.XMLDesc(flags)

    def file_paths(self):
        """The files the domain uses (its disk files and console log); None once the
        domain is gone (it can go between a listing of the domains and this call)."""
        try:
            return config.owned_paths(self.xml())
        except libvirt.libvirtError as error:
            if error_code(error) == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise
