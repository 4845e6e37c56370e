"""Server lists page in SQL: every server once across pages however many share a
created_at, sort keys, markers that do not pass the list's filters, the page-size cap,
and a page that reads only its own rows."""
import datetime
import re
import urllib.parse
import uuid

import pytest
import sqlalchemy as sa

from svc_common.conf import CONF
from svc_common import context
from svc_common.db import models
from svc_common.db import paging
from svc_common import objects
from svc_common import states
from tests.functional.api import helpers

STAMP = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def _records(count, project='demo', name=lambda i: 'vm-%02d' % i, task_states=(None,)):
    """``count`` ACTIVE server records of ``project``, all created at the same instant;
    the i-th named name(i), in task_states[i % len(task_states)]. Returns the Instances
    in creation order."""
    ctx = context.get_admin_context()
    flavor = objects.Flavor.get_by_flavor_id(ctx, '1')
    made = []
    for i in range(count):
        instance = objects.Instance(
            context=ctx, uuid=str(uuid.uuid4()), flavor=flavor, image_ref='img',
            vm_state=states.VmState.ACTIVE.value, power_state=1,
            task_state=task_states[i % len(task_states)], project_id=project,
            user_id='tester', display_name=name(i), created_at=STAMP)
        instance.create()
        made.append(instance)
    return made


def _walk(cloud, path):
    """The servers of every page, following the next links from ``path``."""
    seen = []
    while path:
        resp = cloud.request('GET', path)
        assert resp.status_int == 200, resp.body
        body = resp.json_body_or_none
        seen.extend(body['servers'])
        links = body.get('servers_links')
        path = urllib.parse.urlsplit(links[0]['href'])._replace(
            scheme='', netloc='').geturl() if links else None
    return seen


def _ids(servers):
    return [s['id'] for s in servers]


def test_pages_give_each_of_many_equal_timestamps_once(cloud):
    made = _records(11)
    newest_first = [i.uuid for i in sorted(made, key=lambda i: i.id, reverse=True)]
    for path in ('/v2.1/servers?limit=3', '/v2.1/servers/detail?limit=2',
                 '/v2.1/servers?limit=11', '/v2.1/servers?limit=1'):
        assert _ids(_walk(cloud, path)) == newest_first, path


def test_pages_in_requested_sort_order(cloud):
    made = _records(9, name=lambda i: 'bac'[i % 3])
    by_id = {i.uuid: i.id for i in made}

    def order(key):
        return [i.uuid for i in sorted(made, key=key)]
    path = '/v2.1/servers?limit=2&sort_key=display_name&sort_dir=asc'
    expected = order(lambda i: (i.display_name, i.id))  # the id follows the first dir
    assert _ids(_walk(cloud, path)) == expected
    path = ('/v2.1/servers?limit=4&sort_key=display_name&sort_dir=desc'
            '&sort_key=created_at&sort_dir=asc&sort_key=uuid&sort_dir=asc')
    expected = order(lambda i: (-ord(i.display_name), i.uuid))
    assert _ids(_walk(cloud, path)) == expected
    path = '/v2.1/servers/detail?limit=3&sort_key=launched_at&sort_key=task_state'
    assert _ids(_walk(cloud, path)) == sorted(by_id, key=by_id.get, reverse=True)

    for query, message in (('sort_key=id', 'Invalid sort_key: id'),
                           ('sort_key=display_name&sort_dir=up', 'Invalid sort_dir: up')):
        resp = cloud.request('GET', '/v2.1/servers?' + query)
        assert resp.status_int == 400
        assert helpers.fault(resp) == (400, message)


