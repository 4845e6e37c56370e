"""GET /os-simple-tenant-usage[/{tenant_id}]: the hours servers existed in a window and
their flavors times those hours, deleted servers inside the window counted and those
before it not, paging from 2.40, the policies and bad windows."""
import datetime
import urllib.parse
import uuid

import pytest

from svc_common import context
from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import objects
from svc_common import states
from tests.functional.api import helpers

START, END = '2026-01-01T00:00:00', '2026-01-02T00:00:00'
WINDOW = 'start=%s&end=%s' % (START, END)
USAGE = '/v2.1/os-simple-tenant-usage'


def _at(text):
    return datetime.datetime.fromisoformat(text)


@db_api.writer
def _stamp(ctx, instance_uuid, values):
    ctx.session.query(models.Instance).filter_by(uuid=instance_uuid).update(values)


def _server(project, flavor_id, launched=None, terminated=None, name='vm'):
    """A server record launched at ``launched`` (never, when None), deleted with
    termination time ``terminated`` if given; returns its uuid."""
    ctx = context.get_admin_context()
    instance = objects.Instance(
        context=ctx, uuid=str(uuid.uuid4()),
        flavor=objects.Flavor.get_by_flavor_id(ctx, flavor_id),
        vm_state=(states.VmState.ACTIVE if launched else states.VmState.BUILDING).value,
        power_state=1, project_id=project, user_id='tester', display_name=name,
        created_at=_at(launched or START) - datetime.timedelta(minutes=1),
        launched_at=_at(launched) if launched else None)
    instance.create()
    if terminated is not None:
        instance.destroy()
        _stamp(ctx, instance.uuid, {'terminated_at': _at(terminated),
                                    'deleted_at': _at(terminated)})
    return instance.uuid


@pytest.fixture
def servers(cloud):
    """Servers around the window [2026-01-01, 2026-01-02) of demo and other."""
    return {
        # m1.tiny: 1 vcpu, 512 MB, 1 GB; running since before the window: 24 h.
        'running': _server('demo', '1', '2025-12-31T12:00:00', name='running'),
        # m1.medium: 2 vcpus, 4096 MB, 40 GB; deleted inside the window: 3.5 h.
        'brief': _server('demo', '3', '2026-01-01T06:00:00', '2026-01-01T09:30:00',
                         name='brief'),
        'gone': _server('demo', '1', '2025-12-01T00:00:00', '2025-12-31T23:00:00'),
        'later': _server('demo', '1', '2026-01-03T00:00:00'),
        'never': _server('demo', '1'),
        # m1.small: 1 vcpu, 2048 MB, 20 GB; 12 h.
        'other': _server('other', '2', '2026-01-01T12:00:00', name='other'),
    }


def _get(cloud, path, version='2.1', admin=False, expect=200, **kwargs):
    call = cloud.admin if admin else cloud.request
    resp = call('GET', path, version=version, **kwargs)
    assert resp.status_int == expect, resp.body
    return resp


def _by_id(usage):
    return {s['instance_id']: s for s in usage['server_usages']}


def test_show_counts_the_hours_inside_the_window(cloud, servers):
    with helpers.rows_loaded(models.Instance) as loaded:
        resp = _get(cloud, '%s/demo?%s' % (USAGE, WINDOW))
    assert loaded['rows'] == 2  # the servers outside the window stay in the database
    usage = helpers.validate(resp, '2.1', 'tenant_usages', 'get_tenant_usage')['tenant_usage']
    assert set(_by_id(usage)) == {servers['running'], servers['brief']}
    running, brief = _by_id(usage)[servers['running']], _by_id(usage)[servers['brief']]
    assert running['hours'] == 24.0 and running['state'] == 'active'
    assert running['ended_at'] is None
    assert running['started_at'] == '2025-12-31T12:00:00.000000'
    assert running['uptime'] > 24 * 3600
    assert brief == {
        'instance_id': servers['brief'], 'name': 'brief', 'tenant_id': 'demo',
        'flavor': 'm1.medium', 'memory_mb': 4096, 'local_gb': 40, 'vcpus': 2,
        'hours': 3.5, 'started_at': '2026-01-01T06:00:00.000000',
        'ended_at': '2026-01-01T09:30:00.000000', 'state': 'terminated', 'uptime': 12600}
    totals = {k: v for k, v in usage.items() if k != 'server_usages'}
    assert totals == {
        'tenant_id': 'demo', 'start': START + '.000000', 'stop': END + '.000000',
        'total_hours': 27.5, 'total_memory_mb_usage': 512 * 24 + 4096 * 3.5,
        'total_vcpus_usage': 24 + 2 * 3.5, 'total_local_gb_usage': 24 + 40 * 3.5}


