"""Bad input as a hostile client sends it: every answer a clear 4xx in the API's error
format, never a 500 (issue 9, findings 2, 5 and 6)."""
import webob

from svc_common.conf import CONF
from tests.functional.api import helpers


def _server(**fields):
    return {'server': dict({'name': 'vm', 'flavorRef': '1', 'imageRef': 'x',
                            'networks': 'none'}, **fields)}


def test_deeply_nested_json_is_a_400(cloud):
    for depth in (10000, 200):
        raw = b'{"server": ' + b'[' * depth + b']' * depth + b'}'
        resp = cloud.request('POST', '/v2.1/servers', raw=raw)
        assert resp.status_int == 400, (depth, resp.body[:200])
        assert 'nested deeper' in helpers.fault(resp)[1]
    raw = b'[' * 10000 + b']' * 10000
    resp = cloud.request('POST', '/image/v2/images', raw=raw)
    assert resp.status_int == 400


def test_lone_surrogates_in_a_body_are_a_400(cloud):
    raw = b'{"server": {"name": "\\ud800", "flavorRef": "1", "imageRef": "x"}}'
    resp = cloud.request('POST', '/v2.1/servers', raw=raw)
    assert resp.status_int == 400 and 'surrogate' in helpers.fault(resp)[1]
    resp = cloud.request('POST', '/v2.1/os-server-groups',
                         raw=b'{"server_group": {"name": "\\udfff", "policies": '
                             b'["affinity"]}}')
    assert resp.status_int == 400


