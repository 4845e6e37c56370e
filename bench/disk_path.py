"""The libvirt driver's disk path on real qcow2 files (libvirt's test:///default
hypervisor stands in for QEMU; the disks, the image cache and the copies are real).

    .venv/bin/python bench/disk_path.py [--sizes 1,10,100] [--written-mib 1024]

1. Same-host resize (migrate_disk_and_power_off + finish_migration to the same host,
   growing the root disk by 1 GiB, then confirm; the median of --repeat) of a root disk
   of each virtual size with the same data written into its overlay: the time should not
   depend on the size.
2. Cold migration to another host (the other host is a second instances path reached
   through the local transport, as the tests do) of a disk of the middle size: bytes
   sent against the overlay's allocated bytes, and the wall time against the baseline
   "flatten the overlay into a raw disk and copy the whole disk" on the same disk in
   the same run.
"""
import argparse
import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(1, str(pathlib.Path(__file__).resolve().parent.parent))  # for tests.

import harness  # noqa: E402  (bench/harness.py)
from compute_svc.virt.disks import disk  # noqa: E402
from compute_svc.virt.disks import remotefs  # noqa: E402
from compute_svc.virt.disks import utils  # noqa: E402
from compute_svc.virt.libvirt import driver as libvirt_driver  # noqa: E402
from svc_common import objects  # noqa: E402
from tests.unit.virt import fakes  # noqa: E402

GiB, MiB = 1024 ** 3, 1024 ** 2


class Hosts:
    """Two libvirt drivers on test:///default, each with its own instances path."""

    def __init__(self, root, images):
        self.roots = {h: str(root / h) for h in ('hostA', 'hostB')}
        self.drivers = {}
        for host, path in self.roots.items():
            drv = libvirt_driver.LibvirtDriver(
                instances_path=path, image_client=images,
                remotefs=remotefs.LocalTransport(path, self.roots), uri='test:///default',
                host=host, vifs=lambda context, instance: [])  # no database: no NICs
            drv.init_host(host)
            self.drivers[host] = drv

    def __getitem__(self, host):
        return self.drivers[host]


def _image(root):
    images = fakes.FakeImageClient()
    src = root / 'image.raw'
    disk.make_ext4(str(src), 64 * MiB, 'root')
    images.root = images.add(str(src), 'raw')
    return images


def _booted(hosts, images, root_gb, written):
    """An instance on hostA whose root overlay holds ``written`` bytes of new data."""
    inst = fakes.instance(images.root['id'], fakes.flavor(root_gb=root_gb))
    hosts['hostA'].spawn(None, inst, images.root)
    overlay = os.path.join(hosts['hostA'].instances_path, inst.uuid, 'disk')
    # Data past the image's 64 MiB: what a guest writes, none of it in the base.
    utils.execute('qemu-io', '-f', 'qcow2', '-c',
                  'write -P 0x5a %d %d' % (128 * MiB, written), overlay)
    return inst, overlay


def _grown(inst):
    old = inst.flavor
    return fakes.flavor(name='%s+1' % old.name, root_gb=old.root_gb + 1)


def _resize(hosts, inst, dest):
    """Resize ``inst`` from hostA to ``dest`` and confirm; (seconds, what moved)."""
    new = _grown(inst)
    migration = fakes.Migration(inst.uuid, 'hostA', dest)
    start = time.perf_counter()
    hosts[dest].prepare_migration_target(None, inst, new)
    moved = hosts['hostA'].migrate_disk_and_power_off(None, inst, dest, new)
    inst.flavor = new
    hosts[dest].finish_migration(None, migration, inst, None, True)
    hosts['hostA'].confirm_migration(None, migration, inst)
    seconds = time.perf_counter() - start
    return seconds, moved


