"""Scheduling and starting the build of new instances."""
import functools

from oslo_log import log as logging

from svc_common.conf import CONF
from svc_common.db import api as db_api
from svc_common import exception
from svc_common import faults
from svc_common import instance_events
from svc_common import objects
from svc_common.objects import claim as claim_obj
from svc_common import states
from svc_common import step_runner
from conductor_svc.scheduler import manager as scheduler_mod

LOG = logging.getLogger(__name__)
T = states.TaskState
EVENT = 'conductor_schedule_and_build_instances'


class BuildTask:
    """For each instance: allocate its fixed addresses on the networks its stored
    RequestSpec names, claim a host as the spec asks, record it, cast the build to that
    host.

    Safe to run twice, even at once in two conductors: an instance that already has a
    host is only re-cast (compute's build is idempotent). Recording the host is a
    compare-and-swap from "no host"; the winner drops any claim elsewhere (a crashed or
    concurrent attempt's), a loser drops its own unless it chose the same node."""

    EVENT = EVENT
    OPERATION, TASK_STATE = 'build', T.SCHEDULING  # what this task moves on

    def __init__(self, context, instances, image, scheduler, compute_rpcapi,
                 legacy_spec=None):
        self.context = context
        self.instances = instances
        self.image = image
        self.scheduler = scheduler
        self.compute_rpcapi = compute_rpcapi
        self.legacy_spec = legacy_spec or {}  # what an RPC 1.0/1.1 cast carried

    def execute(self):
        for instance in self.instances:
            step_runner.run(self.context, instance, None, CONF.host,
                            functools.partial(self._build_one, instance),
                            on_failure=self._unexpected, what='Scheduling')

    @staticmethod
    def _unexpected(error):
        LOG.error('Scheduling failed unexpectedly: %s', error, exc_info=error)

    def _build_one(self, instance):
        uuid = instance.uuid
        # The scheduling event starts with the reload when the build was sent to be
        # scheduled (no host yet), and ends with the save of the host it gets.
        event = self.EVENT if instance.host is None else None
        instance, spec, claims = db_api.write_together(self.context, self._reload,
                                                       instance, event)
        if instance is None:
            return
        if event is not None and instance.host is not None:  # another attempt scheduled it
            instance_events.finish_event(self.context, uuid, event)
        if not self._allocate_addresses(instance, spec):
            return
        if instance.host is None and not self._schedule(instance, spec, claims):
            return
        self._cast(instance)

    def _reload(self, context, instance, event):
        """(the instance as SQL has it now, its request spec, the claims held for it
        when it has no host yet) in one transaction, or (None, None, None) when the
        build has nothing to do (``step_runner.current``; the scheduling ``event``
        starts with the read)."""
        uuid = instance.uuid
        found = step_runner.current(
            context, instance, self.OPERATION, self.TASK_STATE, 'Scheduling',
            on_gone=lambda: objects.ResourceClaim.release(context, uuid),
            event=event, host=CONF.host)
        if found is None:
            return None, None, None
        claims = (objects.ResourceClaimList.get_by_consumer(context, uuid)
                  if found.host is None else None)
        return found, self._request_spec(found), claims

    def _allocate_addresses(self, instance, spec):
        """The instance's address on each requested network, before the compute builds
        its guest. Each allocation is idempotent per instance and network, so a resumed
        or duplicated build finds the addresses an earlier attempt took instead of
        taking more. False when the build cannot go on: the instance was deleted (its
        deletion released what it held), or a network is full or gone (the instance
        goes to ERROR with the reason, and the addresses it got are released)."""
        try:
            for network_uuid in spec.requested_networks:
                objects.FixedIP.allocate(self.context, network_uuid, instance.uuid)
        except exception.InstanceNotFound:
            return False
        except (exception.NoMoreFixedIps, exception.NetworkNotFound) as error:
            objects.FixedIPList.release_for_instance(self.context, instance.uuid)
            self._fail(instance, error, False)
            return False
        return True

    def _cast(self, instance):
        # The compute reads nothing from the spec argument of its RPC API 1.0.
        self.compute_rpcapi.build_and_run_instance(self.context, instance.host, instance,
                                                   self.image, {})

    def _request_spec(self, instance):
        try:
            return objects.RequestSpec.get_by_instance_uuid(self.context, instance.uuid)
        except exception.RequestSpecNotFound:
            LOG.info('No stored request spec; scheduling by the instance record',
                     instance=instance)
            return objects.RequestSpec.for_instance(
                instance, force_host=self.legacy_spec.get('force_host'))

    def _scheduler_request(self, instance, spec):
        return scheduler_mod.Request.for_instance(instance, force_host=spec.force_host,
                                                  hints=spec.scheduler_hints)

    def _schedule(self, instance, spec, claims):
        request = self._scheduler_request(instance, spec)
        event_started = getattr(instance, '_started_event', None) == self.EVENT or \
            instance_events.start_event(self.context, instance.uuid, self.EVENT, CONF.host)
        try:
            selection = self._claimed_before(instance, claims, request.resources) or \
                self.scheduler.select_and_claim(self.context, instance.uuid, request)
        except exception.NoValidHost as error:
            self._fail(instance, error, event_started)
            return False
        faults.point('conductor.build.after_claim')
        instance.host = selection.host
        instance.node = selection.nodename
        try:
            db_api.write_together(self.context, self._record_host, instance,
                                  selection.compute_node_id, event_started)
        except exception.InstanceNotFound:
            objects.ResourceClaim.release(self.context, instance.uuid)
            return False
        except exception.UnexpectedTaskStateError:
            self._lost_race(instance, selection)
            return False
        faults.point('conductor.build.after_host_saved')
        return True

    def _record_host(self, context, instance, node_id, event_started):
        """The host recorded (a compare-and-swap from none; the scheduling event ends
        with it) and, in the same transaction, the instance's claims anywhere else
        dropped (an earlier attempt's that died before recording its choice)."""
        instance.save(expected_host=None, finish_event=self.EVENT if event_started else None)
        objects.ResourceClaim.release(context, instance.uuid, keep_node_id=node_id)

    def _claimed_before(self, instance, claims, resources):
        """The node an earlier attempt claimed for this instance (of its ``claims``) and
        died before recording (a conductor crash, then the reconciler): resuming that
        claim keeps the choice made then, a forced host included, instead of choosing
        again."""
        for node_id in sorted({c.compute_node_id for c in claims}):
            if claim_obj.holds(claims, node_id, resources):
                node = objects.ComputeNode.get_by_id(self.context, node_id)
                LOG.info('Resuming the claim an earlier attempt made on %s', node.host,
                         instance=instance)
                return scheduler_mod.Selection(node.host, node.hypervisor_hostname,
                                               node_id, [])
        return None

    def _lost_race(self, instance, selection):
        """Another attempt recorded a host first; it owns the build."""
        current = objects.Instance.get_by_uuid(self.context, instance.uuid)
        if (current.host, current.node) != (selection.host, selection.nodename):
            objects.ResourceClaim.release(self.context, instance.uuid,
                                          compute_node_id=selection.compute_node_id)
        LOG.info('Build already scheduled to %s by another attempt', current.host,
                 instance=instance)

    def _fail(self, instance, error, event_started):
        LOG.warning('Cannot schedule: %s', error, instance=instance)
        if event_started:
            instance_events.finish_event(self.context, instance.uuid, self.EVENT, error)
        objects.InstanceFault.from_exception(self.context, instance.uuid, error).create()
        instance.vm_state = states.VmState.ERROR
        instance.task_state = None
        try:
            instance.save(expected_task_state=T.SCHEDULING, operation='build')
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError):
            LOG.info('Instance changed while failing to schedule', instance=instance)
