"""Objects filled from database rows: values of the type their field stores are stored
as they are, without oslo.versionedobjects' generic coercion (most of what filling an
object cost), and the objects come out as the coercing setters made them."""
import datetime
import json
import types
from unittest import mock

from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields
import pytest

from svc_common.objects import base
from svc_common.objects import flavor as flavor_obj
from svc_common.objects import instance as instance_obj

NOW = datetime.datetime(2026, 12, 5, 10, 0, 0)
UUID = '0b8f8f1e-3a4c-4a43-9d7e-5d7f8d1f0c11'


def _flavor(**changes):
    values = dict(id=6, flavorid='6', name='m1.tiny', memory_mb=512, vcpus=1, root_gb=1,
                  ephemeral_gb=0, swap=0, rxtx_factor=1.0, is_public=True, disabled=False,
                  description=None, extra_specs={'hw:cpu_policy': 'shared'},
                  created_at=NOW.replace(tzinfo=datetime.timezone.utc), updated_at=None)
    values.update(changes)
    flavor = flavor_obj.Flavor(**values)
    flavor.obj_reset_changes()
    return flavor


def _stored(flavor):
    return json.dumps(flavor.obj_to_primitive(), default=str)


def _row(**changes):
    row = types.SimpleNamespace(**{c: None for c in instance_obj._COLUMNS})
    stored = _stored(_flavor())
    row.__dict__.update(
        id=1, uuid=UUID, display_name='s', user_id='u', project_id='p', image_ref='img',
        vcpus=1, memory_mb=512, root_gb=1, ephemeral_gb=0, host='h1', node='h1',
        vm_state='active', task_state=None, power_state=1, launched_at=NOW,
        availability_zone='nova', reservation_id='r-1', launch_index=0, config_drive='',
        system_metadata='{"image_min_disk": "1", "gone": null}', locked=False,
        created_at=NOW, updated_at=NOW, deleted=0, metadata_='{"a": "b"}',
        flavor=stored, old_flavor=None, new_flavor=stored)
    row.__dict__.update(changes)
    return row


def _by_setters(row):
    """The instance the coercing setters make of ``row``: the reference."""
    instance = instance_obj.Instance()
    for name in instance_obj._COLUMNS:
        value = getattr(row, name)
        if name == 'system_metadata':
            value = json.loads(value)
        elif name == 'deleted':
            value = bool(value)
        elif isinstance(value, datetime.datetime):
            value = value.replace(tzinfo=datetime.timezone.utc)
        setattr(instance, name, value)
    instance.metadata = json.loads(row.metadata_)
    for name in instance_obj._FLAVOR_FIELDS:
        raw = getattr(row, name)
        setattr(instance, name, flavor_obj.Flavor.obj_from_primitive(json.loads(raw))
                if raw else None)
    instance.obj_reset_changes()
    return instance


def _fields_of(obj):
    return {name: (getattr(obj, name), type(getattr(obj, name)))
            for name in obj.fields if obj.obj_attr_is_set(name)
            and name not in ('fault',) + instance_obj._FLAVOR_FIELDS}


def test_a_typical_row_needs_no_coercion():
    # The first row with a flavor decodes it: its fields are coerced once.
    row = _row()
    instance_obj.Instance._from_db_object(None, instance_obj.Instance(), row)
    coerce = mock.patch.object(fields.Field, 'coerce', autospec=True,
                               side_effect=fields.Field.coerce)
    with coerce as counted:
        instance_obj.Instance._from_db_object(None, instance_obj.Instance(), row)
    # Only the three ObjectFields (flavor, old_flavor, new_flavor) are set by setattr.
    assert counted.call_count == 3


def test_the_instance_is_what_the_setters_make():
    row = _row()
    fast = instance_obj.Instance._from_db_object(None, instance_obj.Instance(), row)
    slow = _by_setters(row)
    assert _fields_of(fast) == _fields_of(slow)
    for name in ('flavor', 'new_flavor'):
        assert _fields_of(getattr(fast, name)) == _fields_of(getattr(slow, name))
        assert getattr(fast, name).VERSION == getattr(slow, name).VERSION
    assert fast.obj_what_changed() == set()
    assert fast.launched_at.tzinfo is not None
    # The dicts still coerce what is added to them, as the setters' dicts do.
    fast.metadata['n'] = 1
    fast.flavor.extra_specs['n'] = 2
    assert fast.metadata['n'] == '1' and fast.flavor.extra_specs['n'] == '2'
    assert isinstance(fast.system_metadata, fields.CoercedDict)


