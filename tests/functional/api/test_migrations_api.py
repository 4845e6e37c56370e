"""GET /os-migrations: admin only, bodies per microversion as Tempest validates them,
filters, changes-since/-before and paging."""
import datetime
import urllib.parse

import pytest

from svc_common.db import models
from tests.functional.api import helpers

FIELDS_2_1 = {'id', 'status', 'instance_uuid', 'source_node', 'source_compute', 'dest_node',
              'dest_compute', 'dest_host', 'old_instance_type_id', 'new_instance_type_id',
              'created_at', 'updated_at'}


def _boot(cloud, image, project):
    server_id = helpers.boot(cloud, image['id'], project=project)['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE', project=project)
    return server_id


def _action(cloud, server_id, body, project='demo', admin=False, expect=202):
    if admin:
        resp = cloud.admin('POST', '/v2.1/servers/%s/action' % server_id, body)
    else:
        resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id, body,
                             project=project)
    assert resp.status_int == expect, resp.body


@pytest.fixture
def moves(cloud):
    """Three moves: a confirmed resize and a finished cold migration of project demo's
    servers, and a reverted resize of project other's."""
    image = helpers.create_image(cloud, project='admin', roles='admin', visibility='public')
    confirmed = _boot(cloud, image, 'demo')
    migrated = _boot(cloud, image, 'demo')
    reverted = _boot(cloud, image, 'other')
    _action(cloud, confirmed, {'resize': {'flavorRef': '2'}})
    cloud.wait_for_server(confirmed, 'VERIFY_RESIZE')
    _action(cloud, confirmed, {'confirmResize': None}, expect=204)
    cloud.wait_for_server(confirmed, 'ACTIVE')
    _action(cloud, migrated, {'migrate': None}, admin=True)
    cloud.wait_for_server(migrated, 'VERIFY_RESIZE')
    _action(cloud, reverted, {'resize': {'flavorRef': '2'}}, project='other')
    cloud.wait_for_server(reverted, 'VERIFY_RESIZE', project='other')
    _action(cloud, reverted, {'revertResize': None}, project='other')
    cloud.wait_for_server(reverted, 'ACTIVE', project='other')

    def settled():
        statuses = {m['instance_uuid']: m['status'] for m in _list(cloud)}
        return statuses == {confirmed: 'confirmed', migrated: 'finished',
                            reverted: 'reverted'}
    cloud.wait_for(settled, what='the migrations to settle')
    return {'confirmed': confirmed, 'migrated': migrated, 'reverted': reverted}


def _get(cloud, query='', version='2.80', expect=200):
    resp = cloud.admin('GET', '/v2.1/os-migrations' + (('?' + query) if query else ''),
                       version=version)
    assert resp.status_int == expect, resp.body
    return resp


def _list(cloud, query='', version='2.80'):
    return _get(cloud, query, version).json_body_or_none['migrations']


def _instances(cloud, query='', version='2.80'):
    return {m['instance_uuid'] for m in _list(cloud, query, version)}


def test_admin_only(cloud):
    resp = cloud.request('GET', '/v2.1/os-migrations')
    assert resp.status_int == 403
    assert 'os_compute_api:os-migrations:index' in helpers.fault(resp)[1]
    assert _list(cloud, version='2.1') == []


@pytest.mark.parametrize('version', ['2.1', '2.22', '2.23', '2.58', '2.59', '2.79', '2.80',
                                     '2.96'])
def test_bodies_match_tempest_schemas(cloud, moves, version):
    body = helpers.validate(_get(cloud, version=version), version, 'migrations',
                            'list_migrations')
    assert len(body['migrations']) == 3
    expected = set(FIELDS_2_1)
    number = tuple(int(x) for x in version.split('.'))
    if number >= (2, 23):
        expected.add('migration_type')
    if number >= (2, 59):
        expected.add('uuid')
    if number >= (2, 80):
        expected |= {'user_id', 'project_id'}
    for migration in body['migrations']:
        assert set(migration) == expected
        assert isinstance(migration['id'], int)
        assert 'links' not in migration  # only live migrations in progress carry links


def test_fields(cloud, moves):
    by_instance = {m['instance_uuid']: m for m in _list(cloud)}
    resize = by_instance[moves['confirmed']]
    assert resize['migration_type'] == 'resize'
    assert resize['status'] == 'confirmed'
    assert resize['source_compute'] != resize['dest_compute']
    assert resize['source_node'] == resize['source_compute']
    assert resize['dest_host'] == resize['dest_compute'] == resize['dest_node']
    assert resize['new_instance_type_id'] != resize['old_instance_type_id']
    assert (resize['project_id'], resize['user_id']) == ('demo', 'tester')
    migration = by_instance[moves['migrated']]
    assert (migration['migration_type'], migration['status']) == ('migration', 'finished')
    assert migration['new_instance_type_id'] == migration['old_instance_type_id']
    assert migration['project_id'] == 'admin'
    assert by_instance[moves['reverted']]['project_id'] == 'other'
    # Newest first.
    assert [m['instance_uuid'] for m in _list(cloud)] == [
        moves['reverted'], moves['migrated'], moves['confirmed']]


