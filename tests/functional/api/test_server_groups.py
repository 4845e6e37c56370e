"""/os-server-groups and booting into a group, through the REST API on two fake compute
hosts: the bodies at each microversion, the refusals, projects, paging, quotas, and
where the servers of (anti-)affinity groups land, one by one, several at once, or moved.
"""
import pytest

from svc_common.conf import CONF
from tests.functional.api import helpers

BASE = '/v2.1/os-server-groups'
UNKNOWN = '8a1c0e4e-8d4f-4bd4-9f0a-4c7a0a5e9b11'


@pytest.fixture
def image(cloud):
    return helpers.create_image(cloud)


def _create(cloud, policy='affinity', name='group', version=None, expect=200, rules=None,
            **kwargs):
    """A group, as ``policies`` before 2.64 and ``policy`` (and ``rules``) from it."""
    if version and version >= '2.64':
        group = {'name': name, 'policy': policy}
        if rules is not None:
            group['rules'] = rules
    else:
        group = {'name': name, 'policies': [policy]}
    resp = cloud.request('POST', BASE, {'server_group': group}, version=version, **kwargs)
    assert resp.status_int == expect, resp.body
    return resp.json_body_or_none['server_group'] if expect == 200 else resp


def _boot(cloud, image, group_id, status='ACTIVE', **extra):
    body = {'server': dict({'name': 'vm', 'flavorRef': '1', 'imageRef': image['id'],
                            'networks': 'none'}, **extra),
            'os:scheduler_hints': {'group': group_id}}
    resp = cloud.request('POST', '/v2.1/servers', body, version='2.37')
    assert resp.status_int == 202, resp.body
    if 'min_count' in extra:
        return None
    server_id = resp.json_body_or_none['server']['id']
    cloud.wait_for_server(server_id, status)
    return server_id


_host = helpers.server_host


def _members(cloud, group_id):
    return cloud.request('GET', '%s/%s' % (BASE, group_id)).json_body_or_none[
        'server_group']['members']


@pytest.fixture
def stacking():
    with helpers.stacking():
        yield


# -- the API ------------------------------------------------------------------------------
@pytest.mark.parametrize('version', ['2.1', '2.13', '2.15', '2.64', '2.96'])
def test_create_list_show_delete_match_tempest_schemas(cloud, version):
    policy = 'soft-anti-affinity' if version >= '2.15' else 'anti-affinity'
    resp = cloud.request('POST', BASE, {'server_group': (
        {'name': 'web', 'policy': policy} if version >= '2.64'
        else {'name': 'web', 'policies': [policy]})}, version=version)
    group = helpers.validate(resp, version, 'server_groups',
                             'create_show_server_group')['server_group']
    expected = {'id': group['id'], 'name': 'web', 'members': []}
    if version >= '2.64':
        expected.update(policy=policy, rules={})
    else:
        expected.update(policies=[policy], metadata={})
    if version >= '2.13':
        expected.update(project_id='demo', user_id='tester')
    assert group == expected
    resp = cloud.request('GET', '%s/%s' % (BASE, group['id']), version=version)
    assert helpers.validate(resp, version, 'server_groups',
                            'create_show_server_group')['server_group'] == group
    resp = cloud.request('GET', BASE, version=version)
    assert helpers.validate(resp, version, 'server_groups',
                            'list_server_groups')['server_groups'] == [group]
    resp = cloud.request('DELETE', '%s/%s' % (BASE, group['id']), version=version)
    helpers.validate(resp, version, 'server_groups', 'delete_server_group')
    assert cloud.request('GET', '%s/%s' % (BASE, group['id'])).status_int == 404
    assert cloud.request('DELETE', '%s/%s' % (BASE, group['id'])).status_int == 404
    assert cloud.request('GET', BASE).json_body_or_none['server_groups'] == []


def test_rules_from_2_64(cloud):
    group = _create(cloud, 'anti-affinity', version='2.64',
                    rules={'max_server_per_host': 2})
    assert (group['policy'], group['rules']) == ('anti-affinity', {'max_server_per_host': 2})
    older = cloud.request('GET', '%s/%s' % (BASE, group['id']), version='2.63')
    assert older.json_body_or_none['server_group']['policies'] == ['anti-affinity']


