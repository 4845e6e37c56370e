"""Stable device rescue (API 2.87's behaviour for image-backed servers): a rescue image
with the property ``hw_rescue_device`` or ``hw_rescue_bus`` is attached as one more
device after the server's own (root, ephemeral, swap, config drive), which keep their
addresses, and the guest boots from it. Without either property a rescue is the legacy
one: the rescue disk first, the root disk second, nothing else.

The API refuses a rescue image whose pair cannot be attached (400); the libvirt driver
records the pair with the rescue disk in disk.info and builds the device from it.
"""
from svc_common import exception

DEVICES = ('disk', 'cdrom', 'floppy')
BUSES = ('virtio', 'scsi', 'usb', 'ide', 'sata', 'fdc')
# The bus a device gets when the image names only the device.
DEFAULT_BUS = {'disk': 'virtio', 'cdrom': 'scsi', 'floppy': 'fdc'}
# libvirt's target name prefix for each bus.
PREFIX = {'virtio': 'vd', 'scsi': 'sd', 'usb': 'sd', 'sata': 'sd', 'ide': 'hd', 'fdc': 'fd'}


def stable_device(properties):
    """{'device': D, 'bus': B} for a stable rescue from an image with these
    properties, or None for a legacy rescue; exception.Invalid for a pair that cannot
    be attached (a floppy off its controller, a cdrom on virtio, unknown names)."""
    device = properties.get('hw_rescue_device')
    bus = properties.get('hw_rescue_bus')
    if not device and not bus:
        return None
    device = device or 'disk'
    bus = bus or DEFAULT_BUS.get(device)
    if device not in DEVICES or bus not in BUSES:
        raise exception.Invalid(message='The rescue image asks for a %s on a %s bus: '
                                        'hw_rescue_device is one of %s, hw_rescue_bus '
                                        'one of %s.' % (device, bus, ', '.join(DEVICES),
                                                        ', '.join(BUSES)))
    if (device == 'floppy') != (bus == 'fdc') or (device == 'cdrom' and bus == 'virtio'):
        raise exception.Invalid(message='A rescue %s cannot be attached on a %s bus.'
                                        % (device, bus))
    return {'device': device, 'bus': bus}


def target_dev(bus, taken):
    """The first free target name on ``bus`` (vdX, sdX, hdX, fdX), given the names
    ``taken`` by the domain's other disks."""
    prefix = PREFIX[bus]
    for letter in 'abcdefghijklmnopqrstuvwxyz':
        if prefix + letter not in taken:
            return prefix + letter
    raise exception.Invalid(message='No free %s device name left for the rescue disk'
                                    % prefix)
