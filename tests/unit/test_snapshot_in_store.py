"""A snapshot made inside the image store's storage (RBD disks cloned from its images):
the phases advance through the snapshot operation's task states with nothing captured
on the host, and the image gets the location the driver made."""
import types

from compute_svc import snapshot
from svc_common import states

T = states.TaskState


class _Instance:
    def __init__(self, task_state):
        self.task_state = task_state
        self.saves = []

    def save(self, expected_task_state=None, operation=None):
        self.saves.append((expected_task_state, self.task_state, operation))


class _Images:
    def __init__(self):
        self.locations = []

    def record(self, context, image_id):
        return {'status': 'active' if self.locations else 'queued'}

    def add_location(self, context, image_id, location):
        self.locations.append((image_id, location))


def _manager(tmp_path, location):
    driver = types.SimpleNamespace(
        snapshot_dir=lambda: str(tmp_path),
        snapshot_to_image_store=lambda context, instance, image_id: location)
    return types.SimpleNamespace(driver=driver, image_client=_Images())


def test_each_phase_advances_as_the_snapshot_operation(tmp_path):
    manager = _manager(tmp_path, 'rbd://fsid/images/img-1/snap')
    instance = _Instance(T.IMAGE_SNAPSHOT)
    assert snapshot._in_image_store(manager, None, instance, 'img-1')
    assert instance.saves == [
        (T.IMAGE_SNAPSHOT, T.IMAGE_PENDING_UPLOAD, 'snapshot'),
        (T.IMAGE_PENDING_UPLOAD, T.IMAGE_UPLOADING, 'snapshot')]
    assert manager.image_client.locations == [('img-1', 'rbd://fsid/images/img-1/snap')]
    assert list(tmp_path.iterdir()) == []  # nothing captured on the host


def test_disks_outside_the_store_are_captured_instead(tmp_path):
    manager = _manager(tmp_path, None)
    instance = _Instance(T.IMAGE_SNAPSHOT)
    assert not snapshot._in_image_store(manager, None, instance, 'img-1')
    assert instance.saves == [] and manager.image_client.locations == []