@pytest.mark.parametrize('version, group, field', [
    ('2.1', {'name': 'g', 'policies': ['soft-affinity']}, 'server_group/policies/0'),
    ('2.14', {'name': 'g', 'policies': ['soft-anti-affinity']}, 'server_group/policies/0'),
    ('2.1', {'name': 'g', 'policies': ['affinity', 'anti-affinity']},
     'server_group/policies'),
    ('2.1', {'name': 'g', 'policies': []}, 'server_group/policies'),
    ('2.1', {'name': 'g', 'policy': 'affinity'}, 'server_group'),
    ('2.1', {'name': '', 'policies': ['affinity']}, 'server_group/name'),
    ('2.63', {'name': 'g', 'policy': 'affinity'}, 'server_group'),
    ('2.64', {'name': 'g', 'policies': ['affinity']}, 'server_group'),
    ('2.64', {'name': 'g', 'policy': 'legacy'}, 'server_group/policy'),
    ('2.64', {'name': 'g', 'policy': 'anti-affinity', 'rules': {'max_server_per_host': 0}},
     'server_group/rules/max_server_per_host'),
    ('2.64', {'name': 'g', 'policy': 'anti-affinity', 'rules': {'other': 1}},
     'server_group/rules'),
])
def test_invalid_groups_are_refused(cloud, version, group, field):
    resp = cloud.request('POST', BASE, {'server_group': group}, version=version)
    assert resp.status_int == 400, resp.body
    assert helpers.fault(resp)[1].startswith(
        'Invalid input for field/attribute %s.' % field), helpers.fault(resp)
    assert cloud.request('GET', BASE).json_body_or_none['server_groups'] == []


@pytest.mark.parametrize('policy', ['affinity', 'soft-affinity', 'soft-anti-affinity'])
def test_rules_are_for_anti_affinity_only(cloud, policy):
    resp = _create(cloud, policy, version='2.64', rules={'max_server_per_host': 2},
                   expect=400)
    assert 'Only anti-affinity policy supports rules' in helpers.fault(resp)[1]


def test_projects_all_projects_and_paging(cloud):
    mine = [_create(cloud, name='g%d' % i)['id'] for i in range(3)]
    theirs = _create(cloud, project='other')['id']
    listed = cloud.request('GET', BASE).json_body_or_none['server_groups']
    assert [g['id'] for g in listed] == mine
    # Another project's group is not found; all_projects is for admins (others see
    # their own, as if they had not asked).
    for method in ('GET', 'DELETE'):
        assert cloud.request(method, '%s/%s' % (BASE, theirs)).status_int == 404
    listed = cloud.request('GET', BASE + '?all_projects=True').json_body_or_none
    assert [g['id'] for g in listed['server_groups']] == mine
    listed = cloud.admin('GET', BASE + '?all_projects=True').json_body_or_none
    assert [g['id'] for g in listed['server_groups']] == mine + [theirs]
    assert cloud.admin('GET', BASE).json_body_or_none['server_groups'] == []
    assert cloud.admin('GET', '%s/%s' % (BASE, theirs)).status_int == 200
    paged = cloud.request('GET', BASE + '?limit=1&offset=1').json_body_or_none
    assert [g['id'] for g in paged['server_groups']] == mine[1:2]
    paged = cloud.request('GET', BASE + '?offset=2').json_body_or_none
    assert [g['id'] for g in paged['server_groups']] == mine[2:]
    assert cloud.request('GET', BASE + '?limit=-1').status_int == 400
    assert cloud.request('GET', BASE + '?bogus=1', version='2.75').status_int == 400
    assert cloud.request('GET', BASE + '?bogus=1', version='2.74').status_int == 200
    # A reader may look but not change.
    assert cloud.request('GET', BASE, roles='reader').status_int == 200
    assert cloud.request('DELETE', '%s/%s' % (BASE, mine[0]),
                         roles='reader').status_int == 403
    assert _create(cloud, roles='reader', expect=403).status_int == 403


def test_server_group_quota(cloud):
    assert cloud.admin('PUT', '/v2.1/os-quota-sets/demo',
                       {'quota_set': {'server_groups': 1}}).status_int == 200
    first = _create(cloud)
    resp = _create(cloud, expect=403)
    assert 'Quota exceeded, too many server groups' in helpers.fault(resp)[1]
    absolute = cloud.request('GET', '/v2.1/limits').json_body_or_none['limits']['absolute']
    assert (absolute['maxServerGroups'], absolute['totalServerGroupsUsed']) == (1, 1)
    detail = cloud.request('GET', '/v2.1/os-quota-sets/demo/detail').json_body_or_none
    assert detail['quota_set']['server_groups'] == {'limit': 1, 'in_use': 1, 'reserved': 0}
    assert cloud.admin('PUT', '/v2.1/os-quota-sets/demo',
                       {'quota_set': {'server_groups': 0}}).status_int == 400
    cloud.request('DELETE', '%s/%s' % (BASE, first['id']))
    _create(cloud)