def test_values_of_another_type_still_go_through_the_setters():
    row = _row(vcpus='4', display_name=7, locked=1,
               power_state=None)  # power_state: not nullable, default 0
    instance = instance_obj.Instance._from_db_object(None, instance_obj.Instance(), row)
    assert (instance.vcpus, instance.display_name, instance.locked,
            instance.power_state) == (4, '7', True, 0)
    with pytest.raises(ValueError):
        instance_obj.Instance._from_db_object(None, instance_obj.Instance(),
                                              _row(vm_state='no-such-state'))
    with pytest.raises(ValueError):
        instance_obj.Instance._from_db_object(None, instance_obj.Instance(),
                                              _row(uuid=None))


def test_a_stored_flavor_is_decoded_once_and_copied():
    stored = _stored(_flavor(name='decoded-once'))
    with mock.patch.object(flavor_obj.json, 'loads', wraps=json.loads) as loads:
        first = flavor_obj.from_stored(stored)
        second = flavor_obj.from_stored(stored)
    assert loads.call_count == 1
    reference = flavor_obj.Flavor.obj_from_primitive(json.loads(stored))
    assert _fields_of(first) == _fields_of(reference)
    assert first.obj_what_changed() == reference.obj_what_changed()
    # Each its own: changing one changes neither the other nor later copies.
    first.extra_specs['k'] = 'v'
    first.name = 'changed'
    assert 'k' not in second.extra_specs and second.name == 'decoded-once'
    assert 'k' not in flavor_obj.from_stored(stored).extra_specs
    assert second.obj_what_changed() == set()


def test_set_field_records_no_change_and_coerces_what_it_must():
    flavor = flavor_obj.Flavor()
    base.set_field(flavor, 'memory_mb', 512)
    base.set_field(flavor, 'rxtx_factor', 2)        # an int for a float field
    base.set_field(flavor, 'description', None)     # nullable
    assert (flavor.memory_mb, flavor.rxtx_factor, flavor.description) == (512, 2.0, None)
    assert type(flavor.rxtx_factor) is float


def test_an_object_from_its_primitive_is_what_the_setters_make():
    row = _row()
    instance = instance_obj.Instance._from_db_object(None, instance_obj.Instance(), row)
    instance.task_state = 'resize_prep'     # a pending change crosses too
    primitive = json.loads(json.dumps(instance.obj_to_primitive()))
    coerce = mock.patch.object(fields.Field, 'coerce', autospec=True,
                               side_effect=fields.Field.coerce)
    with coerce as counted:
        fast = instance_obj.Instance.obj_from_primitive(primitive)
    # The three flavor fields are objects: their setters run; nothing else coerces.
    assert counted.call_count == 3
    slow = instance_obj.Instance()
    for name, value in primitive['nimbus_object.data'].items():
        setattr(slow, name, slow.fields[name].from_primitive(slow, name, value))
    assert _fields_of(fast) == _fields_of(slow)
    assert _fields_of(fast.flavor) == _fields_of(instance.flavor)
    assert fast.obj_what_changed() == {'task_state'}
    assert fast.VERSION == instance.VERSION


def test_times_come_back_from_a_primitive_without_the_iso8601_parser():
    instance = instance_obj.Instance._from_db_object(None, instance_obj.Instance(), _row())
    instance.updated_at = NOW.replace(microsecond=123456, tzinfo=datetime.timezone.utc)
    primitive = json.loads(json.dumps(instance.obj_to_primitive()))
    parse = mock.patch.object(fields.timeutils, 'parse_isotime',
                              wraps=fields.timeutils.parse_isotime)
    with parse as parsed:
        fast = instance_obj.Instance.obj_from_primitive(primitive)
    assert not parsed.called
    data = primitive['nimbus_object.data']
    for name in ('created_at', 'updated_at', 'launched_at'):
        expected = fields.DateTimeField().from_primitive(None, name, data[name])
        assert getattr(fast, name) == expected
        assert getattr(fast, name).utcoffset() == datetime.timedelta(0)
    assert fast.flavor.created_at == instance.flavor.created_at
    # Text the field itself reads differently or refuses goes through the field: the
    # same value, or the same error.
    field = instance_obj.Instance.fields['launched_at']
    assert base._time_from_primitive(field, None, 'launched_at', '2026-12-05T10:00:00') == (
        field.from_primitive(None, 'launched_at', '2026-12-05T10:00:00'))
    with pytest.raises(ValueError):
        base._time_from_primitive(field, None, 'launched_at', 'not a time')


