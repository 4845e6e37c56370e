"""The config drive: its files, the ISO 9660 image holding them, and the cdrom a libvirt
domain gets (read back from the image, not from what was meant to be written)."""
import base64
import json
import os

import pytest

from svc_common.conf import CONF
from svc_common import objects
from compute_svc.virt.disks import configdrive
from compute_svc.virt.libvirt import config
from tests.unit.virt import fakes

KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE0dbnRmbGd3bzJnZXRzdGhpc3Rlc3RrZXk1 t@h'


def _instance(**fields):
    inst = fakes.instance('img', fakes.flavor())
    values = dict(display_name='web 1', hostname='web-1', project_id='p1',
                  availability_zone='az1', launch_index=0, key_name='k1', key_data=KEY,
                  config_drive='True', metadata={'role': 'db'},
                  system_metadata={'user_data': base64.b64encode(
                      b'#!/bin/sh\necho hi\n').decode()})
    values.update(fields)
    for name, value in values.items():
        setattr(inst, name, value)
    return inst


def test_meta_data_says_who_the_instance_is():
    inst = _instance()
    md = configdrive.meta_data(inst)
    assert md['uuid'] == inst.uuid and md['name'] == 'web 1'
    assert md['hostname'] == 'web-1' and md['availability_zone'] == 'az1'
    assert md['public_keys'] == {'k1': KEY}
    assert md['keys'] == [{'name': 'k1', 'type': 'ssh', 'data': KEY}]
    assert md['meta'] == {'role': 'db'} and md['project_id'] == 'p1'


def test_no_key_no_user_data_default_zone():
    inst = _instance(key_data=None, key_name=None, availability_zone=None,
                     system_metadata={})
    files = configdrive.files(inst)
    assert 'openstack/latest/user_data' not in files
    md = json.loads(files['openstack/latest/meta_data.json'])
    assert md['public_keys'] == {} and md['keys'] == []
    assert md['availability_zone'] == CONF.default_availability_zone


def test_the_iso_holds_the_files_under_their_names_labelled_config_2(tmp_path):
    inst = _instance()
    path = str(tmp_path / 'disk.config')
    configdrive.make(inst, path)
    label, files = configdrive.read_iso(path)
    assert label == 'config-2'
    assert sorted(files) == ['openstack/latest/meta_data.json',
                             'openstack/latest/network_data.json',
                             'openstack/latest/user_data',
                             'openstack/latest/vendor_data.json',
                             'openstack/latest/vendor_data2.json']
    assert files['openstack/latest/user_data'] == b'#!/bin/sh\necho hi\n'
    assert json.loads(files['openstack/latest/meta_data.json'])['uuid'] == inst.uuid
    assert json.loads(files['openstack/latest/network_data.json']) == {
        'links': [], 'networks': [], 'services': []}
    with open(path, 'rb') as f:  # what a guest (or blkid) reads: the ISO's own label
        f.seek(32768)
        pvd = f.read(72)
    assert pvd[1:6] == b'CD001' and pvd[40:72].rstrip() == b'config-2'
    assert not os.path.exists(path + '.tmp')


def test_made_again_it_says_what_the_record_now_says(tmp_path):
    inst = _instance()
    path = str(tmp_path / 'disk.config')
    configdrive.make(inst, path)
    inst.system_metadata = {'user_data': base64.b64encode(b'second').decode()}
    inst.hostname = 'renamed'
    configdrive.make(inst, path)
    _label, files = configdrive.read_iso(path)
    assert files['openstack/latest/user_data'] == b'second'
    assert json.loads(files['openstack/latest/meta_data.json'])['hostname'] == 'renamed'


@pytest.mark.parametrize('asked,forced,expected', [
    ('True', False, True), ('', False, False), ('', True, True), (None, False, False)])
def test_required_when_asked_or_forced(asked, forced, expected):
    CONF.set_override('force_config_drive', forced, group='compute')
    try:
        inst = objects.Instance(uuid='9d6b6c7c-8f3e-4d71-9b0a-3b7f0f4a1c11')
        if asked is not None:
            inst.config_drive = asked
        assert configdrive.required(inst) is expected
    finally:
        CONF.clear_override('force_config_drive', group='compute')


def test_the_domain_gets_it_as_a_read_only_scsi_cdrom():
    guest = config.GuestConfig(
        uuid='u', virt_type='qemu', memory_mb=64, vcpus=1, console_log='/i/u/console.log',
        disks=[config.Disk('/i/u/disk', 'qcow2', 'vda'),
               config.Disk('/i/u/disk.config', 'raw', 'sda', bus='scsi', device='cdrom')])
    xml = guest.to_xml()
    from xml.etree import ElementTree as ET
    root = ET.fromstring(xml)
    cdrom = root.find("./devices/disk[@device='cdrom']")
    assert cdrom.find('source').get('file') == '/i/u/disk.config'
    assert cdrom.find('target').attrib == {'dev': 'sda', 'bus': 'scsi'}
    assert cdrom.find('readonly') is not None
    assert root.find("./devices/controller[@type='scsi']").get('model') == 'virtio-scsi'
    assert config.owned_paths(xml) == ['/i/u/disk', '/i/u/disk.config', '/i/u/console.log']


def test_network_data_has_each_nic_and_its_static_address():
    from compute_svc.virt import driver
    vifs = [driver.Vif('net-1', 'br-a', 'fa:16:3e:00:00:01', '10.1.0.5', '10.1.0.0/24',
                       '10.1.0.1'),
            driver.Vif('net-2', 'br-b', 'fa:16:3e:00:00:02', '10.2.0.9', '10.2.0.0/28',
                       '10.2.0.1')]
    data = json.loads(configdrive.files(_instance(), vifs)[
        'openstack/latest/network_data.json'])
    assert data['links'] == [
        {'id': 'interface0', 'type': 'bridge', 'ethernet_mac_address': 'fa:16:3e:00:00:01',
         'mtu': None},
        {'id': 'interface1', 'type': 'bridge', 'ethernet_mac_address': 'fa:16:3e:00:00:02',
         'mtu': None}]
    assert data['networks'] == [
        {'id': 'network0', 'type': 'ipv4', 'link': 'interface0', 'ip_address': '10.1.0.5',
         'netmask': '255.255.255.0', 'network_id': 'net-1',
         'routes': [{'network': '0.0.0.0', 'netmask': '0.0.0.0', 'gateway': '10.1.0.1'}]},
        {'id': 'network1', 'type': 'ipv4', 'link': 'interface1', 'ip_address': '10.2.0.9',
         'netmask': '255.255.255.240', 'network_id': 'net-2', 'routes': []}]
    assert data['services'] == []