def test_a_window_reaching_back_counts_the_server_deleted_in_it(cloud, servers):
    resp = _get(cloud, '%s/demo?start=2025-12-30T00:00:00&end=%s' % (USAGE, END))
    usages = _by_id(resp.json_body_or_none['tenant_usage'])
    assert usages[servers['gone']]['hours'] == 47.0
    assert usages[servers['gone']]['state'] == 'terminated'
    assert usages[servers['running']]['hours'] == 36.0
    resp = _get(cloud, '%s/demo?start=2026-01-01T08:00:00&end=2026-01-01T09:00:00'
                % USAGE)
    assert {s['instance_id']: s['hours'] for s in
            resp.json_body_or_none['tenant_usage']['server_usages']} == {
        servers['running']: 1.0, servers['brief']: 1.0}


def test_list_gives_every_project_with_servers_only_when_detailed(cloud, servers):
    resp = _get(cloud, '%s?%s' % (USAGE, WINDOW), admin=True)
    body = helpers.validate(resp, '2.1', 'tenant_usages', 'list_tenant_usage')
    assert [u['tenant_id'] for u in body['tenant_usages']] == ['demo', 'other']
    assert all('server_usages' not in u for u in body['tenant_usages'])
    assert body['tenant_usages'][1]['total_hours'] == 12.0
    assert body['tenant_usages'][1]['total_memory_mb_usage'] == 2048 * 12
    assert 'tenant_usages_links' not in body
    body = _get(cloud, '%s?%s&detailed=0' % (USAGE, WINDOW), admin=True).json_body_or_none
    assert all('server_usages' not in u for u in body['tenant_usages'])
    resp = _get(cloud, '%s?%s&detailed=True' % (USAGE, WINDOW), admin=True)  # the SDK's
    assert all('server_usages' in u for u in resp.json_body_or_none['tenant_usages'])
    resp = _get(cloud, '%s?%s&detailed=1' % (USAGE, WINDOW), admin=True)
    demo, other = helpers.validate(resp, '2.1', 'tenant_usages',
                                   'list_tenant_usage')['tenant_usages']
    assert set(_by_id(demo)) == {servers['running'], servers['brief']}
    assert list(_by_id(other)) == [servers['other']]
    assert demo['total_hours'] == 27.5


def _walk(cloud, path, key):
    """Server usage ids page by page, following the next links from ``path``."""
    seen = []
    while path:
        body = _get(cloud, path, version='2.40', admin=True).json_body_or_none
        usages = body['tenant_usages'] if key == 'tenant_usages_links' else \
            [body['tenant_usage']] if body['tenant_usage'] else []
        seen.extend(s['instance_id'] for u in usages for s in u['server_usages'])
        links = body.get(key)
        path = urllib.parse.urlsplit(links[0]['href'])._replace(
            scheme='', netloc='').geturl() if links else None
    return seen


def test_pages_from_2_40_by_project_then_server(cloud, servers):
    in_window = sorted([('demo', servers['running']), ('demo', servers['brief']),
                        ('other', servers['other'])])
    assert _walk(cloud, '%s?%s&detailed=1&limit=1' % (USAGE, WINDOW),
                 'tenant_usages_links') == [u for _, u in in_window]
    assert _walk(cloud, '%s/demo?%s&limit=1' % (USAGE, WINDOW),
                 'tenant_usage_links') == [u for p, u in in_window if p == 'demo']
    first = in_window[0][1]
    body = _get(cloud, '%s/demo?%s&limit=1' % (USAGE, WINDOW), version='2.40',
                admin=True).json_body_or_none
    href = body['tenant_usage_links'][0]['href']
    assert '/v2.1/os-simple-tenant-usage/demo?' in href and 'marker=%s' % first in href
    # Before 2.40 limit and marker are not parameters: one page, no links.
    body = _get(cloud, '%s?%s&detailed=1&limit=1&marker=%s' % (USAGE, WINDOW, first),
                version='2.39', admin=True).json_body_or_none
    assert len(body['tenant_usages']) == 2 and 'tenant_usages_links' not in body
    resp = _get(cloud, '%s?%s&marker=%s' % (USAGE, WINDOW, servers['later']),
                version='2.40', admin=True, expect=400)
    assert helpers.fault(resp)[0] == 400


