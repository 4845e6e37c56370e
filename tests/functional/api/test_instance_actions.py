"""GET /servers/{id}/os-instance-actions[/{request_id}]: bodies per microversion and
per policy as Tempest validates them, events, paging and the changes-* filters."""
import datetime
import urllib.parse

import pytest

from svc_common import exception
from tests.functional.api import helpers

ACTION_FIELDS = {'action', 'instance_uuid', 'request_id', 'user_id', 'project_id',
                 'start_time', 'message'}
EVENT_FIELDS = {'event', 'start_time', 'finish_time', 'result'}


def _number(version):
    return tuple(int(x) for x in version.split('.'))


def _action(cloud, server_id, body, expect=202):
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id, body)
    assert resp.status_int == expect, resp.body
    return resp.headers['x-openstack-request-id']


@pytest.fixture
def server(cloud):
    """A server of project demo that was created, stopped, started, resized (confirmed),
    and whose second resize failed on the destination (an Error event)."""
    image = helpers.create_image(cloud, project='admin', roles='admin', visibility='public')
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    _action(cloud, server_id, {'os-stop': None})
    cloud.wait_for_server(server_id, 'SHUTOFF')
    _action(cloud, server_id, {'os-start': None})
    cloud.wait_for_server(server_id, 'ACTIVE')
    _action(cloud, server_id, {'resize': {'flavorRef': '2'}})
    cloud.wait_for_server(server_id, 'VERIFY_RESIZE')
    _action(cloud, server_id, {'confirmResize': None}, expect=204)
    cloud.wait_for_server(server_id, 'ACTIVE')
    for host in ('host1', 'host2'):
        cloud.aio.compute(host).driver.fail_on['prepare_migration_target'] = \
            exception.NimbusException('no room here')
    failed_request = _action(cloud, server_id, {'resize': {'flavorRef': '3'}})

    def failed():
        return _show(cloud, server_id, failed_request, admin=True)['message'] == 'Error'
    cloud.wait_for(failed, what='the failed resize to be recorded')
    cloud.wait_for_server(server_id, 'ACTIVE')
    for host in ('host1', 'host2'):
        cloud.aio.compute(host).driver.fail_on.clear()
    return {'id': server_id, 'failed_request': failed_request}


def _get(cloud, path, version='2.1', admin=False, expect=200, **kwargs):
    call = cloud.admin if admin else cloud.request
    resp = call('GET', path, version=version, **kwargs)
    assert resp.status_int == expect, resp.body
    return resp


def _list_path(server_id, query=''):
    return '/v2.1/servers/%s/os-instance-actions%s' % (server_id,
                                                        ('?' + query) if query else '')


def _list(cloud, server_id, query='', version='2.1', admin=False):
    resp = _get(cloud, _list_path(server_id, query), version, admin)
    return resp.json_body_or_none['instanceActions']


def _show(cloud, server_id, request_id, version='2.1', admin=False):
    resp = _get(cloud, '/v2.1/servers/%s/os-instance-actions/%s' % (server_id, request_id),
                version, admin)
    return resp.json_body_or_none['instanceAction']


VERSIONS = ['2.1', '2.21', '2.50', '2.51', '2.57', '2.58', '2.61', '2.62', '2.66', '2.83',
            '2.84', '2.96']


def test_bodies_match_tempest_schemas(cloud, server):
    # One server for every microversion and role: building it takes a while.
    for version in VERSIONS:
        for admin in (False, True):
            _check_bodies(cloud, server, version, admin)


def _check_bodies(cloud, server, version, admin):
    number = _number(version)
    resp = _get(cloud, _list_path(server['id']), version, admin)
    actions = helpers.validate(resp, version, 'servers',
                               'list_instance_actions')['instanceActions']
    assert [a['action'] for a in actions] == ['resize', 'confirmResize', 'resize', 'start',
                                              'stop', 'create']
    for item in actions:
        assert set(item) == ACTION_FIELDS | ({'updated_at'} if number >= (2, 58) else set())
        assert item['instance_uuid'] == server['id']
        assert (item['project_id'], item['user_id']) == ('demo', 'tester')

    for item in actions:
        resp = _get(cloud, '/v2.1/servers/%s/os-instance-actions/%s'
                    % (server['id'], item['request_id']), version, admin)
        shown = helpers.validate(resp, version, 'servers',
                                 'show_instance_action')['instanceAction']
        assert {k: v for k, v in shown.items() if k != 'events'} == item
        if not admin and number < (2, 51):
            assert 'events' not in shown
            continue
        expected = set(EVENT_FIELDS)
        if admin:
            expected.add('traceback')
        if number >= (2, 62):
            expected |= {'hostId', 'host'} if admin else {'hostId'}
        if admin and number >= (2, 84):
            expected.add('details')
        for event in shown['events']:
            assert set(event) == expected, event


