"""A thin wrapper over one libvirt domain: the calls the driver makes, each idempotent."""
import time
from xml.etree import ElementTree as ET

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


# How long a start or a destroy waits for libvirtd to finish stopping a domain whose guest
# powered itself off (see Guest.settle).
SETTLE_TIMEOUT = 30.0
_SETTLE_POLL = 0.05


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

    def settle(self):
        """Wait while libvirtd is stopping the domain on its own. After the guest powers
        off, the domain is "shutdown" (still active) until libvirtd has handled the end
        of QEMU's monitor; libvirtd 9 handles that on one event thread, behind the other
        domains' (seen here: up to 1.7 s). A start in that window does nothing (the
        domain is active), and a destroy and start in it leave the event queued: when it
        runs, libvirtd kills the domain's QEMU of the moment, the new one ("process
        exited while connecting to monitor", or a start that "crashed")."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while (self._domain.state()[0] == libvirt.VIR_DOMAIN_SHUTDOWN and
               time.monotonic() < deadline):
            time.sleep(_SETTLE_POLL)

    def start(self):
        self.settle()
        if not self.is_active():
            self._domain.create()

    def destroy(self):
        """Stop at once (the domain stays defined)."""
        self.settle()
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

    def drop_managed_save(self):
        """Forget a suspended guest's saved state: its next start boots afresh."""
        if self.has_managed_save():
            self._domain.managedSaveRemove(0)

    def diagnostics(self, hypervisor):
        """The running domain's counters in the shape of microversion 2.48 (memory in
        MiB, CPU and disk counters as libvirt reports them, disks by device name)."""
        dom = self._domain
        _state, max_kib, used_kib, num_cpus, _cpu_ns = dom.info()
        try:
            cpus = [{'id': number, 'time': cpu_ns, 'utilisation': None}
                    for number, _vstate, cpu_ns, _pcpu in dom.vcpus()[0]]
        except libvirt.libvirtError:
            cpus = []
        disks, config_drive = [], False
        for device in ET.fromstring(self.xml()).findall('./devices/disk'):
            target = device.find('target')
            if target is None:
                continue
            config_drive = config_drive or device.get('device') == 'cdrom'
            try:
                rd_req, rd_bytes, wr_req, wr_bytes, errors = dom.blockStats(target.get('dev'))
            except libvirt.libvirtError:
                continue
            disks.append({'name': target.get('dev'), 'read_bytes': rd_bytes,
                          'read_requests': rd_req, 'write_bytes': wr_bytes,
                          'write_requests': wr_req, 'errors_count': errors})
        return {
            'state': 'running', 'driver': 'libvirt', 'hypervisor': hypervisor,
            'hypervisor_os': 'linux', 'uptime': None, 'config_drive': config_drive,
            'num_cpus': num_cpus, 'num_disks': len(disks), 'num_nics': 0,
            'memory_details': {'maximum': max_kib // 1024, 'used': used_kib // 1024},
            'cpu_details': cpus, 'nic_details': [], 'disk_details': disks}

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

    # -- live migration --------------------------------------------------------------
    def migrate(self, dest_uri, params, flags):
        """Move the running domain to the libvirtd at ``dest_uri`` (blocks until done)."""
        self._domain.migrateToURI3(dest_uri, params, flags)

    def job_active(self):
        """Whether a job (a migration) is running on the domain."""
        try:
            return self._domain.jobInfo()[0] != libvirt.VIR_DOMAIN_JOB_NONE
        except libvirt.libvirtError as error:
            if error_code(error) in (libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_NO_SUPPORT,
                                     libvirt.VIR_ERR_OPERATION_INVALID):
                return False
            raise

    def abort_job(self):
        try:
            self._domain.abortJob()
        except libvirt.libvirtError as error:
            if error_code(error) not in (libvirt.VIR_ERR_OPERATION_INVALID,
                                         libvirt.VIR_ERR_NO_DOMAIN):
                raise

    def migratable_xml(self):
        return self._domain.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE |
                                    libvirt.VIR_DOMAIN_XML_SECURE)

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