def test_a_primitive_is_what_oslo_versionedobjects_makes():
    instance = instance_obj.Instance._from_db_object(None, instance_obj.Instance(), _row())
    instance.task_state = 'resize_prep'
    instance.metadata['added'] = 'x'
    generic = ovo_base.VersionedObject.obj_to_primitive
    to_primitive = mock.patch.object(fields.Field, 'to_primitive', autospec=True,
                                     side_effect=fields.Field.to_primitive)
    with to_primitive as counted:
        fast = instance.obj_to_primitive()
    # Only what is neither None nor its own primitive: three datetimes (launched, created,
    # updated), two flavors (the old one is None) and each flavor's created_at.
    assert counted.call_count == 3 + 2 + 2
    assert fast == generic(instance)
    assert fast['nimbus_object.data']['metadata'] is not instance.metadata  # a copy
    assert set(fast['nimbus_object.changes']) == {'task_state'}
    # Another version goes the generic way (which makes it compatible).
    with mock.patch.object(ovo_base.VersionedObject, 'obj_to_primitive',
                           return_value='generic') as made:
        assert instance.obj_to_primitive(target_version='1.1') == 'generic'
    made.assert_called_once_with('1.1', None)


def test_what_changed_is_what_oslo_versionedobjects_says():
    instance = instance_obj.Instance._from_db_object(None, instance_obj.Instance(), _row())
    generic = ovo_base.VersionedObject.obj_what_changed
    assert instance.obj_what_changed() == generic(instance) == set()
    instance.new_flavor.memory_mb = 4096     # a change inside an object field
    instance.host = 'h2'
    assert instance.obj_what_changed() == generic(instance) == {'new_flavor', 'host'}
    with mock.patch.object(ovo_base.VersionedObject, 'obj_attr_is_set') as asked:
        instance.obj_what_changed()
    assert not asked.called  # the generic way asks it of every field


def test_attr_is_set_answers_as_oslo_versionedobjects_does():
    instance = instance_obj.Instance(uuid=UUID)
    generic = ovo_base.VersionedObject.obj_attr_is_set
    for name in ('uuid', 'host', 'fault'):
        assert instance.obj_attr_is_set(name) == generic(instance, name)
    with pytest.raises(AttributeError, match="Instance object has no attribute 'nope'"):
        instance.obj_attr_is_set('nope')
    with mock.patch.object(instance_obj.Instance, 'obj_fields',
                           new_callable=mock.PropertyMock) as listed:
        instance.obj_attr_is_set('uuid')
    assert not listed.called  # the generic way lists every field name at each ask


def test_how_a_row_fills_an_object_is_worked_out_once_per_class_and_names():
    # Reading ~40 columns into an instance, many times a request: the storers and
    # conversions are looked up once per (class, names), not per column per row.
    base._FILLINGS.clear()
    row = _row()
    with mock.patch.object(base, '_plan', wraps=base._plan) as plan:
        filled = [base.copy_db_fields(instance_obj.Instance(), row, instance_obj._COLUMNS,
                                      json_fields=instance_obj._JSON_COLUMNS)
                  for _ in range(3)]
    assert plan.call_count == 1
    assert filled[0].system_metadata == filled[2].system_metadata == {
        'image_min_disk': '1', 'gone': None}


def test_a_deleted_rows_id_and_naive_times_are_converted_as_the_setters_would():
    # ``deleted`` holds the row's id once deleted: a true boolean. A naive time (what
    # every DateTime column stores) becomes UTC; one already aware stays as it is.
    aware = NOW.replace(tzinfo=datetime.timezone.utc)
    instance = instance_obj.Instance._from_db_object(
        None, instance_obj.Instance(), _row(deleted=7, launched_at=aware))
    assert instance.deleted is True
    assert instance.created_at == aware and instance.created_at.tzinfo is not None
    assert instance.launched_at is aware
    assert instance.terminated_at is None
    assert instance.obj_what_changed() == set()
