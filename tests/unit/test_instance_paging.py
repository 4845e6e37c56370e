"""InstanceList pages in SQL: walking a list page by page gives every instance exactly
once, in the order of one unpaged query and of Python's sort with NULL smallest, however
many instances share their sort values. ``check_*`` also run on PostgreSQL and MariaDB
(tests/integration/test_instance_paging_backends.py)."""
import datetime
import uuid

import pytest

from svc_common import exception
from svc_common import objects
from svc_common import states

objects.register_all()  # also when imported by the integration tier

PROJECT = 'paging'
STAMP = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)

SORTS = [
    (('created_at',), ('desc',)),
    (('created_at',), ('asc',)),
    (('host', 'display_name'), ('asc', 'desc')),
    (('host',), ('desc',)),
    (('launched_at', 'created_at'), ('desc', 'asc')),
    (('task_state',), ('asc',)),
    (('locked', 'display_name'), ('desc', 'asc')),
]


def make_instances(ctx, count=23):
    """``count`` instances of PROJECT created within two whole seconds (ties for the
    backends that keep no fractions), with repeated and missing hosts, launch times,
    task states and names; and one of another project."""
    flavor = objects.Flavor(context=ctx, flavorid='p', name='paging', vcpus=1,
                            memory_mb=512, root_gb=1)
    flavor.create()
    made = []
    for i in range(count):
        inst = objects.Instance(
            context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
            vm_state=states.VmState.ACTIVE.value,
            task_state=(None, states.TaskState.POWERING_OFF.value)[i % 2],
            power_state=1, project_id=PROJECT, user_id='u', display_name='vm-%d' % (i % 4),
            host=(None, 'h1', 'h2')[i % 3], locked=bool(i % 2),
            launched_at=None if i % 5 == 0 else STAMP + datetime.timedelta(seconds=i % 3),
            created_at=STAMP + datetime.timedelta(seconds=i % 2))
        inst.create()
        made.append(inst)
    objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor, vm_state='active',
                     project_id='elsewhere', created_at=STAMP).create()
    return made


def expected_order(instances, keys, dirs):
    """Python's order: the keys, then id in the first direction; NULL smallest."""
    ordered = sorted(instances, key=lambda i: i.id, reverse=dirs[0] == 'desc')
    for key, direction in reversed(list(zip(keys, dirs))):
        ordered.sort(key=lambda i: (getattr(i, key) is not None, getattr(i, key)),
                     reverse=direction == 'desc')
    return [i.uuid for i in ordered]


def walk(ctx, keys, dirs, size, filters=None):
    """Every page of ``size`` from the first, each after the last of the one before."""
    filters = dict(filters or {}, project_id=PROJECT)
    seen, marker = [], None
    while True:
        page = objects.InstanceList.get_by_filters(ctx, filters, keys, dirs, limit=size,
                                                   marker=marker)
        seen.extend(i.uuid for i in page)
        if len(page) < size:
            return seen
        marker = page[-1].uuid


def check_pages_match_one_query_and_python(ctx):
    instances = make_instances(ctx)
    for keys, dirs in SORTS:
        unpaged = [i.uuid for i in objects.InstanceList.get_by_filters(
            ctx, {'project_id': PROJECT}, keys, dirs)]
        assert unpaged == expected_order(instances, keys, dirs), keys
        for size in (1, 4, 23):
            assert walk(ctx, keys, dirs, size) == unpaged, (keys, dirs, size)


def check_marker_must_pass_the_filters(ctx):
    instances = make_instances(ctx, count=4)
    other = objects.InstanceList.get_by_filters(ctx, {'project_id': 'elsewhere'})[0]
    gone = instances[0]
    gone.destroy()
    for marker in (other.uuid, gone.uuid, str(uuid.uuid4())):
        with pytest.raises(exception.MarkerNotFound):
            objects.InstanceList.get_by_filters(ctx, {'project_id': PROJECT}, limit=2,
                                                marker=marker)
    with pytest.raises(exception.MarkerNotFound):
        objects.InstanceList.get_by_filters(ctx, {'project_id': PROJECT, 'name': '^x'},
                                            marker=instances[1].uuid)


def test_pages_match_one_query_and_python(ctx):
    check_pages_match_one_query_and_python(ctx)


def test_marker_must_pass_the_filters(ctx):
    check_marker_must_pass_the_filters(ctx)


def test_name_regex_pages_in_batches(ctx, monkeypatch):
    from svc_common.db import paging
    monkeypatch.setattr(paging, 'MIN_BATCH', 2)
    instances = make_instances(ctx)
    for pattern in ('vm-3$', '-1', 'vm-0$'):
        unpaged = [i.uuid for i in objects.InstanceList.get_by_filters(
            ctx, {'project_id': PROJECT, 'name': pattern})]
        assert 0 < len(unpaged) < len(instances) / 2
        for size in (1, 2, 3):
            assert walk(ctx, ('created_at',), ('desc',), size, {'name': pattern}) == unpaged


def test_state_pairs_filter(ctx):
    make_instances(ctx, count=6)
    listed = objects.InstanceList.get_by_filters(ctx, {
        'project_id': PROJECT, 'vm_task_states': {'active': [None], 'stopped': None}})
    assert len(listed) == 3 and {i.task_state for i in listed} == {None}
    assert not objects.InstanceList.get_by_filters(ctx, {'vm_task_states': {}})


def test_unknown_sort_key_and_dir_are_invalid(ctx):
    for keys, dirs in ((('flavor_json',), ('asc',)), (('created_at',), ('up',))):
        with pytest.raises(exception.Invalid):
            objects.InstanceList.get_by_filters(ctx, {}, keys, dirs)


def test_api_sort_keys_are_columns():
    from api_svc.handlers import servers
    from svc_common.db import models
    from svc_common.db import paging
    assert paging.sort_keys(models.Instance, sorted(servers.SORT_KEYS),
                            ['asc'] * len(servers.SORT_KEYS))