def test_a_body_that_is_not_json_by_its_type_is_a_415(cloud):
    resp = cloud.request('POST', '/v2.1/servers', raw=b'{"server": {}}',
                         headers={'Content-Type': 'text/plain'})
    assert resp.status_int == 415 and helpers.fault(resp)[0] == 415
    resp = cloud.request('POST', '/v2.1/os-keypairs', raw=b'{"keypair": {"name": "k"}}',
                         headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert resp.status_int == 415
    resp = cloud.request('POST', '/image/v2/images', raw=b'{"name": "i"}',
                         headers={'Content-Type': 'text/plain'})
    assert resp.status_int == 415
    # No Content-Type at all is JSON, as for Nova.
    req = webob.Request.blank('/v2.1/os-keypairs', method='POST',
                              headers={'X-Auth-Token': 'u:demo:member'})
    req.body = b'{"keypair": {"name": "k"}}'
    assert req.get_response(cloud.app).status_int == 200


def _anonymous(cloud, path, method='GET'):
    req = webob.Request.blank(path, method=method)
    if method == 'POST':
        req.body = b'{"keypair": {"name": "drive-by"}}'
        req.content_type = 'application/json'
    return req.get_response(cloud.app)


def test_a_request_without_identity_is_refused_in_noauth_mode(cloud):
    resp = _anonymous(cloud, '/v2.1/os-keypairs', 'POST')
    assert resp.status_int == 401
    assert resp.json['unauthorized']['code'] == 401
    assert _anonymous(cloud, '/image/v2/images').status_int == 401
    assert _anonymous(cloud, '/v2.1').status_int == 200  # discovery stays open
    # openstackclient's auth_type none sends a token: still served (as an admin).
    assert cloud.request('GET', '/v2.1/flavors',
                         headers={'X-Auth-Token': 'notused'}).status_int == 200
    CONF.set_override('noauth_allow_anonymous', True, group='api')
    try:
        assert _anonymous(cloud, '/v2.1/flavors').status_int == 200
    finally:
        CONF.clear_override('noauth_allow_anonymous', group='api')


BIG = '9' * 5000  # more digits than Python's int() takes from a string
LATE = '9999-12-31T23:59:59-23:59'  # in UTC: after the year 9999
EARLY = '0001-01-01T00:00:00+23:59'  # in UTC: before the year 1


def _hostile_requests(server_id):
    """(method, path, body, version, extra headers) each of which must get a 400."""
    action = '/v2.1/servers/%s/action' % server_id
    return [
        ('POST', '/v2.1/servers', _server(min_count=BIG), '2.37', {}),
        ('POST', '/v2.1/servers', _server(max_count=BIG), '2.37', {}),
        ('POST', '/v2.1/servers', _server(min_count='1' + '0' * 30), '2.37', {}),
        ('POST', action, {'os-getConsoleOutput': {'length': BIG}}, None, {}),
        ('POST', action, {'os-getConsoleOutput': {'length': '-' + BIG}}, None, {}),
        ('POST', '/v2.1/os-server-groups', {'server_group': {
            'name': 'g', 'policy': 'anti-affinity',
            'rules': {'max_server_per_host': BIG}}}, '2.64', {}),
        ('PUT', '/v2.1/os-quota-sets/demo', {'quota_set': {'instances': BIG}}, None, {}),
        ('GET', '/v2.1/flavors', None, '2.' + BIG, {}),
        ('GET', '/v2.1/flavors', None, BIG + '.1', {}),
        ('GET', '/v2.1/servers?changes-since=' + LATE.replace('+', '%2B'), None, None, {}),
        ('GET', '/v2.1/servers?changes-since=' + EARLY.replace('+', '%2B'), None, None,
         {}),
        ('GET', '/v2.1/os-simple-tenant-usage?start=' + EARLY.replace('+', '%2B'), None,
         None, {}),
        ('GET', '/v2.1/os-simple-tenant-usage?end=' + LATE, None, None, {}),
        ('GET', '/v2.1/os-migrations?changes-since=' + LATE, None, '2.59', {}),
        ('GET', '/v2.1/servers/%s/os-instance-actions?changes-since=%s'
         % (server_id, LATE), None, '2.58', {}),
        ('GET', '/v2.1/images?minRam=100000000000000000000', None, '2.35', {}),
        ('GET', '/v2.1/images?minDisk=' + BIG, None, '2.35', {}),
        ('GET', '/v2.1/images?changes-since=' + LATE, None, '2.35', {}),
        ('GET', '/v2.1/flavors?minRam=100000000000000000000', None, None, {}),
        ('GET', '/v2.1/os-server-groups?offset=%d' % 2 ** 63, None, None, {}),
        ('GET', '/v2.1/servers?limit=' + BIG, None, None, {}),
        ('GET', '/v2.1/servers?name=%ED%A0%80', None, None, {}),
        ('GET', '/v2.1/flavors?name=%ff', None, '2.97', {}),
        ('GET', '/image/v2/images?name=%ED%A0%80', None, None, {}),
        ('GET', '/image/v2/images?limit=' + BIG, None, None, {}),
    ]


def test_hostile_values_are_400s_in_the_api_format(cloud):
    image = helpers.create_image(cloud)
    server = helpers.boot(cloud, image['id'])['server']
    cloud.wait_for_server(server['id'], 'ACTIVE')
    failures = []
    for method, path, body, version, headers in _hostile_requests(server['id']):
        as_admin = path.startswith(('/v2.1/os-quota-sets', '/v2.1/os-migrations',
                                    '/v2.1/os-simple-tenant-usage'))
        call = cloud.admin if as_admin else cloud.request
        resp = call(method, path, body, version=version, headers=headers)
        if resp.status_int != 400:
            failures.append((method, path[:80], resp.status_int, resp.body[:150]))
        elif path.startswith('/v2.1'):
            assert helpers.fault(resp)[0] == 400
    assert not failures, "\n".join(map(repr, failures))


def test_a_path_that_is_not_utf8_is_a_400(cloud):
    for path in ('/v2.1/servers/%ff', '/image/v2/images/%ED%A0%80', '/v2.1/flavors?x=%c3'):
        resp = cloud.request('GET', path)
        assert resp.status_int == 400, (path, resp.body)
        assert helpers.fault(resp)[0] == 400


def test_names_are_printable_text(cloud):
    image = helpers.create_image(cloud)
    server = helpers.boot(cloud, image['id'])['server']
    cloud.wait_for_server(server['id'], 'ACTIVE')
    for bad in ('a\x00b', 'tab\there', 'bell\x07', 'line\nbreak', 'del\x7f', 'c1\x85'):
        calls = [
            ('POST', '/v2.1/servers', _server(name=bad, imageRef=image['id']), '2.37'),
            ('PUT', '/v2.1/servers/%s' % server['id'], {'server': {'name': bad}}, None),
            ('POST', '/v2.1/os-server-groups', {'server_group': {
                'name': bad, 'policies': ['affinity']}}, None),
            ('POST', '/v2.1/servers/%s/action' % server['id'],
             {'lock': {'locked_reason': bad}}, '2.73'),
            ('POST', '/image/v2/images', {'name': bad}, None),
        ]
        for method, path, body, version in calls:
            resp = cloud.request(method, path, body, version=version)
            assert resp.status_int == 400, (bad, path, resp.status_int)
    # Unicode beyond the controls is fine.
    resp = cloud.request('PUT', '/v2.1/servers/%s' % server['id'],
                         {'server': {'name': 'Grüße — 服务器'}})
    assert resp.status_int == 200


def test_hostname_follows_the_rules_of_its_microversion(cloud):
    image = helpers.create_image(cloud)

    def create(hostname, version):
        return cloud.request('POST', '/v2.1/servers', _server(
            imageRef=image['id'], hostname=hostname), version=version).status_int

    for bad in ('-leading', 'trailing-', 'under_score', 'a', 'x' * 64, 'sp ace',
                'dot.ted', 'new\nline'):
        assert create(bad, '2.90') == 400, bad
    assert create('good-name-1', '2.90') == 202
    for bad in ('sp ace', 'x' * 256, 'slash/', 'new\nline'):
        assert create(bad, '2.94') == 400, bad
    assert create('host.example.org', '2.94') == 202


def test_console_length_below_minus_one_is_refused(cloud):
    image = helpers.create_image(cloud)
    server = helpers.boot(cloud, image['id'])['server']
    cloud.wait_for_server(server['id'], 'ACTIVE')
    path = '/v2.1/servers/%s/action' % server['id']
    for length in (-2, '-2', -100):
        resp = cloud.request('POST', path, {'os-getConsoleOutput': {'length': length}})
        assert resp.status_int == 400, (length, resp.body)
    for length in (-1, '-1', 5, None):
        resp = cloud.request('POST', path, {'os-getConsoleOutput': {'length': length}})
        assert resp.status_int == 200, (length, resp.body)


def test_unknown_server_list_parameters_from_2_75(cloud):
    for path in ('/v2.1/servers', '/v2.1/servers/detail'):
        assert cloud.request('GET', path + '?bogus=1', version='2.74').status_int == 200
        resp = cloud.request('GET', path + '?bogus=1', version='2.75')
        assert resp.status_int == 400 and 'bogus' in helpers.fault(resp)[1]
        assert cloud.request('GET', path + '?name=x&limit=1&sort_key=uuid',
                             version='2.75').status_int == 200


def test_nul_characters_are_refused_everywhere(cloud):
    """PostgreSQL cannot store NUL in text: it never gets that far, in any field."""
    for method, path, raw in (
            ('POST', '/v2.1/os-keypairs', b'{"keypair": {"name": "k", "public_key": '
                                          b'"ssh-rsa AAAA\\u0000"}}'),
            ('POST', '/v2.1/flavors', b'{"flavor": {"name": "f", "ram": 1, "vcpus": 1, '
                                      b'"disk": 1, "description": "d\\u0000"}}'),
            ('POST', '/image/v2/images', b'{"name": "i", "prop": "v\\u0000"}'),
            ('GET', '/v2.1/servers?name=%00', None),
            ('GET', '/v2.1/servers/%00', None),
            ('GET', '/image/v2/images?name=a%00', None)):
        resp = cloud.admin(method, path, raw=raw, version='2.55')
        assert resp.status_int == 400, (path, resp.body)


def test_numbers_json_does_not_have_are_a_400(cloud):
    for raw in (b'{"flavor": {"name": "f", "ram": 1, "vcpus": 1, "disk": 1, '
                b'"rxtx_factor": 1e999}}',
                b'{"flavor": {"name": "f", "ram": 1, "vcpus": 1, "disk": 1, '
                b'"rxtx_factor": NaN}}',
                b'{"flavor": {"name": "f", "ram": Infinity, "vcpus": 1, "disk": 1}}'):
        resp = cloud.admin('POST', '/v2.1/flavors', raw=raw)
        assert resp.status_int == 400, (raw, resp.body)
