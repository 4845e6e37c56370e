"""os-keypairs, and key pairs named at server create."""
import pytest

from api_svc import key_crypto
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import objects
from tests.functional.api import helpers
from tests.unit.api import test_key_crypto

PUBLIC_KEY = test_key_crypto.ED25519
PUBLIC_MD5 = test_key_crypto.ED25519_MD5
KEYPAIRS = '/v2.1/os-keypairs'


def as_user(cloud, method, path, body=None, user='alice', roles='member', **kwargs):
    """A request of ``user`` in project demo (the Cloud's own helpers are all 'tester')."""
    headers = {'X-User-Id': user, 'X-Project-Id': 'demo', 'X-Roles': roles}
    return cloud.request(method, path, body, headers=headers, **kwargs)


def create(cloud, name, version='2.1', public_key=None, expect=None, **extra):
    keypair = dict({'name': name}, **extra)
    if public_key is not None:
        keypair['public_key'] = public_key
    resp = cloud.request('POST', KEYPAIRS, {'keypair': keypair}, version=version)
    if expect is not None:
        assert resp.status_int == expect, resp.body
    return resp


def names(resp):
    return [item['keypair']['name'] for item in resp.json_body_or_none['keypairs']]


# -- the resource at each microversion ----------------------------------------------------
def test_generate_list_show_delete_before_2_2(cloud):
    resp = create(cloud, 'gen', expect=200)
    created = helpers.validate(resp, '2.1', 'keypairs', 'create_keypair')['keypair']
    assert created['private_key'].startswith('-----BEGIN RSA PRIVATE KEY-----')
    assert created['public_key'].startswith('ssh-rsa ') and created['user_id'] == 'tester'
    assert 'type' not in created

    listed = helpers.validate(cloud.request('GET', KEYPAIRS), '2.1', 'keypairs',
                              'list_keypairs')['keypairs']
    assert listed == [{'keypair': {'name': 'gen', 'public_key': created['public_key'],
                                   'fingerprint': created['fingerprint']}}]
    shown = helpers.validate(cloud.request('GET', KEYPAIRS + '/gen'), '2.1', 'keypairs',
                             'get_keypair')['keypair']
    assert (shown['fingerprint'], shown['user_id'], shown['deleted']) == (
        created['fingerprint'], 'tester', False)

    helpers.validate(cloud.request('DELETE', KEYPAIRS + '/gen'), '2.1', 'keypairs',
                     'delete_keypair')
    assert cloud.request('GET', KEYPAIRS + '/gen').status_int == 404
    assert names(cloud.request('GET', KEYPAIRS)) == []


@pytest.mark.parametrize('version', ['2.2', '2.10', '2.35', '2.91'])
@pytest.mark.parametrize('key_type', [None, 'ssh', 'x509'])
def test_generated_types_from_2_2(cloud, version, key_type):
    extra = {'type': key_type} if key_type else {}
    resp = create(cloud, 'k', version=version, expect=201, **extra)
    created = helpers.validate(resp, version, 'keypairs', 'create_keypair')['keypair']
    assert created['type'] == (key_type or 'ssh')
    if key_type == 'x509':
        assert created['public_key'].startswith('-----BEGIN CERTIFICATE-----')
        assert len(created['fingerprint'].split(':')) == 20  # SHA-1
    else:
        assert len(created['fingerprint'].split(':')) == 16  # MD5
    shown = helpers.validate(cloud.request('GET', KEYPAIRS + '/k', version=version),
                             version, 'keypairs', 'get_keypair')['keypair']
    assert shown['type'] == created['type']
    listed = helpers.validate(cloud.request('GET', KEYPAIRS, version=version), version,
                              'keypairs', 'list_keypairs')['keypairs']
    assert listed[0]['keypair']['type'] == created['type']
    resp = cloud.request('DELETE', KEYPAIRS + '/k', version=version)
    helpers.validate(resp, version, 'keypairs', 'delete_keypair')


@pytest.mark.parametrize('version', ['2.1', '2.92'])
def test_import_shows_the_ssh_keygen_fingerprint(cloud, version):
    resp = create(cloud, 'imported', version=version, public_key=PUBLIC_KEY)
    created = helpers.validate(resp, version, 'keypairs', 'create_keypair')['keypair']
    assert 'private_key' not in created
    assert (created['public_key'], created['fingerprint']) == (PUBLIC_KEY, PUBLIC_MD5)


