import hashlib

import pytest

from compute_svc.virt.disks import utils


def test_qemu_img_needs_an_explicit_known_format():
    with pytest.raises(ValueError, match='without an explicit -f'):
        utils.qemu_img('info', '/some/file')
    with pytest.raises(ValueError, match='unknown image format'):
        utils.qemu_img('info', '-f', 'host_device', '/dev/sda')
    with pytest.raises(ValueError, match='not used'):
        utils.qemu_img('amend', '-f', 'qcow2', '/x')


def test_commands_never_go_through_a_shell():
    with pytest.raises(ValueError):
        utils.execute('ls', shell=True)
    with pytest.raises(TypeError):
        utils.execute('ls', 42)


def test_cache_name_is_sha1_of_the_image_id():
    assert utils.cache_name('abc') == hashlib.sha1(b'abc').hexdigest()


def test_sparse_copy_keeps_holes_and_counts_data(tmp_path):
    src, dst = tmp_path / 'src', tmp_path / 'dst'
    with open(src, 'wb') as f:
        f.truncate(64 * 1024 * 1024)
        f.seek(8 * 1024 * 1024)
        f.write(b'x' * 1024 * 1024)
        f.seek(40 * 1024 * 1024)
        f.write(b'y' * 4096)
    copied = utils.sparse_copy(str(src), str(dst))
    assert src.read_bytes() == dst.read_bytes()
    assert 1024 * 1024 + 4096 <= copied <= 1024 * 1024 + 2 * 65536
    assert utils.allocated_bytes(str(dst)) < 4 * 1024 * 1024