def test_marker_must_be_a_server_of_the_list(cloud):
    mine = _records(3)
    theirs = _records(1, project='other')[0]
    gone = mine[0]
    gone.destroy()
    for instance in mine[1:] + [theirs]:  # changes-since lists changed servers only
        instance.display_description = 'changed'
        instance.save()
    for marker in (gone.uuid, theirs.uuid, str(uuid.uuid4())):
        resp = cloud.request('GET', '/v2.1/servers?limit=1&marker=%s' % marker)
        assert resp.status_int == 400
        assert helpers.fault(resp) == (400, 'marker [%s] not found' % marker)
    # Where the list holds it, a deleted server is a marker like any other.
    resp = cloud.admin('GET', '/v2.1/servers?all_tenants=1&changes-since=2000-01-01T00:00:00Z'
                              '&sort_key=display_name&sort_dir=asc&marker=%s' % gone.uuid)
    assert _ids(resp.json_body_or_none['servers']) == [theirs.uuid, mine[1].uuid,
                                                       mine[2].uuid]  # vm-00, 01, 02


def test_limit_is_capped_at_max_limit(cloud):
    made = _records(5)
    CONF.set_override('max_limit', 2, group='api')
    try:
        for query in ('?limit=100', ''):
            body = cloud.request('GET', '/v2.1/servers' + query).json_body_or_none
            assert len(body['servers']) == 2 and body['servers_links'], query
        assert len(_walk(cloud, '/v2.1/servers/detail?limit=1000')) == len(made)
    finally:
        CONF.clear_override('max_limit', group='api')


def test_status_filter_pages_in_sql(cloud):
    rebooting = states.TaskState.REBOOTING.value
    made = _records(10, task_states=(None, rebooting, states.TaskState.POWERING_OFF.value))
    newest_first = sorted(made, key=lambda i: i.id, reverse=True)
    active = [i.uuid for i in newest_first if i.task_state != rebooting]
    assert _ids(_walk(cloud, '/v2.1/servers?status=ACTIVE&limit=2')) == active
    reboot = [i.uuid for i in newest_first if i.task_state == rebooting]
    assert _ids(_walk(cloud, '/v2.1/servers?status=REBOOT&limit=2')) == reboot


def test_name_filter_pages_in_batches(cloud, monkeypatch):
    monkeypatch.setattr(paging, 'MIN_BATCH', 1)  # a batch of a page's size
    made = _records(12)
    newest_first = sorted(made, key=lambda i: i.id, reverse=True)
    for name, regex in (('0[37]$', '0[37]$'), ('vm-1', 'vm-1'), ('(', r'\(')):
        wanted = [i.uuid for i in newest_first if re.search(regex, i.display_name)]
        for limit in (1, 2):
            path = '/v2.1/servers?name=%s&limit=%d' % (urllib.parse.quote(name), limit)
            assert _ids(_walk(cloud, path)) == wanted, (name, limit)


@pytest.fixture
def loaded_rows():
    """How many instance rows the ORM builds objects of, while the test runs."""
    with helpers.rows_loaded(models.Instance) as counter:
        yield counter


def test_a_page_reads_only_its_rows(cloud, loaded_rows):
    made = _records(50)
    body = cloud.request('GET', '/v2.1/servers/detail?limit=2').json_body_or_none
    assert len(body['servers']) == 2 and loaded_rows['rows'] == 2
    loaded_rows['rows'] = 0
    marker = made[25].uuid
    body = cloud.request('GET', '/v2.1/servers/detail?limit=2&marker=%s'
                         % marker).json_body_or_none
    assert _ids(body['servers']) == [made[24].uuid, made[23].uuid]
    assert loaded_rows['rows'] == 3  # the marker's and the page's
    loaded_rows['rows'] = 0
    assert len(cloud.request('GET', '/v2.1/servers').json_body_or_none['servers']) == 50
    assert loaded_rows['rows'] == 50


def test_a_list_is_read_as_rows_not_orm_objects(cloud):
    """Loading an ORM object costs several times the row it comes from: a list reads
    plain rows (with the mapped attributes' names) and fills the Instances from them."""
    _records(5)
    built = []
    listener = lambda target, ctx: built.append(target)  # noqa: E731
    sa.event.listen(models.Instance, 'load', listener)
    try:
        body = cloud.request('GET', '/v2.1/servers/detail?limit=3').json_body_or_none
        everything = cloud.request('GET', '/v2.1/servers/detail').json_body_or_none
    finally:
        sa.event.remove(models.Instance, 'load', listener)
    assert len(body['servers']) == 3 and len(everything['servers']) == 5
    assert built == []
