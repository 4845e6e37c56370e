"""shelve, shelveOffload and unshelve, the API's part: check the state, record the
action, set the operation's first task state by compare-and-swap (with what the
compute host or the conductor reads: the shelved image, an unshelve's zone and host)
and cast.

The steps after the cast live in compute_svc/shelve.py and conductor_svc/tasks/
unshelve.py.
"""
from oslo_log import log as logging

from api_svc import compute_api
from api_svc import snapshot_api
from svc_common import exception
from svc_common import objects
from svc_common import states

LOG = logging.getLogger(__name__)
T, V = states.TaskState, states.VmState

ACTION_SHELVE, ACTION_SHELVE_OFFLOAD, ACTION_UNSHELVE = (
    'shelve', 'shelveOffload', 'unshelve')
UNCHANGED = object()  # an unshelve that names no availability zone


class ShelveAPI:

    def __init__(self, conductor_client, compute_client):
        self.conductor = conductor_client
        self.compute = compute_client

    def shelve(self, context, instance):
        """Snapshot the server into '<name>-shelved', stop it and keep it shelved (and
        offloaded, as [DEFAULT]/shelved_offload_time says)."""
        previous = compute_api.check_can_start(instance, 'shelve', T.SHELVING)
        image = snapshot_api.create_snapshot_image(
            context, instance, '%s-shelved' % instance.display_name, 'snapshot')
        snapshot_api.start_filling(context, instance, image, previous, T.SHELVING,
                                   ACTION_SHELVE, {states.SHELVED_IMAGE_ID: image.id}, 'shelve')
        self.compute.shelve_instance(context, instance)

    def shelve_offload(self, context, instance):
        previous = compute_api.check_can_start(instance, 'shelveOffload',
                                               T.SHELVING_OFFLOADING, 'shelve_offload')
        instance.task_state = T.SHELVING_OFFLOADING.value
        instance.save(expected_task_state=previous, operation='shelve_offload')
        objects.InstanceAction.action_start(context, instance.uuid, ACTION_SHELVE_OFFLOAD)
        self.compute.shelve_offload_instance(context, instance)

    def unshelve(self, context, instance, availability_zone=UNCHANGED, host=None):
        """Start a shelved server again: on its host, or (offloaded) wherever the
        scheduler finds room, in ``availability_zone`` when one is named (None: any,
        unpinned) and on ``host`` when one is named."""
        previous = compute_api.check_can_start(instance, 'unshelve', T.UNSHELVING,
                                               needs_host=False)
        offloaded = instance.vm_state == V.SHELVED_OFFLOADED
        if not offloaded and (availability_zone is not UNCHANGED or host):
            raise exception.UnshelveNotOffloaded(instance_uuid=instance.uuid)
        if availability_zone is not UNCHANGED:
            instance.availability_zone = availability_zone
        system_metadata = {k: v for k, v in instance.system_metadata.items()
                           if k != states.UNSHELVE_HOST}
        if host:
            system_metadata[states.UNSHELVE_HOST] = host
        instance.system_metadata = system_metadata
        instance.task_state = T.UNSHELVING.value
        instance.save(expected_task_state=previous, operation='unshelve')
        objects.InstanceAction.action_start(context, instance.uuid, ACTION_UNSHELVE)
        if offloaded:
            self.conductor.unshelve_instance(context, instance)
        else:
            self.compute.unshelve_instance(context, instance)
