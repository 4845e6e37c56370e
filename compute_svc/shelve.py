"""Shelve, shelve offload and unshelve, on the compute host.

The API creates the shelved image (queued) and writes its id into system_metadata with
the task state ``shelving`` (one compare-and-swap); each step below resumes at the
phase SQL records and ends in a compare-and-swap:

    shelving                        power the guest off, capture its root disk
    shelving_image_pending_upload   (the snapshot's phases: compute_svc/snapshot.py;
                                    RBD disks cloned from the image store are copied
                                    inside the cluster, nothing uploaded)
    shelving_image_uploading        upload; then SHELVED with no task, or, when
                                    [DEFAULT]/shelved_offload_time is 0, on at once to
    shelving_offloading             (vm_state still as it was: SHELVED only once
                                    offloaded, so that a client waiting for a shelved
                                    server never sees one still offloading)
                                    the guest and its disks go, then the claims, then the
                                    host: SHELVED_OFFLOADED (the periodic
                                    ``offload_expired`` starts this for servers shelved
                                    longer than shelved_offload_time; -1: never)
    unshelving (SHELVED)            the guest here starts again
    unshelving (SHELVED_OFFLOADED)  (the conductor chose and claimed this host first)
    spawning                        disks from the shelved image, made independent of
                                    it, the guest defined and started; then ACTIVE, and
                                    the shelved image is deleted

A failed shelve deletes its image and leaves the server as it was (its guest started
again when it was ACTIVE); a failed offload leaves it SHELVED; a failed unshelve leaves
it where it was, an offloaded one without this host's guest, disks or claims. Each
failure records a fault; an outage of the conductor or database leaves the task state
for the reconciler.
"""
import datetime

from oslo_log import log as logging
from oslo_utils import timeutils

from compute_svc import disk_storage
from compute_svc import snapshot
from svc_common.conf import CONF
from svc_common import exception
from svc_common import faults
from svc_common import instance_events as events
from svc_common import notifications
from svc_common import objects
from svc_common import states
from svc_common import step_runner

LOG = logging.getLogger(__name__)
T, V, P = states.TaskState, states.VmState, states.PowerState

SHELVED_IMAGE_ID = states.SHELVED_IMAGE_ID
SHELVED_AT = states.SHELVED_AT
SHELVED_HOST = states.SHELVED_HOST
UNSHELVE_HOST = states.UNSHELVE_HOST
_KEYS = (SHELVED_IMAGE_ID, SHELVED_AT, SHELVED_HOST, UNSHELVE_HOST)

PHASES = snapshot.Phases((T.SHELVING,), T.SHELVING_IMAGE_PENDING_UPLOAD,
                         T.SHELVING_IMAGE_UPLOADING, 'shelve')


def _without_unshelve_request(system_metadata):
    return {k: v for k, v in system_metadata.items() if k != UNSHELVE_HOST}


def _without_shelve_keys(system_metadata):
    return {k: v for k, v in system_metadata.items() if k not in _KEYS}


def _run(manager, context, instance, event, work, failed, what, on_deleted=None):
    """``work`` as a step (``svc_common.step_runner``): a delete or another delivery
    that moved the instance on ends it quietly, an outage of the conductor, database or
    image API leaves it for the reconciler; a failure runs ``failed`` and is raised."""
    return step_runner.run(context, instance, event, manager.host, work,
                           on_failure=failed, on_deleted=on_deleted or step_runner.log_only,
                           on_superseded=step_runner.log_only,
                           interrupted=snapshot.RETRYABLE, what=what, reraise=True)


def _end_failed(manager, context, instance, operation, current=None):
    """No task any more (with what the caller changed on ``instance``), and the error
    notification of ``operation``."""
    current = instance.task_state if current is None else current
    instance.task_state = None
    try:
        instance.save(expected_task_state=current, operation=operation)
    except exception.NimbusException as error:
        LOG.warning('Could not end the failed %s: %s', operation, error, instance=instance)
    notifications.notify_instance(context, instance, operation, 'error', manager.host)


