"""Hostile images through the whole boot path: each one is refused with a clear error,
no tool ever opens it, and no byte of the host file it points at lands anywhere."""
import os

import pytest

from compute_svc.virt.disks import utils
from tests.libvirt import hostile_images
from tests.unit.virt import fakes

CASES = ['qcow2-backing-file', 'qcow2-data-file', 'vmdk-flat-extent', 'vmdk-extent-path',
         'raw-declared-but-qcow2', 'qcow2-declared-but-raw', 'virtual-size-too-large']


@pytest.fixture(scope='module')
def corpus(tmp_path_factory):
    secret, cases = hostile_images.build(str(tmp_path_factory.mktemp('hostile')))
    return secret, {case.name: case for case in cases}


@pytest.fixture
def commands(monkeypatch):
    calls = []
    real = utils.execute

    def recording(*cmd, **kwargs):
        calls.append(cmd)
        return real(*cmd, **kwargs)
    monkeypatch.setattr(utils, 'execute', recording)
    return calls


def _files_containing(root, needle):
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(dirpath, name), 'rb') as f:
                if needle in f.read():
                    found.append(os.path.join(dirpath, name))
    return found


@pytest.mark.parametrize('case_name', CASES)
def test_hostile_image_is_refused(make_driver, image_api, corpus, commands, case_name):
    secret, cases = corpus
    case = cases[case_name]
    image = image_api.add(case.path, case.disk_format, name=case_name,
                          kernel_id=image_api.kernel['id'],
                          ramdisk_id=image_api.ramdisk['id'])
    drv = make_driver()
    inst = fakes.instance(image['id'], fakes.flavor(root_gb=case.root_gb))
    commands.clear()

    with pytest.raises(case.error) as raised:
        drv.spawn(None, inst, image)
    print('%s: %s' % (case_name, raised.value))
    assert case.reason in str(raised.value)

    assert commands == []  # nothing opened it: no qemu-img, no other tool
    assert drv.list_instance_uuids() == []
    root_base = utils.cache_name(image['id'])
    assert drv.cache.read(root_base) is None
    assert not [n for n in os.listdir(drv.cache.base_dir) if n.startswith(root_base)]
    assert _files_containing(drv.instances_path, b'HOST SECRET') == []
    drv.destroy(None, inst)  # the compute manager's clean-up after a failed build
    assert not os.path.exists(os.path.join(drv.instances_path, inst.uuid))
