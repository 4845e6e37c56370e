"""Snapshots of real guests, through the REST API alone (``rest_cloud``): what a running
guest wrote is in its snapshot, and a server booted from the snapshot finds it."""
import os
import time

from svc_common import states
from tests.libvirt import test_rest_guests as rest

HOST = rest.HOST


def test_snapshot_of_a_running_guest_boots_with_its_data(rest_cloud):
    cloud = rest_cloud
    cloud.set_image_mode(cloud.demo_image, 'stay')  # the guest keeps running
    server = rest._boot(cloud, 'snapshot-source')
    sid = server['id']
    first = rest._wait_boot(cloud, sid, 1)
    assert first['mode'] == 'stay'
    marker = first['marker']  # written (and synced) by the guest on its first boot

    started = time.monotonic()
    resp = cloud.call('POST', '/v2.1/servers/%s/action' % sid,
                      {'createImage': {'name': 'snapshot-of-source'}}, expect=202)
    image_id = resp.json_body['image_id']
    server = rest._wait_status(cloud, sid, 'ACTIVE')
    taken = time.monotonic() - started
    image = cloud.call('GET', '/image/v2/images/%s' % image_id, expect=200).json_body
    assert image['status'] == 'active' and image['disk_format'] == 'qcow2'
    assert (image['instance_uuid'], image['image_type'], image['base_image_ref']) == (
        sid, 'snapshot', cloud.demo_image)
    assert image['min_disk'] == 1 and image['kernel_id'] and image['ramdisk_id']
    # The guest was paused for the capture only: it runs on, still on its first boot.
    driver = cloud.driver(server[HOST])
    assert driver._guest(sid).power_state() == states.PowerState.RUNNING
    assert not os.listdir(driver.snapshot_dir())  # the capture went with its upload
    assert [b.get('boot') for b in rest.guest_console.boots(rest._console(cloud, sid))
            if b.get('ready')] == ['1']

    body = {'server': {'name': 'snapshot-copy', 'imageRef': image_id,
                       'flavorRef': rest._flavor_id(cloud, 'm1.tiny'), 'networks': 'none'}}
    copy_id = cloud.call('POST', '/v2.1/servers', body, expect=202).json_body['server']['id']
    rest._wait_status(cloud, copy_id, 'ACTIVE')
    booted = rest._wait_boot(cloud, copy_id, 2)  # the source's disk had booted once
    assert booted['marker'] == marker
    rest._report('snapshot of a running guest', seconds=round(taken, 1),
                 image_mb=round(image['size'] / rest.MiB, 1))
    rest._delete_and_check_nothing_left(cloud, [sid, copy_id])
    cloud.call('DELETE', '/image/v2/images/%s' % image_id, expect=204)
