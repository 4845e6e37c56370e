"""Scheduling a shelved-offloaded instance again, and starting its unshelve there.

The build's scheduling (claim on the chosen node, record the host by compare-and-swap
from no host, drop a claim an earlier attempt left) with what the unshelve request put on
the record: the instance's availability zone (microversion 2.77 may change or, 2.91,
unpin it) and a host asked for (2.91, ``states.UNSHELVE_HOST`` in system_metadata).
Safe to run twice: an instance that already has a host is only re-cast (the compute's
unshelve is idempotent). No valid host leaves it shelved-offloaded with
the scheduling event in error and a fault.
"""
from oslo_log import log as logging

from conductor_svc.scheduler import manager as scheduler_mod
from conductor_svc.tasks import build
from svc_common import exception
from svc_common import objects
from svc_common import states

LOG = logging.getLogger(__name__)
T = states.TaskState


class UnshelveTask(build.BuildTask):

    EVENT = 'conductor_unshelve_instance'
    OPERATION, TASK_STATE = 'unshelve', T.UNSHELVING

    def __init__(self, context, instance, scheduler, compute_rpcapi):
        super().__init__(context, [instance], None, scheduler, compute_rpcapi)

    def _cast(self, instance):
        self.compute_rpcapi.unshelve_instance(self.context, instance)

    def _scheduler_request(self, instance, spec):
        host = instance.system_metadata.get(states.UNSHELVE_HOST)
        return scheduler_mod.Request.for_instance(
            instance, force_host=host, hints=spec.scheduler_hints)

    def _fail(self, instance, error, event_started):
        LOG.warning('Cannot unshelve: %s', error, instance=instance)
        if event_started:
            build.instance_events.finish_event(self.context, instance.uuid, self.EVENT,
                                               error)
        objects.InstanceFault.from_exception(self.context, instance.uuid, error).create()
        instance.task_state = None
        instance.system_metadata = {k: v for k, v in instance.system_metadata.items()
                                    if k != states.UNSHELVE_HOST}
        try:
            instance.save(expected_task_state=T.UNSHELVING, operation='unshelve')
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError):
            LOG.info('Instance changed while failing to unshelve', instance=instance)