def test_server_group_members_quota(cloud, image):
    assert cloud.admin('PUT', '/v2.1/os-quota-sets/demo',
                       {'quota_set': {'server_group_members': 2}}).status_int == 200
    group = _create(cloud)['id']
    body = {'server': {'name': 'vm', 'flavorRef': '1', 'imageRef': image['id'],
                       'networks': 'none', 'min_count': 3},
            'os:scheduler_hints': {'group': group}}
    resp = cloud.request('POST', '/v2.1/servers', body, version='2.37')
    assert resp.status_int == 403, resp.body
    assert 'too many servers in group' in helpers.fault(resp)[1]
    _boot(cloud, image, group)
    _boot(cloud, image, group)
    body['server']['min_count'] = 1
    resp = cloud.request('POST', '/v2.1/servers', body, version='2.37')
    assert resp.status_int == 403, resp.body
    assert len(_members(cloud, group)) == 2
    assert len(cloud.request('GET', '/v2.1/servers').json_body_or_none['servers']) == 2


def test_boot_into_an_unknown_or_foreign_group_is_refused(cloud, image):
    theirs = _create(cloud, project='other')['id']
    for group in (UNKNOWN, theirs):
        body = {'server': {'name': 'vm', 'flavorRef': '1', 'imageRef': image['id'],
                           'networks': 'none'}, 'os:scheduler_hints': {'group': group}}
        resp = cloud.request('POST', '/v2.1/servers', body, version='2.37')
        assert resp.status_int == 400, resp.body
        assert 'could not be found' in helpers.fault(resp)[1]
    assert cloud.request('GET', '/v2.1/servers').json_body_or_none['servers'] == []


# -- membership and placement ---------------------------------------------------------------
def test_members_show_in_the_group_and_the_server_and_leave_on_delete(cloud, image):
    group = _create(cloud)['id']
    server = _boot(cloud, image, group)
    assert _members(cloud, group) == [server]
    shown = cloud.request('GET', '/v2.1/servers/%s' % server, version='2.71')
    assert shown.json_body_or_none['server']['server_groups'] == [group]
    assert 'server_groups' not in cloud.request(
        'GET', '/v2.1/servers/%s' % server, version='2.70').json_body_or_none['server']
    cloud.request('DELETE', '/v2.1/servers/%s' % server)
    cloud.wait_for_server(server, 'DELETED')
    assert _members(cloud, group) == []


def test_deleting_a_group_frees_its_servers(cloud, image):
    group = _create(cloud)['id']
    server = _boot(cloud, image, group)
    assert cloud.request('DELETE', '%s/%s' % (BASE, group)).status_int == 204
    shown = cloud.request('GET', '/v2.1/servers/%s' % server, version='2.71')
    assert shown.json_body_or_none['server']['server_groups'] == []


def test_affinity_keeps_servers_together(cloud, image):
    group = _create(cloud, 'affinity')['id']
    # Ungrouped, the second server would go to the emptier host.
    servers = [_boot(cloud, image, group) for _ in range(3)]
    assert len({_host(cloud, s) for s in servers}) == 1
    assert _members(cloud, group) == servers


def test_anti_affinity_keeps_servers_apart(cloud, image, stacking):
    group = _create(cloud, 'anti-affinity')['id']
    first, second = _boot(cloud, image, group), _boot(cloud, image, group)
    assert _host(cloud, first) != _host(cloud, second)
    third = _boot(cloud, image, group, status='ERROR')
    server = cloud.request('GET', '/v2.1/servers/%s' % third).json_body_or_none['server']
    assert 'No valid host' in server['fault']['message']
    assert _host(cloud, third) is None
    # A failed build is still a member (as in Nova) until it is deleted.
    assert _members(cloud, group) == [first, second, third]
    cloud.request('DELETE', '/v2.1/servers/%s' % first)
    cloud.wait_for_server(first, 'DELETED')
    assert _host(cloud, _boot(cloud, image, group)) != _host(cloud, second)


