"""Live migration, the API's part: check the request, record the action, the request
and an ``accepted`` live-migration Migration, set 'migrating' by compare-and-swap and hand
over to the conductor; list, show, force-complete and abort a migration in progress.

The steps after the cast: conductor_svc/tasks/live_migrate.py, compute_svc/live_migration.py.
"""
from oslo_log import log as logging

from api_svc import compute_api
from svc_common import live_migration_record as live_mod
from svc_common import exception
from svc_common import objects
from svc_common import operations
from svc_common import states

LOG = logging.getLogger(__name__)
V, T, M = states.VmState, states.TaskState, states.MigrationStatus
ACTION = 'live-migration'
ACTION_FORCE_COMPLETE = 'live_migration_force_complete'
ACTION_ABORT = 'live_migration_cancel'
# a paused server stays paused
_MIGRATABLE_VM_STATES = tuple(sorted(
    operations.get('live_migrate').start_vm_states(T.MIGRATING)))


class LiveMigrateAPI:

    def __init__(self, conductor_client, compute_client):
        self.conductor = conductor_client
        self.compute = compute_client

    def live_migrate(self, context, instance, host, block_migration, force=False,
                     wait=False):
        """Live-migrate ``instance`` (to ``host`` when named). ``block_migration``:
        True, False or 'auto'. Raises InstanceInvalidState, ComputeHostNotFound,
        CannotMigrateToSameHost; with ``wait`` (before 2.34) also MigrationPreCheckError
        when no destination could be chosen and checked."""
        compute_api.check_can_start(instance, 'os-migrateLive', T.MIGRATING,
                                    operation='live_migrate')
        if host is not None:
            if compute_api.compute_service(context, host) is None:
                raise exception.ComputeHostNotFound(host=host)
            if host == instance.host:
                raise exception.CannotMigrateToSameHost()
        objects.InstanceAction.action_start(context, instance.uuid, ACTION)
        elevated = context.elevated()
        migration = objects.Migration(
            context=elevated, instance_uuid=instance.uuid, source_compute=instance.host,
            source_node=instance.node, dest_compute=None,
            old_instance_type_id=instance.flavor.id, new_instance_type_id=instance.flavor.id,
            migration_type=states.MigrationType.LIVE_MIGRATION, status=M.ACCEPTED,
            user_id=context.user_id, project_id=context.project_id)
        # The task state decides a race with another request; a migration left
        # 'accepted' by a lost race is closed at once.
        live_mod.record_request(instance, host, block_migration, force)
        instance.task_state = T.MIGRATING
        instance.save(expected_task_state=None, expected_vm_state=_MIGRATABLE_VM_STATES,
                      operation='live_migrate')
        migration.create()
        LOG.info('Live migration to %s requested', host or 'a host the scheduler picks',
                 instance=instance)
        failure = self.conductor.live_migrate_instance(context, instance, migration,
                                                       wait=wait)
        if failure:
            raise exception.MigrationPreCheckError(reason=failure)

    # -- a migration in progress (/servers/{id}/migrations) ---------------------------------
    @staticmethod
    def in_progress(context, instance):
        return [m for m in objects.MigrationList.get_by_filters(
            context.elevated(), {'instance_uuid': instance.uuid,
                                 'migration_type': states.MigrationType.LIVE_MIGRATION,
                                 'status': [s.value for s in
                                            states.LIVE_MIGRATION_IN_PROGRESS]})]

    def get_in_progress(self, context, instance, migration_id):
        """The live migration ``migration_id`` of ``instance`` while in progress; else
        MigrationNotFound."""
        for migration in self.in_progress(context, instance):
            if str(migration.id) == str(migration_id):
                return migration
        raise exception.MigrationNotFound(
            migration_id='%s of instance %s in progress' % (migration_id, instance.uuid))

    def force_complete(self, context, instance, migration_id):
        """Raises MigrationNotFound, InstanceInvalidState (not migrating),
        InvalidMigrationState (not running)."""
        migration = self._migration_of(context, instance, migration_id, 'force_complete')
        if migration.status != M.RUNNING:
            raise exception.InvalidMigrationState(
                migration_id=migration_id, instance_uuid=instance.uuid,
                state=migration.status, method='force complete')
        objects.InstanceAction.action_start(context, instance.uuid, ACTION_FORCE_COMPLETE)
        self.compute.live_migration_force_complete(context, instance, migration)

    def abort(self, context, instance, migration_id, version_allows_queued):
        """Abort a running live migration (from 2.65 also a queued or preparing one).
        Raises MigrationNotFound, InstanceInvalidState, InvalidMigrationState."""
        migration = self._migration_of(context, instance, migration_id, 'abort')
        abortable = (M.RUNNING, M.QUEUED, M.PREPARING) if version_allows_queued else (
            M.RUNNING,)
        if migration.status not in abortable:
            raise exception.InvalidMigrationState(
                migration_id=migration_id, instance_uuid=instance.uuid,
                state=migration.status, method='abort live migration')
        objects.InstanceAction.action_start(context, instance.uuid, ACTION_ABORT)
        self.compute.live_migration_abort(context, instance, migration)

    @staticmethod
    def _migration_of(context, instance, migration_id, method):
        _check_state(instance, method, _MIGRATABLE_VM_STATES, T.MIGRATING)
        try:
            migration = objects.Migration.get_by_id(context.elevated(), int(migration_id))
        except (ValueError, exception.MigrationNotFound):
            migration = None
        if migration is None or migration.instance_uuid != instance.uuid or \
                migration.migration_type != states.MigrationType.LIVE_MIGRATION:
            raise exception.MigrationNotFound(
                migration_id='%s of instance %s' % (migration_id, instance.uuid))
        return migration


def _check_state(instance, method, vm_states, task_state):
    if instance.vm_state not in vm_states:
        raise exception.InstanceInvalidState(method=method, instance_uuid=instance.uuid,
                                             attr='vm_state', state=instance.vm_state)
    if instance.task_state != task_state:
        raise exception.InstanceInvalidState(method=method, instance_uuid=instance.uuid,
                                             attr='task_state', state=instance.task_state)
