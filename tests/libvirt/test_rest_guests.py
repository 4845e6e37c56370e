"""The real-guest proofs through the REST API alone.

An all-in-one with the libvirt driver and two compute hosts (lv1, lv2) on this machine,
each with its own instances path (``rest_cloud`` in conftest.py). Every step is a REST
request as an admin at microversion 2.96; what the guest saw comes from
``os-getConsoleOutput`` (the demo guest prints ``NIMBUS key=value`` lines and powers
itself off, see tools/build-demo-guest). The files on each host and the bytes the
driver's remote filesystem moved are then checked on disk.
"""
import os
import subprocess
import time

from compute_svc.virt.disks import disk
from compute_svc.virt.disks import utils
from tests.libvirt import guest_console

GiB, MiB = 1024 ** 3, 1024 ** 2
IMAGE_BYTES = 64 * MiB      # the demo guest's disk image
BOOT_TIMEOUT = 120          # a TCG boot takes about 6 s; slack for a loaded machine
HOST = 'OS-EXT-SRV-ATTR:host'


# -- REST helpers ------------------------------------------------------------------------
def _flavor_id(cloud, name):
    flavors = cloud.call('GET', '/v2.1/flavors', expect=200).json_body['flavors']
    return next(f['id'] for f in flavors if f['name'] == name)


def _server(cloud, server_id):
    return cloud.call('GET', '/v2.1/servers/%s' % server_id, expect=200).json_body['server']


def _wait_status(cloud, server_id, status, timeout=BOOT_TIMEOUT):
    def check():
        server = _server(cloud, server_id)
        assert server['status'] != 'ERROR', 'server went to ERROR: %r' % server.get('fault')
        return server if server['status'] == status and not \
            server.get('OS-EXT-STS:task_state') else None
    return cloud.wait_for(check, timeout, 0.2, 'server %s to be %s' % (server_id, status))


def _action(cloud, server_id, body, expect=202):
    return cloud.call('POST', '/v2.1/servers/%s/action' % server_id, body, expect=expect)


def _boot(cloud, name, flavor='m1.tiny'):
    body = {'server': {'name': name, 'imageRef': cloud.demo_image,
                       'flavorRef': _flavor_id(cloud, flavor), 'networks': 'none'}}
    server_id = cloud.call('POST', '/v2.1/servers', body, expect=202).json_body['server']['id']
    return _wait_status(cloud, server_id, 'ACTIVE')


def _console(cloud, server_id):
    return _action(cloud, server_id, {'os-getConsoleOutput': {}}, expect=200).json_body[
        'output']


def _wait_boot(cloud, server_id, number, timeout=BOOT_TIMEOUT):
    """What the guest printed on the boot that counted its disk's ``number``-th boot,
    once that boot finished (the guest then powers itself off)."""
    def check():
        done = [b for b in guest_console.boots(_console(cloud, server_id))
                if b.get('boot') == str(number) and b.get('ready')]
        return done[-1] if done else None
    try:
        return cloud.wait_for(check, timeout, 0.5, 'boot %d of %s' % (number, server_id))
    except AssertionError:
        raise AssertionError('boot %d of %s did not finish; console:\n%s' % (
            number, server_id, _console(cloud, server_id)[-3000:])) from None


def _resize(cloud, server_id, flavor):
    _action(cloud, server_id, {'resize': {'flavorRef': _flavor_id(cloud, flavor)}})
    return _wait_status(cloud, server_id, 'VERIFY_RESIZE')


# -- what is on the hosts ----------------------------------------------------------------
def _our_domains(uuids):
    out = subprocess.run(['virsh', '-c', 'qemu:///system', 'list', '--all', '--name'],
                         capture_output=True, text=True, check=True).stdout
    names = {'instance-%s' % uuid for uuid in uuids}
    return sorted(name for name in out.split() if name in names)


def _instance_entries(cloud):
    """What each host's instances path holds besides the image cache, its locks and the
    (empty) directory of snapshot captures."""
    return {host: sorted(n for n in os.listdir(path) if n not in ('_base', 'locks') and
                         not (n == '.snapshots' and not os.listdir(os.path.join(path, n))))
            for host, path in cloud.paths.items()}


