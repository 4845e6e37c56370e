"""Concurrent boots of an image the host has not cached: the image cache must fetch it
once (libvirt driver on libvirt's test:///default hypervisor; real qcow2 overlays, a real
`_base` cache, an image API that counts downloads).

    .venv/bin/python bench/image_cache.py [--boots 20] [--image-mib 256]

Prints the downloads and the wall time of N concurrent boots, against one boot of an
uncached image on a fresh host in the same run (the baseline).
"""
import argparse
import functools
import pathlib
import shutil
import sys
import tempfile

sys.path.insert(1, str(pathlib.Path(__file__).resolve().parent.parent))  # for tests.

import harness  # noqa: E402  (bench/harness.py)
from compute_svc.virt.disks import disk  # noqa: E402
from compute_svc.virt.disks import remotefs  # noqa: E402
from compute_svc.virt.libvirt import driver as libvirt_driver  # noqa: E402
from svc_common import objects  # noqa: E402
from tests.unit.virt import fakes  # noqa: E402

MiB = 1024 ** 2


def _driver(root, host, images):
    path = str(root / host)
    drv = libvirt_driver.LibvirtDriver(
        instances_path=path, image_client=images,
        remotefs=remotefs.LocalTransport(path, {host: path}), uri='test:///default',
        host=host, vifs=lambda context, instance: [])  # no database: no NICs
    drv.init_host(host)
    return drv


def _boots(drv, images, count):
    """Boot ``count`` instances of the image at once; (seconds, downloads, failures)."""
    instances = [fakes.instance(images.root['id'], fakes.flavor(root_gb=1))
                 for _ in range(count)]
    failures = []
    before = images.downloads[images.root['id']]

    def boot(inst):
        try:
            drv.spawn(None, inst, images.root)
        except Exception as error:  # noqa: BLE001 (counted and shown)
            failures.append(repr(error))
    seconds = harness.at_once([functools.partial(boot, inst) for inst in instances])
    for inst in instances:
        drv.destroy(None, inst)
    return seconds, images.downloads[images.root['id']] - before, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--boots', type=int, default=20)
    parser.add_argument('--image-mib', type=int, default=256)
    args = parser.parse_args()
    objects.register_all()
    root = pathlib.Path(tempfile.mkdtemp(prefix='nimbus-bench-cache-'))
    try:
        images = fakes.FakeImageClient()
        src = root / 'image.raw'
        disk.make_ext4(str(src), args.image_mib * MiB, 'root')
        with open(src, 'r+b') as f:  # data all through it, so the download is real work
            for offset in range(MiB, args.image_mib * MiB, 4 * MiB):
                f.seek(offset)
                f.write(b'\x5a' * 65536)
        images.root = images.add(str(src), 'raw')
        rows = []
        for host, count in (('baseline', 1), ('concurrent', args.boots)):
            seconds, downloads, failures = _boots(_driver(root, host, images), images, count)
            rows.append({'boots': count, 'downloads': downloads, 'seconds': seconds,
                         'failures': len(failures)})
            for failure in failures[:3]:
                print('  failure: %s' % failure)
        rows[1]['vs_one_boot'] = rows[1]['seconds'] / rows[0]['seconds']
        harness.table('boots of an uncached %d MiB image on one host' % args.image_mib,
                      [('boots', 'boots'), ('downloads', 'downloads'),
                       ('seconds', 'wall seconds'), ('vs_one_boot', 'x one boot'),
                       ('failures', 'failures')], rows)
        harness.write('image_cache', vars(args), {'boots': rows})
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()
