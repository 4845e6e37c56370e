"""Config drives seen by real guests: the demo guest mounts the ISO 9660 cdrom and prints
its hostname, key fingerprint and user data's first line (tools/build-demo-guest); the
drive follows the server through a cold migration and is made again on a rebuild."""
import base64

from tests.libvirt import test_rest_guests as rest

HOST = rest.HOST


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def _said(facts):
    return {k: facts.get(k) for k in ('config_drive', 'cd_uuid', 'cd_hostname',
                                      'cd_key_fingerprint', 'cd_user_data')}


def test_guest_reads_its_config_drive_through_migration_and_rebuild(rest_cloud):
    cloud = rest_cloud
    key = cloud.admin('POST', '/v2.1/os-keypairs', {'keypair': {'name': 'cd-ceph'}},
                      version='2.1').json_body['keypair']
    body = {'server': {'name': 'cd-guest', 'imageRef': cloud.demo_image,
                       'flavorRef': rest._flavor_id(cloud, 'm1.tiny'), 'networks': 'none',
                       'config_drive': True, 'key_name': 'cd-ceph',
                       'user_data': _b64('first-line-of-user-data\nsecond line\n')}}
    sid = cloud.call('POST', '/v2.1/servers', body, expect=202).json_body['server']['id']
    server = rest._wait_status(cloud, sid, 'ACTIVE')
    assert server['config_drive'] == 'True'
    hostname = server['OS-EXT-SRV-ATTR:hostname']
    expected = {'config_drive': 'config-2', 'cd_uuid': sid, 'cd_hostname': hostname,
                'cd_key_fingerprint': key['fingerprint'],
                'cd_user_data': 'first-line-of-user-data'}
    assert _said(rest._wait_boot(cloud, sid, 1)) == expected

    source = server[HOST]
    rest._action(cloud, sid, {'migrate': None})
    server = rest._wait_status(cloud, sid, 'VERIFY_RESIZE')
    assert server[HOST] != source
    assert _said(rest._wait_boot(cloud, sid, 2)) == expected
    rest._action(cloud, sid, {'confirmResize': None}, expect=204)
    rest._wait_status(cloud, sid, 'ACTIVE')

    rest._action(cloud, sid, {'rebuild': {'imageRef': cloud.demo_image,
                                          'user_data': _b64('rebuilt-user-data\n')}})
    rest._wait_status(cloud, sid, 'ACTIVE')
    # A rebuild makes the disk again from the image: its boot count starts over.
    assert _said(rest._wait_boot(cloud, sid, 1)) == dict(expected,
                                                         cd_user_data='rebuilt-user-data')
    rest._delete_and_check_nothing_left(cloud, [sid])
