"""RequestSpec: stored and deleted in the transactions that create and delete its
instance, read back as it was asked for."""
import json
import uuid

from oslo_db import exception as db_exc
import pytest

from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common import objects
from svc_common.objects import request_spec as request_spec_obj
from svc_common import states

T = states.TaskState


def _instance(ctx, flavor, **values):
    return objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
                            vm_state=states.VmState.BUILDING, task_state=T.SCHEDULING,
                            project_id='p1', user_id='u1', image_ref='img',
                            availability_zone='nova', **values)


def _spec(**values):
    return objects.RequestSpec(**dict(
        dict(project_id='p1', user_id='u1', flavor_id='1', image_id='img',
             availability_zone='nova', force_host='cmp2',
             scheduler_hints={'same_host': ['a', 'b']}, num_instances=2), **values))


@db_api.reader
def _spec_rows(context):
    return [(r.instance_uuid, json.loads(r.spec))
            for r in context.session.query(models.RequestSpec)]


def test_created_with_its_instance_and_read_back(ctx, flavor):
    instance, spec = _instance(ctx, flavor), _spec()
    instance.create(request_spec=spec)
    assert spec.id and spec.instance_uuid == instance.uuid and spec.created_at
    assert not spec.obj_what_changed()

    loaded = objects.RequestSpec.get_by_instance_uuid(ctx, instance.uuid)
    assert (loaded.id, loaded.instance_uuid) == (spec.id, instance.uuid)
    assert (loaded.force_host, loaded.availability_zone, loaded.flavor_id,
            loaded.image_id, loaded.num_instances) == ('cmp2', 'nova', '1', 'img', 2)
    assert loaded.scheduler_hints == {'same_host': ['a', 'b']}
    # Stored as the object's versioned primitive, without the row's own columns.
    [(row_uuid, stored)] = _spec_rows(ctx)
    assert row_uuid == instance.uuid
    assert stored['nimbus_object.name'] == 'RequestSpec'
    assert 'instance_uuid' not in stored['nimbus_object.data']


def test_an_instance_without_a_spec_has_none(ctx, flavor):
    instance = _instance(ctx, flavor)
    instance.create()
    with pytest.raises(exception.RequestSpecNotFound):
        objects.RequestSpec.get_by_instance_uuid(ctx, instance.uuid)
    assert _spec_rows(ctx) == []


def test_instance_and_spec_are_one_transaction(ctx, flavor):
    """A spec that cannot be written takes the instance down with it."""
    instance = _instance(ctx, flavor)
    request_spec_obj.write(ctx, _spec(instance_uuid=instance.uuid))
    with pytest.raises(db_exc.DBDuplicateEntry):
        instance.create(request_spec=_spec())
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(ctx, instance.uuid, read_deleted='yes')


def test_destroy_removes_the_spec(ctx, flavor):
    kept, gone = _instance(ctx, flavor), _instance(ctx, flavor)
    kept.create(request_spec=_spec())
    gone.create(request_spec=_spec(force_host=None))
    gone.destroy(expected_task_state=T.SCHEDULING)
    with pytest.raises(exception.RequestSpecNotFound):
        objects.RequestSpec.get_by_instance_uuid(ctx, gone.uuid)
    assert [u for u, _ in _spec_rows(ctx)] == [kept.uuid]


def test_a_refused_destroy_keeps_the_spec(ctx, flavor):
    instance = _instance(ctx, flavor)
    instance.create(request_spec=_spec())
    with pytest.raises(exception.UnexpectedTaskStateError):
        instance.destroy(expected_task_state=T.SPAWNING)
    assert objects.RequestSpec.get_by_instance_uuid(ctx, instance.uuid).force_host == 'cmp2'


@db_api.writer
def _store_raw(context, instance_uuid, primitive):
    context.session.add(models.RequestSpec(instance_uuid=instance_uuid,
                                           spec=json.dumps(primitive)))


def test_fields_missing_from_the_stored_version_get_defaults(ctx, flavor):
    instance = _instance(ctx, flavor)
    instance.create()
    _store_raw(ctx, instance.uuid, objects.RequestSpec(force_host='cmp1').obj_to_primitive())
    loaded = objects.RequestSpec.get_by_instance_uuid(ctx, instance.uuid)
    assert loaded.force_host == 'cmp1'
    assert (loaded.scheduler_hints, loaded.num_instances, loaded.availability_zone) == (
        {}, 1, None)


def test_for_instance_reads_the_record(ctx, flavor):
    instance = _instance(ctx, flavor)
    instance.create()
    spec = objects.RequestSpec.for_instance(instance, force_host='cmp3')
    assert (spec.instance_uuid, spec.flavor_id, spec.image_id, spec.availability_zone,
            spec.force_host, spec.num_instances, spec.scheduler_hints) == (
        instance.uuid, '1', 'img', 'nova', 'cmp3', 1, {})
