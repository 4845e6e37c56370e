"""A snapshot or a shelve made inside the image store's storage (RBD disks cloned from
its images): the phases advance through the operation's own task states, each a
compare-and-swap, its fault points passed in order, with nothing captured on the host
nor uploaded; the image gets the location the driver made. Disks outside the store are
captured and uploaded by the same code path, and shelve's power-off runs once."""
import types

import pytest

from compute_svc import shelve
from compute_svc import snapshot
from svc_common import states

T = states.TaskState
LOCATION = 'rbd://fsid/images/img-1/snap'


class _Instance:
    def __init__(self, task_state, events):
        self.task_state = task_state
        self.events = events

    def save(self, expected_task_state=None, operation=None):
        self.events.append(('save', expected_task_state, self.task_state, operation))


class _Images:
    def __init__(self, events):
        self.events = events
        self.status = 'queued'

    def record(self, context, image_id):
        return {'status': self.status}

    def add_location(self, context, image_id, location):
        self.events.append(('add_location', image_id, location))
        self.status = 'active'

    def upload(self, context, image_id, path, reader=None):
        with open(path, 'rb') as source:
            self.events.append(('upload', image_id, source.read()))
        self.status = 'active'


def _manager(tmp_path, events, location):
    def in_store(context, instance, image_id):
        events.append(('snapshot_to_image_store', image_id))
        return location

    def capture(context, instance, path):
        events.append(('snapshot', path))
        with open(path, 'wb') as out:
            out.write(b'captured')
    driver = types.SimpleNamespace(snapshot_dir=lambda: str(tmp_path / 'snaps'),
                                   snapshot_to_image_store=in_store, snapshot=capture)
    return types.SimpleNamespace(driver=driver, image_client=_Images(events))


@pytest.fixture
def events(monkeypatch):
    recorded = []
    monkeypatch.setattr(snapshot.faults, 'point', lambda name: recorded.append(name))
    return recorded


PHASES = [(snapshot.SNAPSHOT, T.IMAGE_SNAPSHOT), (shelve.PHASES, T.SHELVING)]


def _from_the_start(tmp_path, events, phases, start, location):
    """The whole operation from its first task state; returns what happened, in
    order."""
    manager = _manager(tmp_path, events, location)
    snapshot.capture_and_upload(manager, None, _Instance(start, events), 'img-1', phases,
                                before_capture=lambda: events.append('power_off'))
    return events


@pytest.mark.parametrize('phases, start', PHASES, ids=['snapshot', 'shelve'])
def test_each_phase_advances_as_its_operation_with_nothing_on_the_host(
        tmp_path, events, phases, start):
    op = phases.operation
    assert _from_the_start(tmp_path, events, phases, start, LOCATION) == [
        'power_off', ('snapshot_to_image_store', 'img-1'), op + '.after_capture',
        ('save', start, phases.pending, op),
        ('save', phases.pending, phases.uploading, op),
        ('add_location', 'img-1', LOCATION), op + '.after_upload']
    assert not (tmp_path / 'snaps').exists()  # nothing captured on the host


@pytest.mark.parametrize('phases, start', PHASES, ids=['snapshot', 'shelve'])
def test_disks_outside_the_store_are_captured_and_uploaded_powered_off_once(
        tmp_path, events, phases, start):
    path, op = str(tmp_path / 'snaps' / 'img-1'), phases.operation
    assert _from_the_start(tmp_path, events, phases, start, None) == [
        'power_off', ('snapshot_to_image_store', 'img-1'), ('snapshot', path),
        op + '.after_capture', ('save', start, phases.pending, op),
        ('save', phases.pending, phases.uploading, op),
        ('upload', 'img-1', b'captured'), op + '.after_upload']
    assert list((tmp_path / 'snaps').iterdir()) == []  # the capture went after the upload


def test_a_shelve_resumed_after_its_capture_finishes_in_the_store(tmp_path, events):
    """Recovery after shelve.after_capture: the task state says the capture is made; the
    guest is not powered off again and the in-store copy is found done."""
    manager = _manager(tmp_path, events, LOCATION)
    instance = _Instance(T.SHELVING_IMAGE_PENDING_UPLOAD, events)
    snapshot.capture_and_upload(manager, None, instance, 'img-1', shelve.PHASES,
                                before_capture=lambda: events.append('power_off'))
    assert 'power_off' not in events
    assert ('add_location', 'img-1', LOCATION) in events
    assert instance.task_state == T.SHELVING_IMAGE_UPLOADING


def test_an_image_already_active_is_not_handed_over_again(tmp_path, events):
    """Recovery after shelve.after_upload: the image is active; nothing is redone."""
    manager = _manager(tmp_path, events, LOCATION)
    manager.image_client.status = 'active'
    instance = _Instance(T.SHELVING_IMAGE_UPLOADING, events)
    snapshot.capture_and_upload(manager, None, instance, 'img-1', shelve.PHASES)
    assert events == []


def test_a_capture_on_the_host_under_way_goes_on_there(tmp_path, events):
    """A capture file left by an earlier run (the disks were not in the store then):
    it is uploaded, not replaced by a copy in the store."""
    manager = _manager(tmp_path, events, LOCATION)
    (tmp_path / 'snaps').mkdir()
    (tmp_path / 'snaps' / 'img-1').write_bytes(b'earlier')
    instance = _Instance(T.IMAGE_PENDING_UPLOAD, events)
    snapshot.capture_and_upload(manager, None, instance, 'img-1', snapshot.SNAPSHOT)
    assert ('upload', 'img-1', b'earlier') in events
    assert not any(e[0] in ('add_location', 'snapshot_to_image_store') for e in events
                   if isinstance(e, tuple))
