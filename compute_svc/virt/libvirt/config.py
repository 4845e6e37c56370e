"""The libvirt domain XML of an instance, built from plain data.

Kept free of libvirt and of instance objects so it can be tested as text.
"""
import dataclasses
import platform
from xml.etree import ElementTree as ET

from svc_common import instance_names

METADATA_NS = 'https://nimbus.dev/xmlns/libvirt/instance/1.0'
DOMAIN_NAME_PREFIX = instance_names.PREFIX
ET.register_namespace('nimbus', METADATA_NS)


def domain_name(uuid):
    """Domains are named ``instance-<uuid>`` (and carry the instance uuid as their own),
    so names never collide and a glance at ``virsh list`` tells Nimbus's guests apart."""
    return instance_names.hypervisor_name(uuid)


@dataclasses.dataclass
class Disk:
    path: str                # a file, or 'pool/image' for an RBD image
    driver_format: str       # 'qcow2' | 'raw'
    target_dev: str          # vda, vdb, ... (sda for a cdrom)
    bus: str = 'virtio'
    device: str = 'disk'     # 'disk' | 'cdrom' | 'floppy'
    rbd: 'RbdSource | None' = None  # set: a network disk reached through librbd
    boot_order: int | None = None   # set: boot from this device (a stable rescue's)

    @property
    def read_only(self):
        return self.device == 'cdrom'


@dataclasses.dataclass
class RbdSource:
    hosts: list              # [(host, port)] of the monitors
    user: str | None = None  # cephx user, with the libvirt secret holding its key
    secret_uuid: str | None = None


@dataclasses.dataclass
class Interface:
    """A virtio NIC on a host bridge (the tap libvirt makes joins it)."""
    bridge: str
    mac_address: str


@dataclasses.dataclass
class GuestConfig:
    uuid: str
    virt_type: str           # 'qemu' | 'kvm'
    memory_mb: int
    vcpus: int
    disks: list
    console_log: str
    kernel: str | None = None
    initrd: str | None = None
    cmdline: str | None = None
    metadata: dict = dataclasses.field(default_factory=dict)
    arch: str = dataclasses.field(default_factory=platform.machine)
    interfaces: list = dataclasses.field(default_factory=list)  # [Interface]

    @property
    def name(self):
        return domain_name(self.uuid)

    def to_xml(self) -> str:
        domain = ET.Element('domain', type=self.virt_type)
        _text(domain, 'name', self.name)
        _text(domain, 'uuid', self.uuid)
        if self.metadata:
            meta = ET.SubElement(domain, 'metadata')
            inst = ET.SubElement(meta, '{%s}instance' % METADATA_NS)
            for key, value in sorted(self.metadata.items()):
                if value is not None:
                    _text(inst, '{%s}%s' % (METADATA_NS, key), str(value))
        _text(domain, 'memory', str(self.memory_mb), unit='MiB')
        _text(domain, 'vcpu', str(self.vcpus))
        self._os(domain)
        features = ET.SubElement(domain, 'features')
        ET.SubElement(features, 'acpi')
        ET.SubElement(features, 'apic')
        if self.virt_type == 'kvm':
            ET.SubElement(domain, 'cpu', mode='host-model')
        ET.SubElement(domain, 'clock', offset='utc')
        _text(domain, 'on_poweroff', 'destroy')
        _text(domain, 'on_reboot', 'restart')
        _text(domain, 'on_crash', 'destroy')
        self._devices(domain)
        ET.indent(domain)
        return ET.tostring(domain, encoding='unicode')

    def _os(self, domain):
        os_el = ET.SubElement(domain, 'os')
        _text(os_el, 'type', 'hvm', arch=self.arch)
        if self.kernel:
            _text(os_el, 'kernel', self.kernel)
            if self.initrd:
                _text(os_el, 'initrd', self.initrd)
            if self.cmdline:
                _text(os_el, 'cmdline', self.cmdline)
        elif not any(disk.boot_order for disk in self.disks):
            ET.SubElement(os_el, 'boot', dev='hd')  # (libvirt refuses it beside a device's)

    def _devices(self, domain):
        devices = ET.SubElement(domain, 'devices')
        for disk in self.disks:
            _disk(devices, disk)
        if any(disk.bus == 'scsi' for disk in self.disks):
            # The config drive is a SCSI cdrom (sr0): the guest's vdX stay its disks.
            ET.SubElement(devices, 'controller', type='scsi', index='0', model='virtio-scsi')
        for interface in self.interfaces:
            nic = ET.SubElement(devices, 'interface', type='bridge')
            ET.SubElement(nic, 'mac', address=interface.mac_address)
            ET.SubElement(nic, 'source', bridge=interface.bridge)
            ET.SubElement(nic, 'model', type='virtio')
        # A file console in append mode: without append='on' QEMU truncates it on every
        # start, and the log of earlier boots (and of before a resize) would be lost.
        serial = ET.SubElement(devices, 'serial', type='file')
        ET.SubElement(serial, 'source', path=self.console_log, append='on')
        ET.SubElement(serial, 'target', port='0')
        console = ET.SubElement(devices, 'console', type='file')
        ET.SubElement(console, 'source', path=self.console_log, append='on')
        ET.SubElement(console, 'target', type='serial', port='0')
        # No balloon: memory is not changed live, and the device costs guest memory.
        ET.SubElement(devices, 'memballoon', model='none')


