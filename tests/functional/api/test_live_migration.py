"""Live migration through the REST API, with two fake compute hosts: to a named host and
to one the scheduler picks, at each body's microversion; the migration in progress
(list, show, force complete, abort); the rollbacks; and every refusal."""
import pytest

from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import exception
from svc_common import objects
from tests.functional.api import helpers

HOSTS = ('host1', 'host2')
TINY = {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}


@pytest.fixture
def image(cloud):
    return helpers.create_image(cloud, project='admin', roles='admin', visibility='public')


@pytest.fixture
def server(cloud, image):
    server_id = helpers.boot(cloud, image['id'], flavor='1')['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    return _show(cloud, server_id)


@pytest.fixture
def slow(cloud):
    """Fake live migrations take 30 s unless forced to complete or aborted."""
    CONF.set_override('live_migrate_delay', 30, group='fake_driver')
    yield
    CONF.clear_override('live_migrate_delay', group='fake_driver')


def _show(cloud, server_id, version='2.47'):
    resp = cloud.admin('GET', '/v2.1/servers/%s' % server_id, version=version)
    assert resp.status_int == 200, resp.body
    return resp.json_body_or_none['server']


def _host(server):
    return server['OS-EXT-SRV-ATTR:host']


def _other(host):
    return next(h for h in HOSTS if h != host)


def _live(cloud, server_id, body, version='2.1', expect=202, admin=True):
    call = cloud.admin if admin else cloud.request
    resp = call('POST', '/v2.1/servers/%s/action' % server_id, {'os-migrateLive': body},
                version=version)
    assert resp.status_int == expect, resp.body
    return resp


def _ctx():
    return nimbus_context.get_admin_context()


def _claims():
    nodes = {n.id: n.host for n in objects.ComputeNodeList.get_all(_ctx())}
    result = {}
    for claim in objects.ResourceClaimList.get_all(_ctx()):
        key = (claim.consumer_uuid, nodes[claim.compute_node_id])
        result.setdefault(key, {})[claim.resource_class] = claim.amount
    return result


def _migration(server_id):
    return objects.MigrationList.get_by_filters(_ctx(), {'instance_uuid': server_id})[0]


def _settled(cloud, server_id):
    return cloud.wait_for(lambda: (lambda s: s if s['OS-EXT-STS:task_state'] is None
                                   else None)(_show(cloud, server_id)), what='no task')


def _guests(cloud, host):
    return set(cloud.aio.compute(host).driver.list_instance_uuids())


def test_live_migration_to_a_named_host(cloud, server):
    source = _host(server)
    dest = _other(source)
    _live(cloud, server['id'], {'host': dest, 'block_migration': False,
                                'disk_over_commit': False})
    moved = _settled(cloud, server['id'])
    assert (moved['status'], _host(moved), moved['OS-EXT-STS:power_state']) == (
        'ACTIVE', dest, 1)
    migration = _migration(server['id'])
    assert (migration.migration_type, migration.status) == ('live-migration', 'completed')
    assert (migration.source_compute, migration.dest_compute) == (source, dest)
    assert _claims() == {(server['id'], dest): TINY}
    assert server['id'] not in _guests(cloud, source)
    assert server['id'] in _guests(cloud, dest)
    assert 'live-migrated to %s' % dest in cloud.aio.compute(dest).driver.\
        get_console_output(None, objects.Instance(uuid=server['id']))
    actions = objects.InstanceActionList.get_by_instance_uuid(_ctx(), server['id'])
    assert [a.action for a in actions][::-1] == ['create', 'live-migration']
    events = {e.event for e in objects.InstanceActionEventList.get_by_action(
        _ctx(), actions[0].id)}
    assert {'conductor_live_migrate_instance', 'compute_pre_live_migration',
            'compute_live_migration', 'compute_post_live_migration',
            'compute_post_live_migration_at_destination'} <= events
    instance = objects.Instance.get_by_uuid(_ctx(), server['id'])
    assert 'live_migration' not in instance.system_metadata


@pytest.mark.parametrize('version,body', [
    ('2.25', {'host': None, 'block_migration': 'auto'}),
    ('2.30', {'host': None, 'block_migration': 'auto', 'force': False}),
    ('2.68', {'host': None, 'block_migration': False}),
])
def test_the_scheduler_picks_the_other_host(cloud, server, version, body):
    _live(cloud, server['id'], body, version=version)
    moved = _settled(cloud, server['id'])
    assert (moved['status'], _host(moved)) == ('ACTIVE', _other(_host(server)))


def test_forced_host_at_2_30(cloud, server):
    dest = _other(_host(server))
    _live(cloud, server['id'], {'host': dest, 'block_migration': 'auto', 'force': True},
          version='2.30')
    assert _host(_settled(cloud, server['id'])) == dest


@pytest.mark.parametrize('version,body', [
    ('2.1', {'host': None, 'block_migration': False}),  # disk_over_commit missing
    ('2.1', {'host': None, 'block_migration': 'auto', 'disk_over_commit': False}),
    ('2.25', {'host': None, 'block_migration': False, 'disk_over_commit': False}),
    ('2.25', {'host': None, 'block_migration': 'maybe'}),
    ('2.30', {'host': None, 'block_migration': 'auto', 'force': True}),
    ('2.68', {'host': None, 'block_migration': 'auto', 'force': False}),
    ('2.25', {'host': 'no-such-host', 'block_migration': 'auto'}),
])
def test_bad_requests_are_400(cloud, server, version, body):
    _live(cloud, server['id'], body, version=version, expect=400)
    assert _show(cloud, server['id'])['status'] == 'ACTIVE'


def test_a_paused_server_moves_paused_and_a_suspended_one_not_at_all(cloud, server):
    cloud.admin('POST', '/v2.1/servers/%s/action' % server['id'], {'pause': None})
    cloud.wait_for_server(server['id'], 'PAUSED')
    dest = _other(_host(server))
    _live(cloud, server['id'], {'host': None, 'block_migration': 'auto'}, version='2.25')
    moved = _settled(cloud, server['id'])
    assert (moved['status'], _host(moved), moved['OS-EXT-STS:power_state']) == (
        'PAUSED', dest, 3)
    assert _migration(server['id']).status == 'completed'
    assert server['id'] in _guests(cloud, dest)
    assert cloud.aio.compute(dest).driver.get_info(
        objects.Instance(uuid=server['id'])).power_state == 3
    cloud.admin('POST', '/v2.1/servers/%s/action' % server['id'], {'unpause': None})
    cloud.wait_for_server(server['id'], 'ACTIVE')
    assert _host(_show(cloud, server['id'])) == dest

    cloud.admin('POST', '/v2.1/servers/%s/action' % server['id'], {'suspend': None})
    cloud.wait_for_server(server['id'], 'SUSPENDED')
    resp = _live(cloud, server['id'], {'host': None, 'block_migration': 'auto'},
                 version='2.25', expect=409)
    assert 'vm_state suspended' in helpers.fault(resp)[1]


def test_refusals(cloud, server):
    body = {'host': None, 'block_migration': 'auto'}
    resp = _live(cloud, server['id'], body, version='2.25', expect=403, admin=False)
    assert 'migrate_live' in helpers.fault(resp)[1]
    _live(cloud, server['id'], dict(body, host=_host(server)), version='2.25', expect=400)
    cloud.admin('POST', '/v2.1/servers/%s/action' % server['id'], {'os-stop': None})
    cloud.wait_for_server(server['id'], 'SHUTOFF')
    _live(cloud, server['id'], body, version='2.25', expect=409)


def test_in_progress_listed_shown_and_forced_to_complete(cloud, server, slow):
    sid = server['id']
    _live(cloud, sid, {'host': None, 'block_migration': 'auto'}, version='2.25')
    migrating = cloud.wait_for_server(sid, 'MIGRATING')
    assert migrating['OS-EXT-STS:task_state'] == 'migrating'
    migration = cloud.wait_for(lambda: (lambda m: m if m.status == 'running' else None)(
        _migration(sid)), what='running')
    path = '/v2.1/servers/%s/migrations' % sid
    listed = cloud.admin('GET', path, version='2.80').json_body_or_none['migrations']
    assert [(m['id'], m['status'], m['server_uuid']) for m in listed] == [
        (migration.id, 'running', sid)]
    assert {'uuid', 'user_id', 'project_id', 'memory_total_bytes'} <= set(listed[0])
    assert cloud.admin('GET', path, version='2.22').status_int == 404
    shown = cloud.admin('GET', '%s/%s' % (path, migration.id), version='2.23')
    assert shown.json_body_or_none['migration']['dest_compute'] == _other(_host(server))
    assert cloud.admin('GET', '%s/%s' % (path, migration.id + 99),
                       version='2.23').status_int == 404
    body = helpers.validate(cloud.admin('GET', '/v2.1/os-migrations', version='2.23'),
                            '2.23', 'migrations', 'list_migrations')
    [listed] = body['migrations']
    assert listed['migration_type'] == 'live-migration'
    assert listed['links'][0]['href'].endswith('/servers/%s/migrations/%s' % (
        sid, migration.id))
    # Only an admin may force it; then it completes at once.
    action = '%s/%s/action' % (path, migration.id)
    assert cloud.request('POST', action, {'force_complete': None},
                         version='2.22').status_int == 403
    assert cloud.admin('POST', action, {'force_complete': None},
                       version='2.22').status_int == 202
    moved = _settled(cloud, sid)
    assert (moved['status'], _host(moved)) == ('ACTIVE', _other(_host(server)))
    assert _migration(sid).status == 'completed'
    assert cloud.admin('GET', path, version='2.23').json_body_or_none['migrations'] == []
    # Not migrating any more: 409; a migration of another kind or none: 404.
    assert cloud.admin('POST', action, {'force_complete': None},
                       version='2.22').status_int == 409
    assert cloud.admin('DELETE', '%s/%s' % (path, migration.id),
                       version='2.24').status_int == 409


def test_abort_rolls_back(cloud, server, slow):
    sid, source = server['id'], _host(server)
    _live(cloud, sid, {'host': None, 'block_migration': 'auto'}, version='2.25')
    migration = cloud.wait_for(lambda: (lambda m: m if m.status == 'running' else None)(
        _migration(sid)), what='running')
    path = '/v2.1/servers/%s/migrations/%s' % (sid, migration.id)
    assert cloud.admin('DELETE', path, version='2.23').status_int == 404
    assert cloud.admin('DELETE', path + '9', version='2.24').status_int == 404
    assert cloud.admin('DELETE', path, version='2.24').status_int == 202
    back = _settled(cloud, sid)
    assert (back['status'], _host(back)) == ('ACTIVE', source)
    assert _migration(sid).status == 'cancelled'
    assert _claims() == {(sid, source): TINY}
    assert sid in _guests(cloud, source) and sid not in _guests(cloud, _other(source))
    actions = [a.action for a in objects.InstanceActionList.get_by_instance_uuid(
        _ctx(), sid)]
    assert 'live_migration_cancel' in actions


@pytest.mark.parametrize('version,expect', [('2.25', 400), ('2.34', 202)])
def test_a_failed_check_leaves_the_server_where_it_was(cloud, server, version, expect):
    """Before 2.34 the request waits for the checks and answers 400 when they fail;
    from 2.34 it is accepted at once and the migration ends in error."""
    sid, source = server['id'], _host(server)
    dest = _other(source)
    cloud.aio.compute(dest).driver.fail_on['check_can_live_migrate_destination'] = \
        exception.MigrationPreCheckError(reason='no room for it')
    resp = _live(cloud, sid, {'host': dest, 'block_migration': 'auto'}, version=version,
                 expect=expect)
    if expect == 400:
        assert 'no room for it' in helpers.fault(resp)[1]
    cloud.wait_for(lambda: _migration(sid).status == 'error', what='migration error')
    back = _settled(cloud, sid)
    assert (back['status'], _host(back)) == ('ACTIVE', source)
    assert _claims() == {(sid, source): TINY}


def test_a_failed_move_rolls_back_both_hosts(cloud, server):
    sid, source = server['id'], _host(server)
    cloud.aio.compute(source).driver.fail_on['live_migration'] = \
        exception.NimbusException('the copy broke')
    _live(cloud, sid, {'host': None, 'block_migration': 'auto'}, version='2.25')
    cloud.wait_for(lambda: _migration(sid).status == 'failed', what='migration failed')
    back = _settled(cloud, sid)
    assert (back['status'], _host(back)) == ('ACTIVE', source)
    assert _claims() == {(sid, source): TINY}
    assert sid not in _guests(cloud, _other(source))
    # It can go again afterwards.
    _live(cloud, sid, {'host': None, 'block_migration': 'auto'}, version='2.25')
    assert _host(_settled(cloud, sid)) == _other(source)


@pytest.fixture
def storages(cloud):
    """Set the disk storage each fake host claims; back to none (no constraint)."""
    def claim(**by_host):
        for host, storage in by_host.items():
            cloud.aio.compute(host).driver.storage = storage
    yield claim
    claim(**{host: None for host in HOSTS})


def test_a_move_between_rbd_and_file_disks_is_refused_by_the_source(cloud, server,
                                                                    storages):
    """compute_svc/disk_storage.py: the source's check refuses a destination that keeps
    disks on the other storage (at 2.25 the request answers 400 with the reason); the
    server stays where it was, running."""
    sid, source = server['id'], _host(server)
    dest = _other(source)
    storages(**{source: 'rbd', dest: 'file'})
    resp = _live(cloud, sid, {'host': dest, 'block_migration': 'auto'}, version='2.25',
                 expect=400)
    message = helpers.fault(resp)[1]
    assert 'RBD images in a Ceph pool' in message and 'files on the host' in message
    cloud.wait_for(lambda: _migration(sid).status == 'error', what='migration error')
    back = _settled(cloud, sid)
    assert (back['status'], _host(back)) == ('ACTIVE', source)
    assert _claims() == {(sid, source): TINY}
    assert sid not in _guests(cloud, dest)
    storages(**{dest: 'rbd'})  # the same storage: it moves
    _live(cloud, sid, {'host': dest, 'block_migration': 'auto'}, version='2.25')
    assert _host(_settled(cloud, sid)) == dest
