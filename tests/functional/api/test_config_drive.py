"""Config drives through the API: the server's config_drive field, and the drive's
contents made from the record the compute host gets (no hypervisor needed for those)."""
import base64
import json

from svc_common.conf import CONF
from svc_common import context as context_mod
from svc_common import objects
from compute_svc.virt.disks import configdrive
from tests.functional.api import helpers


def _key(cloud):
    resp = cloud.request('POST', '/v2.1/os-keypairs', {'keypair': {'name': 'cd-key'}},
                         version='2.1', project='demo')
    assert resp.status_int == 200, resp.body
    return resp.json_body_or_none['keypair']


def test_asked_for_drive_holds_the_key_user_data_and_names(cloud):
    image = helpers.create_image(cloud)
    key = _key(cloud)
    user_data = base64.b64encode(b'first line\nsecond\n').decode()
    created = helpers.boot(cloud, image['id'], name='cd vm', config_drive=True,
                           key_name='cd-key', user_data=user_data, metadata={'a': 'b'})
    sid = created['server']['id']
    server = cloud.wait_for_server(sid, 'ACTIVE')
    assert server['config_drive'] == 'True'

    instance = objects.Instance.get_by_uuid(context_mod.get_admin_context(), sid)
    files = configdrive.files(instance)
    md = json.loads(files['openstack/latest/meta_data.json'])
    assert md['uuid'] == sid and md['name'] == 'cd vm'
    assert md['hostname'] == instance.hostname and md['meta'] == {'a': 'b'}
    assert md['public_keys'] == {'cd-key': key['public_key']}
    assert md['availability_zone'] == server['OS-EXT-AZ:availability_zone']
    assert files['openstack/latest/user_data'] == b'first line\nsecond\n'

    plain = helpers.boot(cloud, image['id'], name='plain')['server']['id']
    assert cloud.wait_for_server(plain, 'ACTIVE')['config_drive'] == ''


def test_forced_drive_is_on_every_server(cloud):
    CONF.set_override('force_config_drive', True, group='compute')
    try:
        image = helpers.create_image(cloud)
        sid = helpers.boot(cloud, image['id'], name='forced')['server']['id']
        assert cloud.wait_for_server(sid, 'ACTIVE')['config_drive'] == 'True'
    finally:
        CONF.clear_override('force_config_drive', group='compute')