def test_import_of_a_certificate(cloud):
    _, certificate, fingerprint = key_crypto.generate('x509', 'someone')
    resp = create(cloud, 'cert', version='2.92', public_key=certificate, type='x509',
                  expect=201)
    assert resp.json_body_or_none['keypair']['fingerprint'] == fingerprint
    resp = create(cloud, 'not-cert', version='2.92', public_key=PUBLIC_KEY, type='x509',
                  expect=400)
    assert 'X509' in helpers.fault(resp)[1]


def test_2_92_needs_a_public_key_and_allows_at_and_dot(cloud):
    create(cloud, 'gen', version='2.92', expect=400)
    create(cloud, 'me@host.example', version='2.91', expect=400)
    create(cloud, 'me@host.example', version='2.92', public_key=PUBLIC_KEY, expect=201)
    assert cloud.request('GET', KEYPAIRS + '/me@host.example').status_int == 200


def test_a_deleted_name_can_be_used_again(cloud):
    first = create(cloud, 'again', expect=200).json_body_or_none['keypair']
    cloud.request('DELETE', KEYPAIRS + '/again')
    second = create(cloud, 'again', expect=200).json_body_or_none['keypair']
    assert second['fingerprint'] != first['fingerprint']


def test_names_with_spaces_in_the_path(cloud):
    create(cloud, 'my key', public_key=PUBLIC_KEY, expect=200)
    resp = cloud.request('GET', KEYPAIRS + '/my%20key')
    assert resp.json_body_or_none['keypair']['name'] == 'my key'
    assert cloud.request('DELETE', KEYPAIRS + '/my%20key').status_int == 202


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize('body', [
    {'name': ''}, {'name': 'k' * 256}, {'name': r'key_/.\@:'}, {'name': ' lead'},
    {'name': 'trail '}, {'name': 'dot.ted'}, {'name': 'k', 'public_key': ''},
    {'name': 'k', 'public_key': ' '}, {'name': 'k', 'public_key': 'ssh-rsa JUNK a@b'},
    {'name': 'k', 'public_key': 'ssh-rsa ' + 'A' * 2048 + ' a@b'},
    {'name': 'k', 'type': 'ssh'},  # type is 2.2
    {'name': 'k', 'user_id': 'bob'},  # user_id is 2.10
    {'name': 'k', 'bogus': 1}, {'name': 7}, {},
])
def test_bad_create_requests(cloud, body):
    resp = cloud.request('POST', KEYPAIRS, {'keypair': body})
    assert resp.status_int == 400, resp.body
    assert names(cloud.request('GET', KEYPAIRS)) == []


def test_bad_type_and_body(cloud):
    assert cloud.request('POST', KEYPAIRS, {'keypair': {'name': 'k', 'type': 'pgp'}},
                         version='2.2').status_int == 400
    assert cloud.request('POST', KEYPAIRS, {'name': 'k'}).status_int == 400
    assert cloud.request('POST', KEYPAIRS, raw=b'{', headers={
        'Content-Type': 'application/json'}).status_int == 400


def test_duplicate_name_is_a_conflict(cloud):
    create(cloud, 'dup', expect=200)
    resp = create(cloud, 'dup', public_key=PUBLIC_KEY, expect=409)
    assert helpers.fault(resp) == (409, "Key pair 'dup' already exists.")
    # Names are per user: another user may take it.
    assert as_user(cloud, 'POST', KEYPAIRS, {'keypair': {'name': 'dup'}}).status_int == 200


def test_missing_key_pairs(cloud):
    for method in ('GET', 'DELETE'):
        resp = cloud.request(method, KEYPAIRS + '/nothing')
        assert helpers.fault(resp) == (404, 'Keypair nothing not found for user tester')
    create(cloud, 'mine', expect=200)
    assert as_user(cloud, 'GET', KEYPAIRS + '/mine').status_int == 404
    assert as_user(cloud, 'DELETE', KEYPAIRS + '/mine').status_int == 404