def test_listing_is_for_admins_and_a_project_shows_only_its_own(cloud, servers):
    resp = _get(cloud, '%s?%s' % (USAGE, WINDOW), expect=403)
    assert helpers.fault(resp)[0] == 403
    _get(cloud, '%s/other?%s' % (USAGE, WINDOW), expect=403)
    _get(cloud, '%s/demo?%s' % (USAGE, WINDOW), roles='reader')
    body = _get(cloud, '%s/other?%s' % (USAGE, WINDOW), admin=True).json_body_or_none
    assert list(_by_id(body['tenant_usage'])) == [servers['other']]


@pytest.mark.parametrize('query, message', [
    ('start=yesterday', 'start'),
    ('start=%s&end=2026-13-01T00:00:00' % START, 'end'),
    ('start=%s&end=%s' % (END, START), 'The start time cannot occur after the end time'),
    ('start=%s&end=%s' % (START, START), 'The start time cannot occur after the end time'),
    ('end=%s' % END, 'The start time cannot occur after the end time'),  # start: now
])
def test_a_bad_window_is_a_400(cloud, query, message):
    for path in ('%s?%s' % (USAGE, query), '%s/demo?%s' % (USAGE, query)):
        code, text = helpers.fault(_get(cloud, path, admin=True, expect=400))
        assert code == 400 and message in text, text


def test_without_a_window_it_is_the_empty_window_now(cloud, servers):
    usage = _get(cloud, '%s/demo' % USAGE).json_body_or_none['tenant_usage']
    assert usage['start'] == usage['stop']
    assert _at(usage['stop']) > _at(END)
    # The servers running now, for no hours.
    assert sorted((s['instance_id'], s['hours']) for s in usage['server_usages']) == \
        sorted([(servers['running'], 0.0), (servers['later'], 0.0)])


def test_the_window_ends_now_at_the_latest(cloud, servers):
    usage = _get(cloud, '%s/other?start=%s&end=2999-01-01T00:00:00' % (USAGE, START),
                 admin=True).json_body_or_none['tenant_usage']
    assert _at(usage['stop']) < datetime.datetime(2999, 1, 1)
    assert usage['total_hours'] == pytest.approx(
        (_at(usage['stop']) - _at('2026-01-01T12:00:00')).total_seconds() / 3600)


def test_a_project_without_usage_is_an_empty_object(cloud, servers):
    resp = _get(cloud, '%s/nobody?%s' % (USAGE, WINDOW), admin=True)
    assert resp.json_body_or_none == {'tenant_usage': {}}


def test_paths_and_parameters_nova_refuses(cloud):
    _get(cloud, '%s/?%s' % (USAGE, WINDOW), admin=True, expect=404)
    for version, expect in (('2.74', 200), ('2.75', 400)):
        _get(cloud, '%s?%s&foo=1' % (USAGE, WINDOW), version=version, admin=True,
             expect=expect)
        _get(cloud, '%s/demo?%s&detailed=1' % (USAGE, WINDOW), version=version,
             admin=True, expect=expect)


def test_a_booted_and_deleted_server(cloud):
    image = helpers.create_image(cloud, project='admin', roles='admin', visibility='public')
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    now = datetime.datetime.utcnow()
    query = 'start=%s&end=%s' % ((now - datetime.timedelta(days=1)).isoformat(),
                                 (now + datetime.timedelta(days=1)).isoformat())
    resp = _get(cloud, '%s?%s&detailed=1' % (USAGE, query), admin=True)
    usage = helpers.validate(resp, '2.1', 'tenant_usages',
                             'list_tenant_usage')['tenant_usages'][0]
    assert _by_id(usage)[server_id]['state'] == 'active'
    assert _by_id(usage)[server_id]['flavor'] == 'm1.tiny'
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    cloud.wait_for_server(server_id, 'DELETED')
    resp = _get(cloud, '%s/demo?%s' % (USAGE, query))
    usage = helpers.validate(resp, '2.1', 'tenant_usages', 'get_tenant_usage')['tenant_usage']
    assert _by_id(usage)[server_id]['state'] == 'terminated'
    assert _by_id(usage)[server_id]['ended_at'] is not None