def test_filters(cloud, moves):
    everything = set(moves.values())
    host = _list(cloud, 'instance_uuid=%s' % moves['confirmed'])[0]['source_compute']
    assert _instances(cloud, 'instance_uuid=%s' % moves['migrated']) == {moves['migrated']}
    assert _instances(cloud, 'status=reverted') == {moves['reverted']}
    assert _instances(cloud, 'status=error') == set()
    assert _instances(cloud, 'migration_type=migration') == {moves['migrated']}
    assert _instances(cloud, 'migration_type=resize') == {moves['confirmed'],
                                                          moves['reverted']}
    assert _instances(cloud, 'host=%s' % host) == everything  # source or destination
    assert _instances(cloud, 'host=host9') == set()
    by_source = _list(cloud, 'source_compute=%s' % host)
    assert by_source and all(m['source_compute'] == host for m in by_source)
    assert _instances(cloud, 'hidden=0') == everything
    assert _instances(cloud, 'colour=red') == everything
    # user_id and project_id filter from 2.80 on, and are ignored before.
    assert _instances(cloud, 'project_id=demo') == {moves['confirmed']}
    assert _instances(cloud, 'project_id=other&user_id=tester') == {moves['reverted']}
    assert _instances(cloud, 'user_id=nobody') == set()
    assert _instances(cloud, 'project_id=demo', version='2.79') == everything


def _iso(when):
    return urllib.parse.quote(when.isoformat())


def test_changes_since_and_before(cloud, moves):
    everything = set(moves.values())
    now = datetime.datetime.now(datetime.timezone.utc)
    hour = datetime.timedelta(hours=1)
    assert _instances(cloud, 'changes-since=%s' % _iso(now + hour)) == set()
    assert _instances(cloud, 'changes-since=%s' % _iso(now - hour)) == everything
    assert _instances(cloud, 'changes-since=%s' % _iso(now + hour), version='2.58') == \
        everything  # ignored before 2.59
    assert _instances(cloud, 'changes-before=%s' % _iso(now - hour)) == set()
    assert _instances(cloud, 'changes-before=%s' % _iso(now + hour)) == everything
    assert _instances(cloud, 'changes-before=%s' % _iso(now - hour), version='2.65') == \
        everything  # ignored before 2.66
    # The update time of the newest migration splits the list.
    newest = _list(cloud)[0]
    updated = newest['updated_at']
    assert newest['instance_uuid'] in _instances(cloud, 'changes-since=%s' % updated)
    resp = _get(cloud, 'changes-since=%s&changes-before=%s' % (_iso(now), _iso(now - hour)),
                expect=400)
    assert 'changes-since must be less than or equal to changes-before' in \
        helpers.fault(resp)[1]
    _get(cloud, 'changes-since=yesterday', expect=400)
    _get(cloud, 'changes-before=soon', expect=400)


def test_paging(cloud, moves):
    everything = _list(cloud)
    resp = _get(cloud, 'limit=1', version='2.59')
    body = resp.json_body_or_none
    assert [m['uuid'] for m in body['migrations']] == [everything[0]['uuid']]
    [link] = body['migrations_links']
    assert link['rel'] == 'next'
    query = urllib.parse.parse_qs(urllib.parse.urlparse(link['href']).query)
    assert query == {'limit': ['1'], 'marker': [everything[0]['uuid']]}
    assert urllib.parse.urlparse(link['href']).path == '/v2.1/os-migrations'

    page = _get(cloud, 'limit=2&marker=%s' % everything[0]['uuid'])
    body = page.json_body_or_none
    assert [m['uuid'] for m in body['migrations']] == [m['uuid'] for m in everything[1:]]
    assert 'marker=%s' % everything[2]['uuid'] in body['migrations_links'][0]['href']
    last = _get(cloud, 'limit=2&marker=%s' % everything[2]['uuid'])
    assert last.json_body_or_none == {'migrations': []}
    # Short pages carry no next link, and validate as Tempest sees them.
    helpers.validate(_get(cloud, 'limit=5'), '2.80', 'migrations', 'list_migrations')
    # A marker that names no migration is a 400; paging needs 2.59.
    resp = _get(cloud, 'marker=00000000-0000-0000-0000-000000000000', expect=400)
    assert '00000000-0000-0000-0000-000000000000' in helpers.fault(resp)[1]
    _get(cloud, 'limit=-1', expect=400)
    _get(cloud, 'limit=many', expect=400)
    assert len(_list(cloud, 'limit=1', version='2.58')) == 3
    # Filters and paging together.
    assert [m['instance_uuid'] for m in _list(cloud, 'migration_type=resize&limit=1&marker='
                                              + everything[0]['uuid'])] == [
        moves['confirmed']]


def test_a_page_reads_only_its_rows(cloud, moves):
    everything = _list(cloud)
    with helpers.rows_loaded(models.Migration) as loaded:
        assert [m['uuid'] for m in _list(cloud, 'limit=1&marker=%s' % everything[0]['uuid'])
                ] == [everything[1]['uuid']]
    assert loaded['rows'] == 2  # the marker's and the page's