def test_key_pairs_quota_counts_per_user(cloud):
    resp = cloud.admin('PUT', '/v2.1/os-quota-sets/demo', {'quota_set': {'key_pairs': 2}})
    assert resp.json_body_or_none['quota_set']['key_pairs'] == 2
    create(cloud, 'one', expect=200)
    create(cloud, 'two', public_key=PUBLIC_KEY, expect=200)
    resp = create(cloud, 'three', expect=403)
    assert resp.json_body_or_none == {'forbidden': {
        'code': 403, 'message': 'Maximum number of key pairs exceeded'}}
    resp = create(cloud, 'three', public_key=PUBLIC_KEY, expect=403)
    assert as_user(cloud, 'POST', KEYPAIRS, {'keypair': {'name': 'three'}}).status_int == 200
    absolute = cloud.request('GET', '/v2.1/limits').json_body_or_none['limits']['absolute']
    assert absolute['maxTotalKeypairs'] == 2
    detail = cloud.request('GET', '/v2.1/os-quota-sets/demo/detail').json_body_or_none
    assert detail['quota_set']['key_pairs'] == {'limit': 2, 'in_use': 0, 'reserved': 0}
    cloud.request('DELETE', KEYPAIRS + '/one')
    create(cloud, 'three', expect=200)


def test_default_key_pairs_quota_comes_from_config(cloud):
    CONF.set_override('key_pairs', 1, group='quota')
    try:
        defaults = cloud.request('GET', '/v2.1/os-quota-sets/demo/defaults')
        assert defaults.json_body_or_none['quota_set']['key_pairs'] == 1
        create(cloud, 'one', expect=200)
        create(cloud, 'two', expect=403)
    finally:
        CONF.clear_override('key_pairs', group='quota')


# -- 2.10: admins and other users' key pairs ---------------------------------------------------
def test_admin_manages_key_pairs_of_other_users_from_2_10(cloud):
    body = {'keypair': {'name': 'for-alice', 'public_key': PUBLIC_KEY, 'user_id': 'alice'}}
    resp = cloud.admin('POST', KEYPAIRS, body, version='2.10')
    assert resp.status_int == 201 and resp.json_body_or_none['keypair']['user_id'] == 'alice'
    cloud.admin('POST', KEYPAIRS, {'keypair': {'name': 'admins-own'}}, version='2.10')

    resp = cloud.admin('GET', KEYPAIRS + '?user_id=alice', version='2.10')
    assert names(resp) == ['for-alice']
    assert names(cloud.admin('GET', KEYPAIRS, version='2.10')) == ['admins-own']
    assert names(as_user(cloud, 'GET', KEYPAIRS, version='2.10')) == ['for-alice']
    # Before 2.10 the parameter means nothing.
    assert names(cloud.admin('GET', KEYPAIRS + '?user_id=alice', version='2.9')) == [
        'admins-own']
    shown = cloud.admin('GET', KEYPAIRS + '/for-alice?user_id=alice', version='2.10')
    assert shown.json_body_or_none['keypair']['user_id'] == 'alice'
    assert cloud.admin('GET', KEYPAIRS + '/for-alice', version='2.10').status_int == 404
    resp = cloud.admin('DELETE', KEYPAIRS + '/for-alice?user_id=alice', version='2.10')
    assert resp.status_int == 204
    assert names(as_user(cloud, 'GET', KEYPAIRS)) == []


def test_users_cannot_reach_other_users_key_pairs(cloud):
    as_user(cloud, 'POST', KEYPAIRS, {'keypair': {'name': 'alices'}})
    for method, path in (('GET', KEYPAIRS + '?user_id=alice'),
                         ('GET', KEYPAIRS + '/alices?user_id=alice'),
                         ('DELETE', KEYPAIRS + '/alices?user_id=alice')):
        resp = as_user(cloud, method, path, user='bob', version='2.10')
        assert resp.status_int == 403, (method, path)
    resp = as_user(cloud, 'POST', KEYPAIRS, {'keypair': {'name': 'x', 'user_id': 'alice'}},
                   user='bob', version='2.10')
    assert resp.status_int == 403
    # Naming oneself is fine.
    resp = as_user(cloud, 'GET', KEYPAIRS + '?user_id=alice', version='2.10')
    assert names(resp) == ['alices']