# -- shelve ---------------------------------------------------------------------------
def shelve_instance(manager, context, instance):
    instance = step_runner.current(context, instance, 'shelve', states.SHELVING_TASKS,
                                   'Shelve')
    if instance is None:
        return
    image_id = instance.system_metadata.get(SHELVED_IMAGE_ID)
    was_active = instance.vm_state == V.ACTIVE
    offload = CONF.shelved_offload_time == 0
    notifications.notify_instance(context, instance, 'shelve', 'start', manager.host)

    def work():
        snapshot.capture_and_upload(
            manager, context, instance, image_id, PHASES,
            before_capture=lambda: manager.driver.power_off(
                instance, timeout=CONF.libvirt.shutdown_timeout if was_active else 0))
        if not offload:  # offloaded at once, it is SHELVED only when offloaded
            instance.vm_state = V.SHELVED
        instance.power_state = P.SHUTDOWN
        instance.task_state = T.SHELVING_OFFLOADING if offload else None
        instance.system_metadata = dict(
            instance.system_metadata, **{SHELVED_AT: timeutils.utcnow().isoformat(),
                                         SHELVED_HOST: manager.host})
        step_runner.final_save(instance, expected_task_state=T.SHELVING_IMAGE_UPLOADING,
                               operation='shelve')

    def failed(error):
        LOG.exception('Shelve failed', instance=instance)
        _undo_shelve(manager, context, instance, image_id, was_active, error)

    outcome = _run(manager, context, instance, 'compute_shelve_instance', work, failed,
                   'Shelve', on_deleted=lambda error: snapshot.discard(manager, context,
                                                                       image_id))
    if outcome != step_runner.Outcome.DONE:
        return
    notifications.notify_instance(context, instance, 'shelve', 'end', manager.host)
    if offload:
        _offload_recorded(manager, context, instance)


def _undo_shelve(manager, context, instance, image_id, was_active, error):
    events.record_fault(context, instance, error, manager.host)
    snapshot.discard(manager, context, image_id)
    if was_active:
        try:
            manager.driver.power_on(context, instance)
        except Exception:
            LOG.exception('Could not start the guest again', instance=instance)
    instance.system_metadata = _without_shelve_keys(instance.system_metadata)
    _end_failed(manager, context, instance, 'shelve')


# -- offload --------------------------------------------------------------------------
def shelve_offload_instance(manager, context, instance):
    instance = step_runner.current(context, instance, 'shelve_offload',
                                   T.SHELVING_OFFLOADING, 'Shelve offload')
    if instance is not None:
        _offload_recorded(manager, context, instance)


def _offload_recorded(manager, context, instance):
    notifications.notify_instance(context, instance, 'shelve_offload', 'start',
                                  manager.host)

    def failed(error):
        LOG.exception('Shelve offload failed', instance=instance)
        events.record_fault(context, instance, error, manager.host)
        instance.vm_state = V.SHELVED  # shelved, its image uploaded: not offloaded
        instance.task_state = None
        instance.save(expected_task_state=T.SHELVING_OFFLOADING, operation='shelve_offload')

    outcome = _run(manager, context, instance, 'compute_shelve_offload_instance',
                   lambda: _offload(manager, context, instance), failed, 'Shelve offload')
    if outcome == step_runner.Outcome.DONE:
        notifications.notify_instance(context, instance, 'shelve_offload', 'end',
                                      manager.host)


def _offload(manager, context, instance):
    """The guest and its disks go, then the claims, then the host and node (each step
    done again is harmless; the record changes last)."""
    manager.driver.destroy(context, instance, destroy_disks=True)
    faults.point('shelve_offload.after_destroy')
    objects.ResourceClaim.release(context, instance.uuid)
    faults.point('shelve_offload.after_release')
    instance.vm_state = V.SHELVED_OFFLOADED
    instance.power_state = P.NOSTATE
    instance.task_state = None
    instance.host = None
    instance.node = None
    step_runner.final_save(instance, expected_task_state=T.SHELVING_OFFLOADING,
                           operation='shelve_offload')
    LOG.info('Shelved instance offloaded', instance=instance)


