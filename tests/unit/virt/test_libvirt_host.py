import os

import pytest

pytest.importorskip('libvirt', reason='libvirt-python missing: run tools/install-libvirt')

from compute_svc.virt.libvirt import host  # noqa: E402


@pytest.mark.parametrize('dev_kvm, modules, expected', [
    (False, ['kvm', 'kvm_intel'], 'qemu'),     # no usable /dev/kvm
    (True, ['kvm', 'kvm_pvm'], 'qemu'),        # paravirtual nested KVM: stock kernels hang
    (True, ['kvm', 'kvm_intel'], 'kvm'),
    (True, ['kvm', 'kvm_amd'], 'kvm'),
])
def test_virt_type_auto_follows_what_the_host_can_run(tmp_path, dev_kvm, modules, expected):
    dev = tmp_path / 'kvm'
    if dev_kvm:
        dev.write_bytes(b'')
    for module in modules:
        os.makedirs(tmp_path / 'module' / module)
    assert host.detect_virt_type(str(dev), str(tmp_path / 'module')) == expected


def test_virt_type_explicit_wins():
    assert host.resolve_virt_type('kvm') == 'kvm'
    assert host.resolve_virt_type('qemu') == 'qemu'