def _disk(devices, disk):
    el = ET.SubElement(devices, 'disk', type='network' if disk.rbd else 'file',
                       device=disk.device)
    # No host cache for network disks: librbd caches, and writes must reach the cluster.
    extra = {'cache': 'writeback'} if disk.rbd else {}
    ET.SubElement(el, 'driver', name='qemu', type=disk.driver_format, **extra)
    if disk.rbd:
        if disk.rbd.user:
            auth = ET.SubElement(el, 'auth', username=disk.rbd.user)
            ET.SubElement(auth, 'secret', type='ceph', uuid=disk.rbd.secret_uuid or '')
        source = ET.SubElement(el, 'source', protocol='rbd', name=disk.path)
        for host, port in disk.rbd.hosts:
            ET.SubElement(source, 'host', name=host, port=str(port))
    else:
        ET.SubElement(el, 'source', file=disk.path)
    ET.SubElement(el, 'target', dev=disk.target_dev, bus=disk.bus)
    if disk.boot_order:
        ET.SubElement(el, 'boot', order=str(disk.boot_order))
    if disk.read_only:
        ET.SubElement(el, 'readonly')


def _text(parent, tag, text, **attrs):
    el = ET.SubElement(parent, tag, **attrs)
    el.text = text
    return el


def disk_paths(xml):
    """Source files of the disks in a domain XML."""
    root = ET.fromstring(xml)
    return [src.get('file') for src in root.findall('./devices/disk/source')
            if src.get('file')]


def rbd_names(xml):
    """'pool/image' of the RBD disks in a domain XML."""
    root = ET.fromstring(xml)
    return [src.get('name') for src in root.findall('./devices/disk/source')
            if src.get('protocol') == 'rbd']


def owned_paths(xml):
    """The files a domain uses (disk files, the console log): a compute service owns the
    domains whose files are under its instances path."""
    root = ET.fromstring(xml)
    serial = [src.get('path') for src in root.findall('./devices/serial/source')
              if src.get('path')]
    return disk_paths(xml) + serial


def interfaces(xml):
    """(bridge, MAC) of the bridge NICs in a domain XML."""
    root = ET.fromstring(xml)
    return [(nic.find('source').get('bridge'), nic.find('mac').get('address'))
            for nic in root.findall("./devices/interface[@type='bridge']")]


def read_metadata(xml):
    """Nimbus's metadata in a domain XML, as a dict of strings."""
    root = ET.fromstring(xml)
    inst = root.find('./metadata/{%s}instance' % METADATA_NS)
    if inst is None:
        return {}
    prefix = '{%s}' % METADATA_NS
    return {child.tag[len(prefix):]: child.text for child in inst
            if child.tag.startswith(prefix)}
