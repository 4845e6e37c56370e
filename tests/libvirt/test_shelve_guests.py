"""Shelve-offload and unshelve of a real guest, through the REST API alone
(``rest_cloud``): offloaded, nothing of it stays on its host; unshelved on the OTHER
host, it boots from its own disk's data (the marker its first boot wrote)."""
import os
import time

from tests.libvirt import test_rest_guests as rest

HOST = rest.HOST


def test_shelve_offload_then_unshelve_on_the_other_host(rest_cloud):
    cloud = rest_cloud
    cloud.set_image_mode(cloud.demo_image, 'stay')  # the guest keeps running
    server = rest._boot(cloud, 'snapshot-shelved')
    sid, first_host = server['id'], server[HOST]
    other_host = next(h for h in cloud.paths if h != first_host)
    marker = rest._wait_boot(cloud, sid, 1)['marker']

    started = time.monotonic()
    rest._action(cloud, sid, {'shelve': None})
    server = rest._wait_status(cloud, sid, 'SHELVED_OFFLOADED')
    shelved = time.monotonic() - started
    assert server[HOST] is None
    assert rest._our_domains([sid]) == []
    assert not os.path.exists(os.path.join(cloud.paths[first_host], sid))
    images = cloud.call('GET', '/image/v2/images', expect=200).json_body['images']
    image = next(i for i in images if i['name'] == 'snapshot-shelved-shelved')
    assert image['status'] == 'active' and image['instance_uuid'] == sid

    started = time.monotonic()
    rest._action(cloud, sid, {'unshelve': {'host': other_host}})
    server = rest._wait_status(cloud, sid, 'ACTIVE')
    unshelved = time.monotonic() - started
    assert server[HOST] == other_host
    booted = rest._wait_boot(cloud, sid, 2)  # its disk's second boot, on the other host
    assert booted['marker'] == marker
    cloud.call('GET', '/image/v2/images/%s' % image['id'], expect=404)
    # The disk no longer needs the shelved image's base: it can move and be reaped.
    info = rest.utils.read_json(os.path.join(cloud.paths[other_host], sid, 'disk.info'))
    assert info['disks']['disk']['base'] is None
    rest._report('shelve offload and unshelve', shelve_s=round(shelved, 1),
                 unshelve_s=round(unshelved, 1), image_mb=round(image['size'] / rest.MiB, 1))
    rest._delete_and_check_nothing_left(cloud, [sid])
