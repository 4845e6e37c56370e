"""Live migration, conductor part: choose and claim a destination, have both hosts check
they can do it, record the plan, and cast ``live_migration`` to the source.

The API recorded the request (``compute_svc.live_migration.REQUEST_KEY`` in the
instance's system metadata) and an ``accepted`` live-migration Migration; the commit
point here is that migration's change to ``queued`` with its destination. Delivered
again before that, the task starts over (a claim an earlier attempt left on another
node is dropped at the commit); after it, it does nothing. A destination that fails
its checks is left for the next candidate, unless it was named with ``force``.
"""
from oslo_log import log as logging

from svc_common import live_migration_record as live_mod
from conductor_svc.scheduler import manager as scheduler_mod
from svc_common.conf import CONF
from svc_common import exception
from svc_common import faults
from svc_common import instance_events
from svc_common import objects
from svc_common.objects import claim as claim_obj
from svc_common.objects import request_spec as request_spec_obj
from svc_common import states
from svc_common import step_runner

LOG = logging.getLogger(__name__)
T, M = states.TaskState, states.MigrationStatus
EVENT = 'conductor_live_migrate_instance'


class LiveMigrationTask:

    def __init__(self, context, instance, migration, scheduler, compute_rpcapi):
        self.context = context
        self.instance = instance
        self.migration = migration
        self.scheduler = scheduler
        self.compute_rpcapi = compute_rpcapi
        self._dest_node_id = None

    def execute(self):
        """Returns why the migration could not start (a message), or None."""
        instance = step_runner.current(self.context, self.instance, 'live_migrate',
                                       T.MIGRATING, 'Live migration')
        if instance is None:
            return None
        self.instance = instance
        self.migration = objects.Migration.get_by_id(self.context, self.migration.id)
        if self.migration.status != M.ACCEPTED:
            LOG.info('Not live-migrating: migration %s', self.migration.status,
                     instance=self.instance)
            return None
        failure = []

        def failed(error):
            LOG.warning('Live migration could not start: %s', error, instance=self.instance)
            self.rollback(error)
            failure.append(getattr(error, 'message', None) or str(error))

        step_runner.run(self.context, self.instance, EVENT, CONF.host, self._execute,
                        on_failure=failed,
                        on_superseded=lambda error: self._drop_dest_claim(),
                        what='Live migration')
        return failure[0] if failure else None

    def _execute(self):
        request = live_mod.request_of(self.instance)
        self._check_source_up()
        source_node = objects.ComputeNode.get_by_host_and_nodename(
            self.context, self.instance.host, self.instance.node)
        # The source claim belongs to the migration until the guest has moved.
        objects.ResourceClaim.move(self.context, self.instance.uuid, self.migration.uuid,
                                   source_node.id)
        # Anything else the instance holds is an earlier delivery's destination claim.
        objects.ResourceClaim.release(self.context, self.instance.uuid)
        faults.point('conductor.live_migrate.after_source_claim_moved')
        tried = []
        while True:
            selection = self._select(request, tried)
            self._dest_node_id = selection.compute_node_id
            self.migration.dest_compute = selection.host
            self.migration.dest_node = selection.nodename
            try:
                migrate_data = self.compute_rpcapi.check_can_live_migrate_destination(
                    self.context, self.instance, self.migration, request)
                break
            except exception.MigrationPreCheckError as error:
                self._drop_dest_claim()
                tried.append(selection.host)
                if request.get('host') or len(tried) >= CONF.compute.live_migration_retries:
                    raise
                LOG.info('%s cannot take the instance (%s); trying another host',
                         selection.host, error, instance=self.instance)
        faults.point('conductor.live_migrate.after_checks')
        # The plan first, then the commit point: the migration queued with its
        # destination (compare-and-swap from accepted).
        live_mod.save_migrate_data(self.instance, migrate_data)
        self.migration.dest_host = migrate_data.get('dest_address') or selection.host
        self.migration.status = M.QUEUED
        self.migration.save(expected_status=(M.ACCEPTED,))
        objects.ResourceClaim.release(self.context, self.instance.uuid,
                                      keep_node_id=selection.compute_node_id)
        self.compute_rpcapi.live_migration(self.context, self.instance, self.migration)

    def _check_source_up(self):
        service_rec = objects.Service.get_by_host_and_binary(
            self.context, self.instance.host, 'nimbus-compute')
        if not service_rec.is_up(CONF.service_down_time):
            raise exception.MigrationPreCheckError(
                reason='the source host %s is down' % self.instance.host)

    def _select(self, request, tried):
        ignore = (self.instance.host, *tried)
        host = request.get('host')
        if host and request.get('force'):
            # An admin forcing a host (2.30, before 2.68) bypasses the filters; the
            # resources are still claimed there.
            node = next(iter(objects.ComputeNodeList.get_all(self.context, host=host)),
                        None)
            if node is None:
                raise exception.ComputeHostNotFound(host=host)
            objects.ResourceClaim.claim(self.context, self.instance.uuid, node.id,
                                        claim_obj.resources_for_flavor(self.instance.flavor),
                                        node.generation)
            return scheduler_mod.Selection(node.host, node.hypervisor_hostname, node.id, [])
        scheduler_request = scheduler_mod.Request.for_instance(
            self.instance, ignore_hosts=ignore, force_host=host,
            hints=request_spec_obj.hints_of(self.context, self.instance.uuid))
        return self.scheduler.select_and_claim(self.context, self.instance.uuid,
                                               scheduler_request)

    def _drop_dest_claim(self):
        if self._dest_node_id is not None:
            current = objects.Migration.get_by_id(self.context, self.migration.id)
            if current.status == M.ACCEPTED or current.dest_node != self.migration.dest_node:
                objects.ResourceClaim.release(self.context, self.instance.uuid,
                                              compute_node_id=self._dest_node_id)
            self._dest_node_id = None

    def rollback(self, error):
        """The instance stays where it is, active, with its claims; the migration ends
        in ``error`` and a fault says why."""
        self._drop_dest_claim()
        objects.ResourceClaim.revert_to(self.context, self.migration.uuid, self.instance.uuid)
        self.migration.fail()
        instance_events.record_fault(self.context, self.instance, error, CONF.host)
        live_mod.finish_task(self.instance)
