import pytest

from svc_common import exception
from svc_common import rescue_devices


@pytest.mark.parametrize('props, expected', [
    ({}, None),
    ({'hw_rescue_bus': 'usb'}, {'device': 'disk', 'bus': 'usb'}),
    ({'hw_rescue_device': 'disk'}, {'device': 'disk', 'bus': 'virtio'}),
    ({'hw_rescue_device': 'cdrom'}, {'device': 'cdrom', 'bus': 'scsi'}),
    ({'hw_rescue_device': 'cdrom', 'hw_rescue_bus': 'ide'}, {'device': 'cdrom', 'bus': 'ide'}),
    ({'hw_rescue_device': 'floppy'}, {'device': 'floppy', 'bus': 'fdc'}),
])
def test_the_stable_device_an_image_asks_for(props, expected):
    assert rescue_devices.stable_device(props) == expected


@pytest.mark.parametrize('props', [
    {'hw_rescue_device': 'cdrom', 'hw_rescue_bus': 'virtio'},
    {'hw_rescue_device': 'floppy', 'hw_rescue_bus': 'scsi'},
    {'hw_rescue_device': 'disk', 'hw_rescue_bus': 'fdc'},
    {'hw_rescue_device': 'tape'},
    {'hw_rescue_bus': 'xen'},
])
def test_pairs_that_cannot_be_attached_are_refused(props):
    with pytest.raises(exception.Invalid):
        rescue_devices.stable_device(props)


def test_the_target_is_the_first_free_name_of_the_bus():
    taken = {'vda', 'vdb', 'sda'}
    assert rescue_devices.target_dev('virtio', taken) == 'vdc'
    assert rescue_devices.target_dev('scsi', taken) == 'sdb'
    assert rescue_devices.target_dev('usb', taken) == 'sdb'
    assert rescue_devices.target_dev('ide', taken) == 'hda'