def _delete_and_check_nothing_left(cloud, server_ids):
    for server_id in server_ids:
        cloud.call('DELETE', '/v2.1/servers/%s' % server_id, expect=204)
    for server_id in server_ids:
        cloud.wait_for(lambda sid=server_id: cloud.call(
            'GET', '/v2.1/servers/%s' % sid).status_int == 404, 60, 0.2,
            'server %s to go' % server_id)
    assert _our_domains(server_ids) == []
    assert _instance_entries(cloud) == {host: [] for host in cloud.paths}


def _report(what, **numbers):
    print('%s: %s' % (what, ', '.join('%s=%s' % kv for kv in numbers.items())))


# -- the proofs --------------------------------------------------------------------------
def test_boot_resize_confirm_then_resize_and_revert(rest_cloud):
    cloud = rest_cloud
    started = time.monotonic()
    server = _boot(cloud, 'grow')
    sid, first_host = server['id'], server[HOST]
    active = time.monotonic()
    first = _wait_boot(cloud, sid, 1)
    booted = time.monotonic()
    assert first['guest'] == 'nimbus-demo' and first['mode'] == 'poweroff'
    assert int(first['disk_bytes']) == GiB  # m1.tiny: 1 GB root disk
    assert int(first['fs_bytes_before']) == IMAGE_BYTES
    assert first.get('fs_grown') == '1' and int(first['fs_bytes']) == GiB
    marker = first['marker']

    # Resize to m1.small (20 GB root): to the other host, the guest sees it all.
    server = _resize(cloud, sid, 'm1.small')
    second_host = server[HOST]
    assert second_host != first_host
    assert server['flavor']['original_name'] == 'm1.small'
    assert server['progress'] == 100  # reported while the disks were copied
    resized = time.monotonic()
    grown = _wait_boot(cloud, sid, 2)
    grown_at = time.monotonic()
    assert int(grown['disk_bytes']) == 20 * GiB
    assert int(grown['fs_bytes_before']) == GiB
    assert grown.get('fs_grown') == '1' and int(grown['fs_bytes']) == 20 * GiB
    assert grown['marker'] == marker  # the file written on the first boot survived
    source = os.path.join(cloud.paths[first_host], sid)
    assert os.path.isdir(source + '_resize') and not os.path.exists(source)

    _action(cloud, sid, {'confirmResize': None}, expect=204)
    server = _wait_status(cloud, sid, 'ACTIVE')
    assert server[HOST] == second_host
    assert not os.path.exists(source + '_resize')
    assert _instance_entries(cloud) == {first_host: [], second_host: [sid]}
    dest_disk = os.path.join(cloud.paths[second_host], sid, 'disk')
    assert disk.virtual_size(dest_disk, 'qcow2') == 20 * GiB

    # Resize again (m1.medium, 40 GB, back to the first host), then revert: the 20 GB
    # disk on the second host comes back as it was.
    server = _resize(cloud, sid, 'm1.medium')
    assert server[HOST] == first_host
    bigger = _wait_boot(cloud, sid, 3)
    assert int(bigger['disk_bytes']) == 40 * GiB and int(bigger['fs_bytes']) == 40 * GiB
    assert bigger['marker'] == marker
    reverting = time.monotonic()
    _action(cloud, sid, {'revertResize': None})
    server = _wait_status(cloud, sid, 'ACTIVE')
    assert server[HOST] == second_host
    assert server['flavor']['original_name'] == 'm1.small'
    reverted = _wait_boot(cloud, sid, 3)  # the restored disk's own third boot
    reverted_at = time.monotonic()
    assert int(reverted['disk_bytes']) == 20 * GiB
    assert int(reverted['fs_bytes']) == 20 * GiB and 'fs_grown' not in reverted
    assert reverted['marker'] == marker
    assert disk.virtual_size(dest_disk, 'qcow2') == 20 * GiB
    assert _instance_entries(cloud) == {first_host: [], second_host: [sid]}

    _delete_and_check_nothing_left(cloud, [sid])
    _report('boot/resize timings (s)', create_to_active=round(active - started, 1),
            first_boot_done=round(booted - started, 1),
            resize_to_verify=round(resized - booted, 1),
            resized_boot_done=round(grown_at - booted, 1),
            revert_to_boot_done=round(reverted_at - reverting, 1),
            total=round(time.monotonic() - started, 1))


