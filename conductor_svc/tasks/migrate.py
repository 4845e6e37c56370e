"""Resize and cold migration, conductor part: record the Migration, hand the source
claim to it, choose and claim a destination, and cast prep_resize there.

Delivered twice, the task finds the Migration it made and goes on from it; given a host
list (a reschedule after a destination failed), it tries those hosts in order.
"""
from oslo_log import log as logging

from svc_common.conf import CONF
from svc_common.db import api as db_api
from svc_common import exception
from svc_common import faults
from svc_common import instance_events
from svc_common import objects
from svc_common.objects import claim as claim_obj
from svc_common.objects import migration as migration_obj
from svc_common.objects import request_spec as request_spec_obj
from svc_common import states
from svc_common import step_runner
from conductor_svc.scheduler import manager as scheduler_mod

LOG = logging.getLogger(__name__)
T, M = states.TaskState, states.MigrationStatus
EVENT = 'conductor_migrate_server'


class MigrationTask:

    def __init__(self, context, instance, flavor, scheduler, compute_rpcapi,
                 migration=None, host_list=None, target_host=None):
        self.context = context
        self.instance = instance
        self.flavor = flavor
        self.scheduler = scheduler
        self.compute_rpcapi = compute_rpcapi
        self.migration = migration
        self.host_list = host_list
        self.target_host = target_host
        # What rollback() must undo, filled in as execute() goes.
        self._moved_source_claim = False
        self._dest_node_id = None

    def execute(self):
        instance = step_runner.current(self.context, self.instance, 'resize', T.RESIZE_PREP,
                                       'Migration', event=EVENT, host=CONF.host)
        if instance is None:
            return
        self.instance = instance
        # An outage leaves nothing to roll back from what SQL shows (the migration and
        # claims are recorded): the reconciler sends this again.
        step_runner.run(self.context, instance, EVENT, CONF.host, self._execute,
                        on_failure=self._fail, on_superseded=self._give_way,
                        what='Migration')

    def _fail(self, error):
        LOG.warning('Migration could not start: %s', error, instance=self.instance)
        self.rollback(error)

    def _execute(self):
        self.migration, hints = db_api.write_together(self.context, self._begin)
        if self.migration.status != M.PRE_MIGRATING:
            LOG.info('Migration %s is already %s', self.migration.uuid, self.migration.status,
                     instance=self.instance)
            return
        if hints is None:
            # An earlier delivery of this task chose and recorded the destination (this
            # one was delayed or sent again): go on from there instead of choosing anew.
            LOG.info('Destination %s already chosen; sending prep_resize again',
                     self.migration.dest_compute, instance=self.instance)
            self.compute_rpcapi.prep_resize(self.context, self.migration.dest_compute,
                                            self.instance, self.flavor, self.migration, [])
            return
        self._moved_source_claim = True
        # The migration is recorded and holds the source claim (one transaction).
        faults.point('conductor.migrate.after_migration_created')
        selection = self._select_destination(hints)
        self._dest_node_id = selection.compute_node_id
        faults.point('conductor.migrate.after_dest_claim')
        previous_dest = self.migration.dest_compute
        self.migration.dest_compute = selection.host
        self.migration.dest_node = selection.nodename
        self.migration.dest_host = selection.host
        try:
            db_api.write_together(self.context, self._record_destination, previous_dest,
                                  selection.compute_node_id)
        except exception.UnexpectedMigrationStatus:
            self._lost_race(selection)
            return
        self.compute_rpcapi.prep_resize(self.context, selection.host, self.instance,
                                        self.flavor, self.migration, selection.alternates)

    def _lost_race(self, selection):
        """Another delivery of this task recorded its destination first; it owns the
        move. Drop this attempt's claim unless both chose the same node."""
        current = objects.Migration.get_by_id(self.context, self.migration.id)
        if (current.dest_compute, current.dest_node) != (selection.host, selection.nodename):
            objects.ResourceClaim.release(self.context, self.instance.uuid,
                                          compute_node_id=selection.compute_node_id)
        self._dest_node_id = None
        self._moved_source_claim = False
        LOG.info('Destination already chosen by another attempt: %s', current.dest_compute,
                 instance=self.instance)

    def _record_destination(self, context, previous_dest, dest_node_id):
        # Recording the destination is the commit point: a compare-and-swap from the
        # destination this attempt started from.
        self.migration.save(expected_status=(M.PRE_MIGRATING,), expected_dest=previous_dest)
        # Only the winner tidies, in the same transaction: an earlier attempt that died
        # before recording its destination may have claimed elsewhere; the instance's
        # claims are its destination's alone.
        objects.ResourceClaim.release(context, self.instance.uuid,
                                      keep_node_id=dest_node_id)
        # The task's event ends with its commit point, as a build's scheduling event
        # ends with the host's save.
        instance_events.end_open_event(context, self.instance)

    def _begin(self, context):
        """In one transaction, the migration as SQL has it now (the one this task was
        sent with, an earlier delivery's, or a new one) and, when a destination is still
        to be chosen, the instance's claim on its source node handed to it (the node
        looked up with it): (the migration, the scheduler hints the server was built
        with, read for the scheduler's choice ({} when the task was given its hosts);
        None when the move is past its start)."""
        if self.migration is not None:  # as SQL has it now, not as it was when sent
            migration = objects.Migration.get_by_id(context, self.migration.id)
        else:
            migration = self._pending_migration(context)
        if migration.status != M.PRE_MIGRATING or (
                migration.dest_compute and not self.host_list):
            return migration, None
        source_node = objects.ComputeNode.get_by_host_and_nodename(
            context, migration.source_compute, migration.source_node)
        moved = objects.ResourceClaim.move(context, self.instance.uuid, migration.uuid,
                                           source_node.id)
        LOG.debug('Moved %d source claim rows to migration %s', moved, migration.uuid)
        return migration, ({} if self.host_list else
                           request_spec_obj.hints_of(context, self.instance.uuid))

    def _pending_migration(self, context):
        """The migration an earlier delivery of this task made, or a new one."""
        found = migration_obj.newest_in(context, self.instance.uuid, M.PRE_MIGRATING)
        return found if found is not None else self._new_migration()

    def _new_migration(self):
        same_flavor = self.flavor.flavorid == self.instance.flavor.flavorid
        migration = objects.Migration(
            context=self.context, instance_uuid=self.instance.uuid,
            source_compute=self.instance.host, source_node=self.instance.node,
            old_instance_type_id=self.instance.flavor.id, new_instance_type_id=self.flavor.id,
            migration_type=(states.MigrationType.MIGRATION if same_flavor
                            else states.MigrationType.RESIZE),
            status=M.PRE_MIGRATING, user_id=self.context.user_id,
            project_id=self.context.project_id)
        migration.create()
        return migration

    def _select_destination(self, hints):
        resources = claim_obj.resources_for_flavor(self.flavor)
        if self.host_list:
            return self._claim_first_of(self.host_list, resources)
        # A cold migration (same flavor) always leaves its host; a resize may stay
        # when allow_resize_to_same_host says so.
        same_flavor = self.flavor.flavorid == self.instance.flavor.flavorid
        ignore = () if CONF.compute.allow_resize_to_same_host and not same_flavor else (
            self.instance.host,)
        request = scheduler_mod.Request.for_instance(
            self.instance, self.flavor, ignore_hosts=ignore, force_host=self.target_host,
            hints=hints)
        return self.scheduler.select_and_claim(self.context, self.instance.uuid, request)

    def _claim_first_of(self, hosts, resources):
        for index, (host, _node) in enumerate(hosts):
            try:
                selection = self.scheduler.select_and_claim(
                    self.context, self.instance.uuid,
                    scheduler_mod.Request(resources=resources, force_host=host))
            except exception.NoValidHost:
                continue
            selection.alternates = list(hosts[index + 1:])
            return selection
        raise exception.NoValidHost(reason='No alternate host could take the instance.')

    def _give_way(self, error):
        """Another delivery of this task moved the migration on first: leave it to that
        one, dropping only a destination claim of ours it did not choose."""
        LOG.info('Migration superseded: %s', error, instance=self.instance)
        if self._dest_node_id is None or self.migration is None:
            return
        current = objects.Migration.get_by_id(self.context, self.migration.id)
        chosen = None
        if current.dest_compute:
            chosen = objects.ComputeNode.get_by_host_and_nodename(
                self.context, current.dest_compute, current.dest_node).id
        if chosen != self._dest_node_id:
            objects.ResourceClaim.release(self.context, self.instance.uuid,
                                          compute_node_id=self._dest_node_id)

    def rollback(self, error):
        """Undo what execute() did: the destination claim, the source claim's move, the
        migration, the task state; leave a fault saying why."""
        if self._dest_node_id is not None:
            objects.ResourceClaim.release(self.context, self.instance.uuid,
                                          compute_node_id=self._dest_node_id)
        if self.migration is not None:
            if self._moved_source_claim or self.host_list:
                objects.ResourceClaim.move(self.context, self.migration.uuid,
                                           self.instance.uuid)
            self.migration.fail()
        objects.InstanceFault.from_exception(self.context, self.instance.uuid, error).create()
        self.instance.task_state = None
        try:
            self.instance.save(expected_task_state=T.RESIZE_PREP, operation='resize')
        except (exception.UnexpectedTaskStateError, exception.InstanceNotFound):
            LOG.info('Instance changed during rollback', instance=self.instance)

