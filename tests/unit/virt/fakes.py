"""Test doubles and builders for the libvirt driver's unit tests."""
import collections
import os
import threading
import uuid

from svc_common import exception
from svc_common import objects
from compute_svc.virt.disks import image_client

objects.register_all()


class FakeImageClient(image_client.ImageClient):
    """Images are local files; downloads are counted."""

    def __init__(self):
        self.images = {}
        self.downloads = collections.Counter()
        self._lock = threading.Lock()

    def add(self, path, disk_format, **props):
        image_id = props.pop('id', None) or str(uuid.uuid4())
        self.images[image_id] = (dict(props, id=image_id, disk_format=disk_format,
                                      status='active', size=os.path.getsize(path),
                                      min_disk=0), path)
        return dict(self.images[image_id][0])

    def show(self, context, image_id):
        if image_id not in self.images:
            raise exception.ImageNotFound(image_id=image_id)
        return dict(self.images[image_id][0])

    def _chunks(self, context, image_id):
        with self._lock:
            self.downloads[image_id] += 1
        with open(self.images[image_id][1], 'rb') as f:
            while chunk := f.read(65536):
                yield chunk


def flavor(name='small', root_gb=0, ephemeral_gb=0, swap=0, memory_mb=128, vcpus=1):
    return objects.Flavor(id=sum(map(ord, name)), flavorid=name, name=name,
                          memory_mb=memory_mb, vcpus=vcpus, root_gb=root_gb,
                          ephemeral_gb=ephemeral_gb, swap=swap)


def instance(image_id, flavor_obj, uuid_=None):
    return objects.Instance(uuid=uuid_ or str(uuid.uuid4()), image_ref=image_id,
                            flavor=flavor_obj, vm_state='active')


class Migration:
    """What the driver reads of a migration."""

    def __init__(self, instance_uuid, source_compute, dest_compute):
        self.instance_uuid = instance_uuid
        self.source_compute = source_compute
        self.dest_compute = dest_compute
