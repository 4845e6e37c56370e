"""Backup rotation when the image API refuses to delete an older backup (in use: on an
RBD store a server booted from it holds it): that one is kept and the rotation goes on;
an image API that cannot be reached leaves the step to be resumed."""
import types

import pytest

from compute_svc import snapshot
from svc_common import exception

UUID = 'a6a0c2a5-6c6f-4f3c-9d0e-0f5b1b0c1d2e'


class _Images:
    def __init__(self, refuse):
        self.refuse = refuse
        self.deleted = []

    def list_owned(self, context):  # newest first, as the image API lists them
        backups = [{'id': 'b%d' % n, 'instance_uuid': UUID, 'image_type': 'backup',
                    'backup_type': 'daily'} for n in (3, 2, 1, 0)]
        return backups + [{'id': 'other', 'instance_uuid': UUID, 'image_type': 'snapshot'}]

    def delete(self, context, image_id):
        if image_id in self.refuse:
            raise self.refuse[image_id]
        self.deleted.append(image_id)


def _instance(rotation):
    return types.SimpleNamespace(uuid=UUID, system_metadata={
        snapshot.IMAGE_ID: 'b3', snapshot.BACKUP_TYPE: 'daily',
        snapshot.BACKUP_ROTATION: str(rotation)})


def test_a_backup_in_use_is_kept_and_the_others_rotated_out():
    images = _Images({'b1': exception.ImageInUse(image_id='b1', reason='1 clone')})
    snapshot._rotate(images, None, _instance(1))
    assert images.deleted == ['b2', 'b0']  # b3 (just made) stays, b1 is held


def test_an_unreachable_image_api_is_left_for_the_step_to_resume():
    images = _Images({'b1': exception.ImageServiceUnreachable(image_id='b1', reason='down')})
    with pytest.raises(exception.ImageServiceUnreachable):
        snapshot._rotate(images, None, _instance(2))