def _flatten_and_copy(overlay, dest_dir):
    """The baseline: the whole disk as raw (every byte written, no holes kept), copied."""
    start = time.perf_counter()
    flat = overlay + '.flat'
    utils.execute('qemu-img', 'convert', '-S', '0', '-O', 'raw', overlay, flat)
    shutil.copyfile(flat, os.path.join(dest_dir, 'disk.flat'))
    with open(os.path.join(dest_dir, 'disk.flat'), 'rb+') as f:
        os.fsync(f.fileno())
    seconds = time.perf_counter() - start
    sent = os.path.getsize(flat)
    os.unlink(flat)
    os.unlink(os.path.join(dest_dir, 'disk.flat'))
    return seconds, sent


def _cleanup(hosts, inst):
    for drv in hosts.drivers.values():
        drv.destroy(None, inst)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='1,10,100',
                        help='root disk virtual sizes in GiB (same-host resize)')
    parser.add_argument('--written-mib', type=int, default=1024,
                        help='data written into each overlay before the move')
    parser.add_argument('--repeat', type=int, default=3,
                        help='same-host resizes per size (the median is shown)')
    parser.add_argument('--no-baseline', action='store_true',
                        help='skip the flatten-and-copy baseline (it writes the whole disk)')
    args = parser.parse_args()
    objects.register_all()
    sizes = [int(s) for s in args.sizes.split(',')]
    written = args.written_mib * MiB
    root = pathlib.Path(tempfile.mkdtemp(prefix='nimbus-bench-disk-'))
    try:
        images = _image(root)
        hosts = Hosts(root, images)
        same_host = []
        for size in sizes:
            inst, overlay = _booted(hosts, images, size, written)
            allocated = utils.allocated_bytes(overlay)
            runs = [_resize(hosts, inst, 'hostA') for _ in range(args.repeat)]
            same_host.append({'virtual_gib': size, 'overlay_mib': allocated / MiB,
                              'seconds': statistics.median(s for s, _moved in runs),
                              'shared': all(moved['shared'] for _s, moved in runs)})
            _cleanup(hosts, inst)
        base_s = same_host[0]['seconds']
        for row in same_host:
            row['vs_smallest'] = row['seconds'] / base_s
        harness.table('same-host resize (grow by 1 GiB, confirm; median of %d), %d MiB '
                      'written' % (args.repeat, args.written_mib),
                      [('virtual_gib', 'virtual GiB'), ('overlay_mib', 'overlay MiB'),
                       ('seconds', 'seconds'), ('vs_smallest', 'x smallest')], same_host)

        size = sizes[len(sizes) // 2]
        inst, overlay = _booted(hosts, images, size, written)
        allocated = utils.allocated_bytes(overlay)
        baseline = None
        if not args.no_baseline:
            scratch = root / 'baseline'
            scratch.mkdir()
            baseline = _flatten_and_copy(overlay, str(scratch))
        seconds, moved = _resize(hosts, inst, 'hostB')
        cross = [{'method': 'nimbus (overlay only)', 'seconds': seconds,
                  'bytes_sent': moved['bytes_sent'],
                  'sent_vs_overlay': moved['bytes_sent'] / allocated}]
        if baseline:
            cross.append({'method': 'flatten to raw + copy whole disk',
                          'seconds': baseline[0], 'bytes_sent': baseline[1],
                          'sent_vs_overlay': baseline[1] / allocated,
                          'speedup': baseline[0] / seconds})
        harness.table('cold migration to another host, %d GiB virtual, %d MiB written '
                      '(overlay %d bytes allocated)' % (size, args.written_mib, allocated),
                      [('method', 'method'), ('seconds', 'seconds'),
                       ('bytes_sent', 'bytes sent'), ('sent_vs_overlay', 'x overlay'),
                       ('speedup', 'nimbus faster by')], cross)
        _cleanup(hosts, inst)
        harness.write('disk_path', {'sizes_gib': sizes, 'written_mib': args.written_mib},
                      {'same_host': same_host, 'cross_host': cross})
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()
