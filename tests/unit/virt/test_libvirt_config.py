from xml.etree import ElementTree as ET

from compute_svc.virt.libvirt import config

UUID = '6f1e1a2c-1111-4222-8333-444455556666'


def _guest(**overrides):
    values = dict(uuid=UUID, virt_type='qemu', memory_mb=256, vcpus=2,
                  disks=[config.Disk('/i/%s/disk' % UUID, 'qcow2', 'vda'),
                         config.Disk('/i/%s/disk.local' % UUID, 'qcow2', 'vdb'),
                         config.Disk('/i/%s/disk.swap' % UUID, 'raw', 'vdc')],
                  console_log='/i/%s/console.log' % UUID, kernel='/i/_base/k',
                  initrd='/i/_base/r', cmdline='console=ttyS0 root=/dev/vda',
                  metadata={'flavor': 'm1.small', 'image': 'img-1', 'swap_mb': 0},
                  arch='x86_64')
    values.update(overrides)
    return config.GuestConfig(**values)


def test_kernel_boot_domain():
    root = ET.fromstring(_guest().to_xml())
    assert root.get('type') == 'qemu'
    assert root.findtext('name') == 'instance-' + UUID
    assert root.findtext('uuid') == UUID
    assert root.find('memory').get('unit') == 'MiB' and root.findtext('memory') == '256'
    assert root.findtext('vcpu') == '2'
    assert root.find('os/type').get('arch') == 'x86_64'
    assert root.findtext('os/kernel') == '/i/_base/k'
    assert root.findtext('os/initrd') == '/i/_base/r'
    assert root.findtext('os/cmdline') == 'console=ttyS0 root=/dev/vda'
    assert root.find('os/boot') is None
    assert root.find('features/acpi') is not None
    assert root.find('cpu') is None  # TCG: QEMU's default CPU model


def test_disks_are_virtio_files_in_order():
    disks = ET.fromstring(_guest().to_xml()).findall('devices/disk')
    assert [(d.find('target').get('dev'), d.find('target').get('bus'),
             d.find('driver').get('type'), d.find('source').get('file')) for d in disks] == [
        ('vda', 'virtio', 'qcow2', '/i/%s/disk' % UUID),
        ('vdb', 'virtio', 'qcow2', '/i/%s/disk.local' % UUID),
        ('vdc', 'virtio', 'raw', '/i/%s/disk.swap' % UUID)]


def test_console_appends_to_a_file_and_no_balloon_no_nic():
    devices = ET.fromstring(_guest().to_xml()).find('devices')
    serial = devices.find('serial')
    assert serial.get('type') == 'file'
    assert serial.find('source').attrib == {'path': '/i/%s/console.log' % UUID,
                                            'append': 'on'}
    assert devices.find('memballoon').get('model') == 'none'
    assert devices.find('interface') is None


def test_disk_boot_and_kvm():
    root = ET.fromstring(_guest(kernel=None, initrd=None, cmdline=None,
                                virt_type='kvm').to_xml())
    assert root.get('type') == 'kvm'
    assert root.find('os/kernel') is None
    assert root.find('os/boot').get('dev') == 'hd'
    assert root.find('cpu').get('mode') == 'host-model'


def test_metadata_and_disk_paths_read_back():
    xml = _guest().to_xml()
    assert config.read_metadata(xml) == {'flavor': 'm1.small', 'image': 'img-1',
                                         'swap_mb': '0'}
    assert config.disk_paths(xml) == ['/i/%s/disk' % UUID, '/i/%s/disk.local' % UUID,
                                      '/i/%s/disk.swap' % UUID]


def test_a_device_boot_order_replaces_the_os_boot_device():
    rescue = config.Disk('/i/%s/disk.rescue' % UUID, 'qcow2', 'sda', bus='usb',
                         boot_order=1)
    root = ET.fromstring(_guest(kernel=None, initrd=None, cmdline=None,
                                disks=_guest().disks + [rescue]).to_xml())
    assert root.find('os/boot') is None
    disks = root.findall('devices/disk')
    assert [d.find('boot') is not None and d.find('boot').get('order') for d in disks] == [
        False, False, False, '1']


def test_a_nic_per_interface_on_its_bridge_with_its_mac():
    xml = _guest(interfaces=[config.Interface('br-a', 'fa:16:3e:00:00:01'),
                             config.Interface('br-b', 'fa:16:3e:00:00:02')]).to_xml()
    nics = ET.fromstring(xml).findall('devices/interface')
    assert [(n.get('type'), n.find('source').attrib, n.find('mac').attrib,
             n.find('model').get('type')) for n in nics] == [
        ('bridge', {'bridge': 'br-a'}, {'address': 'fa:16:3e:00:00:01'}, 'virtio'),
        ('bridge', {'bridge': 'br-b'}, {'address': 'fa:16:3e:00:00:02'}, 'virtio')]
    assert config.interfaces(xml) == [('br-a', 'fa:16:3e:00:00:01'),
                                      ('br-b', 'fa:16:3e:00:00:02')]