def offload_expired(manager, context):
    """Offload the servers shelved here longer than shelved_offload_time; returns their
    uuids."""
    wait = CONF.shelved_offload_time
    if wait <= 0:
        return []
    cutoff = timeutils.utcnow() - datetime.timedelta(seconds=wait)
    offloaded = []
    for instance in objects.InstanceList.get_by_filters(
            context, {'host': manager.host, 'vm_state': V.SHELVED.value}):
        shelved_at = instance.system_metadata.get(SHELVED_AT)
        if instance.task_state is not None or not shelved_at or \
                timeutils.parse_isotime(shelved_at).replace(tzinfo=None) > cutoff:
            continue
        instance.task_state = T.SHELVING_OFFLOADING.value
        try:
            instance.save(expected_task_state=None, operation='shelve_offload')
        except exception.NimbusException:
            continue  # an unshelve or a delete came first
        with manager.instance_lock(instance):
            _offload_recorded(manager, context, instance)
        offloaded.append(instance.uuid)
    return offloaded


# -- unshelve -------------------------------------------------------------------------
def unshelve_instance(manager, context, instance):
    instance = step_runner.current(context, instance, 'unshelve',
                                   (T.UNSHELVING, T.SPAWNING), 'Unshelve')
    if instance is None:
        return
    offloaded = instance.vm_state == V.SHELVED_OFFLOADED
    image_id = instance.system_metadata.get(SHELVED_IMAGE_ID)
    notifications.notify_instance(context, instance, 'unshelve', 'start', manager.host)

    def work():
        if offloaded:
            _spawn_from_shelved_image(manager, context, instance, image_id)
        else:
            manager.driver.power_on(context, instance)
        faults.point('unshelve.after_spawn')
        # The shelved image has served (the disk no longer needs it): it goes before the
        # record says ACTIVE, so no crash can leave it behind unnamed.
        snapshot.discard(manager, context, image_id)
        faults.point('unshelve.after_image_discarded')
        current = instance.task_state
        instance.vm_state = V.ACTIVE
        instance.power_state = P.RUNNING
        instance.task_state = None
        instance.system_metadata = _without_shelve_keys(instance.system_metadata)
        if offloaded:  # its disks made here
            instance.launched_at = timeutils.utcnow()
            instance.system_metadata = disk_storage.recorded(
                instance.system_metadata, manager.driver.disk_storage())
        step_runner.final_save(instance, expected_task_state=current, operation='unshelve')

    def failed(error):
        LOG.exception('Unshelve failed', instance=instance)
        _undo_unshelve(manager, context, instance, offloaded, error)

    outcome = _run(manager, context, instance, 'compute_unshelve_instance', work, failed,
                   'Unshelve')
    if outcome != step_runner.Outcome.DONE:
        return
    notifications.notify_instance(context, instance, 'unshelve', 'end', manager.host)
    LOG.info('Instance unshelved', instance=instance)


def _spawn_from_shelved_image(manager, context, instance, image_id):
    if instance.task_state == T.UNSHELVING:
        instance.task_state = T.SPAWNING.value
        instance.save(expected_task_state=T.UNSHELVING, operation='unshelve')
    if not image_id:
        raise exception.ImageNotFound(image_id=None)
    if instance.uuid not in manager.driver.list_instance_uuids():
        # (resumed after the guest was built, the shelved image may be gone already)
        image_meta = manager.image_client.record(context, image_id)
        manager.driver.spawn(context, instance, image_meta, power_on=False)
    # The disks outlive the shelved image: they must not need it (e.g. to move hosts).
    manager.driver.detach_root_from_image(context, instance)
    manager.driver.power_on(context, instance)


def _undo_unshelve(manager, context, instance, offloaded, error):
    events.record_fault(context, instance, error, manager.host)
    current = instance.task_state
    if offloaded:  # back to offloaded: nothing of it stays here
        try:
            manager.driver.destroy(context, instance, destroy_disks=True)
        except Exception:
            LOG.exception('Could not remove the guest of a failed unshelve',
                          instance=instance)
        objects.ResourceClaim.release(context, instance.uuid)
        instance.vm_state = V.SHELVED_OFFLOADED
        instance.host = None
        instance.node = None
    instance.system_metadata = _without_unshelve_request(instance.system_metadata)
    _end_failed(manager, context, instance, 'unshelve', current)