def test_events(cloud, server):
    actions = {a['request_id']: a for a in _list(cloud, server['id'])}
    failed = actions[server['failed_request']]
    assert failed['message'] == 'Error'
    assert [a['message'] for a in actions.values() if a is not failed] == [None] * 5

    shown = _show(cloud, server['id'], server['failed_request'], version='2.84', admin=True)
    events = {e['event']: e for e in shown['events']}
    prep = events['compute_prep_resize']
    assert prep['result'] == 'Error'
    assert 'no room here' in prep['traceback']
    assert prep['host'] in ('host1', 'host2')
    assert prep['hostId'] and prep['hostId'] != prep['host']
    assert prep['finish_time']
    assert events['conductor_migrate_server']['result'] == 'Success'

    mine = _show(cloud, server['id'], server['failed_request'], version='2.62')
    by_name = {e['event']: e for e in mine['events']}
    assert 'traceback' not in by_name['compute_prep_resize']
    assert by_name['compute_prep_resize']['hostId'] == prep['hostId']

    resize = next(a for a in _list(cloud, server['id']) if a['action'] == 'resize'
                  and a['request_id'] != server['failed_request'])
    names = [e['event'] for e in _show(cloud, server['id'], resize['request_id'],
                                       version='2.51')['events']]
    assert set(names) == {'conductor_migrate_server', 'compute_prep_resize',
                          'compute_resize_instance', 'compute_finish_resize'}
    assert names[-1] == 'conductor_migrate_server'  # newest first
    confirm = next(a for a in _list(cloud, server['id']) if a['action'] == 'confirmResize')
    names = [e['event'] for e in _show(cloud, server['id'], confirm['request_id'],
                                       version='2.51')['events']]
    assert names == ['compute_confirm_resize']


def test_access(cloud, server):
    sid = server['id']
    _get(cloud, _list_path(sid), project='other', expect=404)
    _get(cloud, _list_path(sid), roles='reader')
    _get(cloud, '/v2.1/servers/%s/os-instance-actions/req-nope' % sid, expect=404)
    _get(cloud, _list_path('00000000-0000-0000-0000-000000000000'), expect=404)

    resp = cloud.request('DELETE', '/v2.1/servers/%s' % sid)
    assert resp.status_int == 204
    cloud.wait_for_server(sid, 'DELETED')
    _get(cloud, _list_path(sid), version='2.20', expect=404)
    actions = _list(cloud, sid, version='2.21')
    assert actions[0]['action'] == 'delete'
    assert _show(cloud, sid, actions[0]['request_id'], version='2.21')['action'] == 'delete'


def _iso(when):
    return urllib.parse.quote(when.isoformat())


def test_paging_and_changes(cloud, server):
    sid = server['id']
    everything = _list(cloud, sid, version='2.58')
    resp = _get(cloud, _list_path(sid, 'limit=2'), version='2.58')
    body = helpers.validate(resp, '2.58', 'servers', 'list_instance_actions')
    assert [a['request_id'] for a in body['instanceActions']] == \
        [a['request_id'] for a in everything[:2]]
    [link] = body['links']
    assert link['rel'] == 'next'
    parsed = urllib.parse.urlparse(link['href'])
    assert parsed.path == '/v2.1/servers/%s/os-instance-actions' % sid
    assert urllib.parse.parse_qs(parsed.query) == {
        'limit': ['2'], 'marker': [everything[1]['request_id']]}
    page = _list(cloud, sid, 'limit=10&marker=%s' % everything[1]['request_id'], '2.58')
    assert [a['request_id'] for a in page] == [a['request_id'] for a in everything[2:]]
    assert 'links' not in _get(cloud, _list_path(sid, 'limit=10'), '2.58').json_body_or_none
    _get(cloud, _list_path(sid, 'marker=req-nope'), version='2.58', expect=400)
    _get(cloud, _list_path(sid, 'limit=-2'), version='2.58', expect=400)
    assert len(_list(cloud, sid, 'limit=1', version='2.57')) == len(everything)

    now = datetime.datetime.now(datetime.timezone.utc)
    hour = datetime.timedelta(hours=1)
    assert _list(cloud, sid, 'changes-since=%s' % _iso(now + hour), '2.58') == []
    assert len(_list(cloud, sid, 'changes-since=%s' % _iso(now - hour), '2.58')) == 6
    assert len(_list(cloud, sid, 'changes-since=%s' % _iso(now + hour), '2.57')) == 6
    newest = everything[0]['updated_at']
    since_newest = _list(cloud, sid, 'changes-since=%s' % newest, '2.58')
    assert since_newest[0]['request_id'] == everything[0]['request_id']
    assert _list(cloud, sid, 'changes-before=%s' % _iso(now - hour), '2.66') == []
    assert len(_list(cloud, sid, 'changes-before=%s' % _iso(now - hour), '2.65')) == 6
    _get(cloud, _list_path(sid, 'changes-since=%s&changes-before=%s'
                           % (_iso(now), _iso(now - hour))), version='2.66', expect=400)
    _get(cloud, _list_path(sid, 'changes-since=never'), version='2.58', expect=400)
