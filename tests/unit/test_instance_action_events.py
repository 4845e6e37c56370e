"""Instance action events: one statement an event, and the action's updated_at (2.58's
changes-since) is its latest event's write, though its row is not stamped."""
import datetime
import uuid

import pytest

from svc_common import exception
from svc_common import objects
from svc_common.objects import base as obj_base
from svc_common.objects import instance_action
from svc_common import stats


def _statements(before):
    return stats.by_name(stats.since(before), 'sql')


def _at(monkeypatch, when):
    monkeypatch.setattr(obj_base, 'utcnow', lambda: when)


@pytest.fixture
def action(ctx, monkeypatch):
    _at(monkeypatch, datetime.datetime(2026, 1, 1, 12, 0, 0))
    instance_uuid = str(uuid.uuid4())
    return objects.InstanceAction.action_start(ctx, instance_uuid, 'resize')


def _read(ctx, action):
    by_request = objects.InstanceAction.get_by_request_id(ctx, action.instance_uuid,
                                                          action.request_id)
    [listed] = objects.InstanceActionList.get_by_instance_uuid(ctx, action.instance_uuid)
    assert listed.updated_at == by_request.updated_at
    return by_request


def test_an_event_start_and_finish_are_one_statement_each(ctx, action):
    before = stats.snapshot()
    instance_action.record_event_start(ctx, action.instance_uuid, 'compute_resize')
    assert _statements(before) == {'INSERT': 1}
    before = stats.snapshot()
    instance_action.record_event_finish(ctx, action.instance_uuid, 'compute_resize')
    assert _statements(before) == {'UPDATE': 1}


def test_the_action_is_updated_at_its_latest_event_write(ctx, action, monkeypatch):
    utc = datetime.timezone.utc
    assert _read(ctx, action).updated_at is None  # no event yet: the API shows its start
    _at(monkeypatch, datetime.datetime(2026, 1, 1, 12, 0, 5))
    instance_action.record_event_start(ctx, action.instance_uuid, 'compute_prep_resize')
    assert _read(ctx, action).updated_at == datetime.datetime(2026, 1, 1, 12, 0, 5,
                                                              tzinfo=utc)
    _at(monkeypatch, datetime.datetime(2026, 1, 1, 12, 0, 9))
    instance_action.record_event_finish(ctx, action.instance_uuid, 'compute_prep_resize')
    _at(monkeypatch, datetime.datetime(2026, 1, 1, 12, 0, 7))  # a clock behind: no step back
    instance_action.record_event_start(ctx, action.instance_uuid, 'compute_resize')
    read = _read(ctx, action)
    assert read.updated_at == datetime.datetime(2026, 1, 1, 12, 0, 9, tzinfo=utc)
    assert read.message is None
    assert 'updated_at' not in read.obj_what_changed()


def test_an_error_marks_the_action(ctx, action, monkeypatch):
    _at(monkeypatch, datetime.datetime(2026, 1, 1, 12, 1, 0))
    instance_action.record_event_finish(ctx, action.instance_uuid, 'compute_resize',
                                        error='Traceback: boom')
    read = _read(ctx, action)
    assert read.message == 'Error'
    assert read.updated_at == datetime.datetime(2026, 1, 1, 12, 1, 0,
                                                tzinfo=datetime.timezone.utc)
    [event] = objects.InstanceActionEventList.get_by_action(ctx, read.id)
    assert (event.result, event.start_time, event.finish_time) == (
        'Error', event.finish_time, datetime.datetime(2026, 1, 1, 12, 1, 0,
                                                      tzinfo=datetime.timezone.utc))


@pytest.mark.parametrize('record', [instance_action.record_event_start,
                                    instance_action.record_event_finish])
def test_an_event_of_no_action_is_refused_and_written_nowhere(ctx, action, record):
    with pytest.raises(exception.ActionNotFound):
        record(ctx, str(uuid.uuid4()), 'compute_resize')
    assert objects.InstanceActionEventList.get_by_action(ctx, action.id).objects == []