def test_cold_migration_sends_the_overlay_not_the_base(rest_cloud):
    cloud = rest_cloud
    sent, downloads = [], []
    for host in cloud.paths:
        drv = cloud.driver(host)
        assert drv.image_client.endpoint == 'http://127.0.0.1:%d/image' % cloud.aio.port
        _spy(drv.remotefs, 'copy_to', lambda result, src, to, rel, host=host:
             sent.append((host, to, src, rel, result)))
        _spy(drv.image_client, 'download', lambda result, ctx, image_id, *a, host=host:
             downloads.append((host, image_id)))

    server = _boot(cloud, 'mover')
    sid, source_host = server['id'], server[HOST]
    marker = _wait_boot(cloud, sid, 1)['marker']
    dest_host = next(h for h in cloud.paths if h != source_host)
    assert (dest_host, cloud.demo_image) not in downloads  # nothing booted there yet
    started = time.monotonic()

    _action(cloud, sid, {'migrate': None})
    server = _wait_status(cloud, sid, 'VERIFY_RESIZE')
    moved = time.monotonic()
    assert server[HOST] == dest_host and server['progress'] == 100

    # What travelled: the overlay and disk.info, from the source, nothing from its cache.
    assert {(src_host, to) for src_host, to, *_ in sent} == {(source_host, dest_host)}
    by_name = {rel: result for _h, _to, _src, rel, result in sent}
    assert sorted(by_name) == sorted([os.path.join(sid, 'disk'),
                                      os.path.join(sid, 'disk.info')])
    assert not any('_base' in src for _h, _to, src, _rel, _r in sent)
    overlay = os.path.join(cloud.paths[source_host], sid + '_resize', 'disk')
    overlay_allocated = utils.allocated_bytes(overlay)
    virtual = disk.virtual_size(overlay, 'qcow2')
    disk_sent = by_name[os.path.join(sid, 'disk')]
    total_sent = sum(by_name.values())
    assert 0.5 * overlay_allocated <= disk_sent <= overlay_allocated
    assert total_sent < overlay_allocated + MiB
    assert virtual == GiB and total_sent < virtual / 50

    # The destination's base came from its own download from the image API.
    base_name = utils.cache_name(cloud.demo_image)
    source_base = os.path.join(cloud.paths[source_host], '_base', base_name)
    dest_base = os.path.join(cloud.paths[dest_host], '_base', base_name)
    assert downloads.count((dest_host, cloud.demo_image)) == 1
    assert os.stat(dest_base).st_ino != os.stat(source_base).st_ino
    dest_disk = os.path.join(cloud.paths[dest_host], sid, 'disk')
    assert disk.qcow2_backing_file(dest_disk) == os.path.realpath(dest_base)

    facts = _wait_boot(cloud, sid, 2)
    booted = time.monotonic()
    assert facts['marker'] == marker and int(facts['disk_bytes']) == GiB
    _action(cloud, sid, {'confirmResize': None}, expect=204)
    server = _wait_status(cloud, sid, 'ACTIVE')
    assert server[HOST] == dest_host
    assert _instance_entries(cloud) == {source_host: [], dest_host: [sid]}

    _delete_and_check_nothing_left(cloud, [sid])
    _report('cold migration', overlay_allocated=overlay_allocated, disk_sent=disk_sent,
            total_sent=total_sent, virtual_size=virtual,
            base_bytes=os.path.getsize(dest_base),
            base_allocated=utils.allocated_bytes(dest_base),
            migrate_to_verify_s=round(moved - started, 1),
            migrate_to_boot_done_s=round(booted - started, 1))


def _spy(obj, name, record):
    """Call ``record(result, *args)`` after every call of ``obj.name``."""
    original = getattr(obj, name)

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        record(result, *args, **kwargs)
        return result
    setattr(obj, name, spy)