def test_max_server_per_host(cloud, image, stacking):
    group = _create(cloud, 'anti-affinity', version='2.64',
                    rules={'max_server_per_host': 2})['id']
    servers = [_boot(cloud, image, group) for _ in range(4)]
    hosts = [_host(cloud, s) for s in servers]
    assert sorted(hosts.count(h) for h in set(hosts)) == [2, 2]
    _boot(cloud, image, group, status='ERROR')


def _settled(cloud, count):
    """The servers, once ``count`` of them are each ACTIVE or ERROR."""
    def check():
        servers = cloud.request('GET', '/v2.1/servers/detail').json_body_or_none['servers']
        done = [s for s in servers if s['status'] in ('ACTIVE', 'ERROR')]
        return servers if len(done) == count else None
    return cloud.wait_for(check, what='%d servers to settle' % count)


@pytest.mark.parametrize('policy', ['affinity', 'anti-affinity'])
def test_multi_create_into_a_group(cloud, image, policy, request):
    """The servers of one request are placed one after another, each seeing where the
    ones before it went (against weighers that would do otherwise)."""
    if policy == 'anti-affinity':
        request.getfixturevalue('stacking')
    group = _create(cloud, policy)['id']
    _boot(cloud, image, group, min_count=2)
    servers = _settled(cloud, 2)
    assert [s['status'] for s in servers] == ['ACTIVE', 'ACTIVE']
    assert sorted(s['id'] for s in servers) == sorted(_members(cloud, group))
    hosts = {_host(cloud, s['id']) for s in servers}
    assert len(hosts) == (1 if policy == 'affinity' else 2)


def test_multi_create_beyond_the_hosts_of_an_anti_affinity_group(cloud, image):
    group = _create(cloud, 'anti-affinity')['id']
    _boot(cloud, image, group, min_count=3)
    servers = _settled(cloud, 3)
    assert sorted(s['status'] for s in servers) == ['ACTIVE', 'ACTIVE', 'ERROR']
    active = [s['id'] for s in servers if s['status'] == 'ACTIVE']
    assert _host(cloud, active[0]) != _host(cloud, active[1])


@pytest.mark.parametrize('policy', ['soft-affinity', 'soft-anti-affinity'])
def test_soft_policies_are_weighed(cloud, image, policy, request):
    """Against the resource weighers (spreading, or stacking for soft-anti-affinity),
    the soft policy wins; and when it cannot be met, the server still gets a host."""
    if policy == 'soft-anti-affinity':
        request.getfixturevalue('stacking')
    group = _create(cloud, policy, version='2.15')['id']
    servers = [_boot(cloud, image, group) for _ in range(3)]
    hosts = [_host(cloud, s) for s in servers]
    if policy == 'soft-affinity':
        assert len(set(hosts)) == 1
    else:
        assert hosts[0] != hosts[1] and None not in hosts


def test_cold_migration_honours_anti_affinity(cloud, image):
    group = _create(cloud, 'anti-affinity')['id']
    first, second = _boot(cloud, image, group), _boot(cloud, image, group)
    source = _host(cloud, first)
    resp = cloud.admin('POST', '/v2.1/servers/%s/action' % first, {'migrate': None})
    assert resp.status_int == 202, resp.body

    def failed():
        migrations = cloud.admin('GET', '/v2.1/os-migrations').json_body_or_none[
            'migrations']
        return [m['status'] for m in migrations] == ['error']
    cloud.wait_for(failed, what='the migration to fail')
    cloud.wait_for_server(first, 'ACTIVE')
    assert _host(cloud, first) == source != _host(cloud, second)


@pytest.fixture
def same_host_resize():
    CONF.set_override('allow_resize_to_same_host', True, group='compute')
    yield
    CONF.clear_override('allow_resize_to_same_host', group='compute')


def test_resize_honours_affinity(cloud, image, same_host_resize):
    """Resized where either host may take it, a member stays with the others (unhinted
    it would move to the empty host)."""
    group = _create(cloud, 'affinity')['id']
    first, second = _boot(cloud, image, group), _boot(cloud, image, group)
    assert _host(cloud, second) == _host(cloud, first)
    resize = {'resize': {'flavorRef': '2'}}
    assert cloud.request('POST', '/v2.1/servers/%s/action' % second,
                         resize).status_int == 202
    cloud.wait_for_server(second, 'VERIFY_RESIZE')
    assert _host(cloud, second) == _host(cloud, first)
