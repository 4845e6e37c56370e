"""The image cache: one fetch however many boots wait, and the manager's age logic."""
import multiprocessing
import os
import threading
import time

import pytest

from compute_svc.virt.disks import disk
from compute_svc.virt.disks import imagecache
from compute_svc.virt.disks import utils

DAY = 86400


def _slow_fetch(counter_path, size=65536):
    def fetch(part):
        with open(counter_path, 'a') as f:
            f.write('fetch %d\n' % os.getpid())
        time.sleep(0.3)
        with open(part, 'wb') as f:
            f.write(b'\1' * size)
        return {'format': 'raw', 'virtual_size': size}
    return fetch


def test_threads_waiting_for_one_base_fetch_it_once(tmp_path):
    cache = imagecache.ImageCache(str(tmp_path))
    counter = str(tmp_path / 'fetches')
    seen = []
    barrier = threading.Barrier(8)

    def boot():
        barrier.wait()
        with cache.use('img', _slow_fetch(counter)) as base:
            seen.append((base.path, base.format, os.path.getsize(base.path)))
    threads = [threading.Thread(target=boot) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert open(counter).read().count('fetch') == 1
    assert set(seen) == {(cache.path('img'), 'raw', 65536)}
    assert utils.read_json(cache.path('img') + '.info')['format'] == 'raw'
    assert sorted(os.listdir(cache.base_dir)) == ['img', 'img.info']


def _boot_in_process(instances_path, counter):
    cache = imagecache.ImageCache(instances_path)
    with cache.use('img', _slow_fetch(counter)):
        pass


def test_processes_waiting_for_one_base_fetch_it_once(tmp_path):
    """The lock is a file lock: separate compute processes on one host share it."""
    counter = str(tmp_path / 'fetches')
    ctx = multiprocessing.get_context('fork')
    procs = [ctx.Process(target=_boot_in_process, args=(str(tmp_path), counter))
             for _ in range(5)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0] * 5
    assert open(counter).read().count('fetch') == 1


def test_failed_fetch_leaves_nothing_and_a_stale_part_is_ignored(tmp_path):
    cache = imagecache.ImageCache(str(tmp_path))

    def broken(part):
        open(part, 'wb').write(b'half')
        raise RuntimeError('network down')
    with pytest.raises(RuntimeError):
        with cache.use('img', broken):
            pass
    assert os.listdir(cache.base_dir) == []
    open(cache.path('img') + '.part', 'wb').write(b'left by a crash')
    with cache.use('img', _slow_fetch(str(tmp_path / 'c'))) as base:
        assert os.path.getsize(base.path) == 65536
    assert not os.path.exists(cache.path('img') + '.part')


# -- the cache manager --------------------------------------------------------------------
def _base(cache, name):
    with cache.use(name, lambda part: (disk.make_swap(part, 1 << 20) or
                                       {'format': 'raw', 'virtual_size': 1 << 20})):
        pass
    return cache.path(name)


def _age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def _instance(instances_path, dirname, disks):
    inst_dir = os.path.join(instances_path, dirname)
    os.makedirs(inst_dir)
    utils.write_json_atomic(os.path.join(inst_dir, 'disk.info'),
                            {'version': 1, 'disks': disks, 'boot': {}})
    return inst_dir


@pytest.fixture
def manager(tmp_path):
    cache = imagecache.ImageCache(str(tmp_path))
    return imagecache.ImageCacheManager(cache, str(tmp_path), min_age_seconds=DAY)


def test_unused_bases_go_only_when_old(manager):
    cache = manager.cache
    young, old = _base(cache, 'young'), _base(cache, 'old')
    _age(old, 2 * DAY)
    report = manager.run()
    assert report == {'in_use': [], 'removed': ['old'], 'kept': ['young']}
    assert os.path.exists(young) and not os.path.exists(old)
    assert not os.path.exists(old + '.info')


def test_bases_in_use_stay_however_old_and_are_touched(manager, tmp_path):
    cache = manager.cache
    by_info, by_header, kernel = (_base(cache, 'by-info'), _base(cache, 'by-header'),
                                  _base(cache, 'kernel'))
    for path in (by_info, by_header, kernel):
        _age(path, 10 * DAY)
    _instance(str(tmp_path), 'uuid-1', {'disk.local': {'format': 'raw', 'base': 'by-info'}})
    # A disk that only its qcow2 header ties to its base (e.g. disk.info lost the name),
    # in a directory kept for a resize.
    inst_dir = _instance(str(tmp_path), 'uuid-2_resize', {'disk': {'format': 'qcow2'}})
    disk.create_overlay(os.path.join(inst_dir, 'disk'), by_header, 'raw', 1 << 20)
    info = utils.read_json(os.path.join(inst_dir, 'disk.info'))
    info['boot'] = {'kernel': {'base': 'kernel'}, 'cmdline': 'console=ttyS0'}
    utils.write_json_atomic(os.path.join(inst_dir, 'disk.info'), info)

    report = manager.run()
    assert report['in_use'] == ['by-header', 'by-info', 'kernel']
    assert report['removed'] == []
    for path in (by_info, by_header, kernel):
        assert time.time() - os.stat(path).st_mtime < 60


def test_a_base_being_used_right_now_is_not_removed(manager):
    old = _base(manager.cache, 'busy')
    _age(old, 2 * DAY)
    held, release = threading.Event(), threading.Event()

    def boot():
        with manager.cache.lock('busy'):
            held.set()
            release.wait()
    t = threading.Thread(target=boot)
    t.start()
    held.wait()
    try:
        assert manager.run()['kept'] == ['busy']
    finally:
        release.set()
        t.join()
    assert os.path.exists(old)


def test_use_refreshes_the_age(manager):
    path = _base(manager.cache, 'img')
    _age(path, 2 * DAY)
    with manager.cache.use('img', None):
        pass
    assert manager.run()['kept'] == ['img']


def test_nothing_is_removed_when_disabled(manager):
    _age(_base(manager.cache, 'old'), 2 * DAY)
    manager.remove_unused = False
    assert manager.run()['kept'] == ['old']