# -- 2.35 paging, 2.75 strict query -------------------------------------------------------------
def test_paging_from_2_35(cloud):
    for name in ('k3', 'k1', 'k4', 'k0', 'k2'):
        create(cloud, name, public_key=PUBLIC_KEY, expect=200)
    assert names(cloud.request('GET', KEYPAIRS + '?limit=2', version='2.34')) == [
        'k0', 'k1', 'k2', 'k3', 'k4']
    resp = cloud.request('GET', KEYPAIRS + '?limit=2', version='2.35')
    assert names(resp) == ['k0', 'k1']
    link = resp.json_body_or_none['keypairs_links'][0]
    assert link['rel'] == 'next' and link['href'].endswith(
        '/v2.1/os-keypairs?limit=2&marker=k1')
    resp = cloud.request('GET', KEYPAIRS + '?limit=2&marker=k1', version='2.35')
    assert names(resp) == ['k2', 'k3']
    resp = cloud.request('GET', KEYPAIRS + '?limit=2&marker=k3', version='2.35')
    assert names(resp) == ['k4'] and 'keypairs_links' not in resp.json_body_or_none
    assert names(cloud.request('GET', KEYPAIRS + '?marker=k2', version='2.35')) == [
        'k3', 'k4']
    resp = cloud.request('GET', KEYPAIRS + '?marker=gone', version='2.35')
    assert helpers.fault(resp) == (400, 'marker [gone] not found')
    assert cloud.request('GET', KEYPAIRS + '?limit=-1', version='2.35').status_int == 400


def test_unknown_query_parameters_are_refused_from_2_75(cloud):
    create(cloud, 'k', expect=200)
    for path in (KEYPAIRS + '?bogus=1', KEYPAIRS + '/k?limit=1'):
        assert cloud.request('GET', path, version='2.74').status_int == 200
        assert cloud.request('GET', path, version='2.75').status_int == 400
    assert cloud.request('DELETE', KEYPAIRS + '/k?bogus=1',
                         version='2.75').status_int == 400
    assert cloud.request('GET', KEYPAIRS + '?limit=1&marker=j&user_id=tester',
                         version='2.75').status_int == 400  # no key pair 'j'
    assert names(cloud.request('GET', KEYPAIRS + '?limit=1&user_id=tester',
                               version='2.75')) == ['k']


# -- servers --------------------------------------------------------------------------------------
def test_server_created_with_a_key_pair(cloud):
    create(cloud, 'boot-key', public_key=PUBLIC_KEY, expect=200)
    image = helpers.create_image(cloud)
    server = helpers.boot(cloud, image['id'], key_name='boot-key')['server']
    shown = cloud.request('GET', '/v2.1/servers/%s' % server['id']).json_body_or_none
    assert shown['server']['key_name'] == 'boot-key'
    ctx = nimbus_context.get_admin_context()
    instance = objects.Instance.get_by_uuid(ctx, server['id'])
    assert instance.key_data == PUBLIC_KEY
    # The server keeps its key when the key pair goes.
    cloud.request('DELETE', KEYPAIRS + '/boot-key')
    shown = cloud.request('GET', '/v2.1/servers/%s' % server['id']).json_body_or_none
    assert shown['server']['key_name'] == 'boot-key'


def test_server_create_with_an_unknown_key_name(cloud):
    image = helpers.create_image(cloud)
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'vm', 'flavorRef': '1', 'imageRef': image['id'], 'networks': 'none',
        'key_name': 'nope'}}, version='2.37')
    assert helpers.fault(resp) == (400, 'Invalid key_name provided.')
    # Another user's key pair is not the caller's.
    as_user(cloud, 'POST', KEYPAIRS, {'keypair': {'name': 'alices'}})
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'vm', 'flavorRef': '1', 'imageRef': image['id'], 'networks': 'none',
        'key_name': 'alices'}}, version='2.37')
    assert helpers.fault(resp) == (400, 'Invalid key_name provided.')
    servers = cloud.request('GET', '/v2.1/servers').json_body_or_none['servers']
    assert servers == []
