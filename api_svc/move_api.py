"""Resize and cold migration, the API's part: check the request, record the action,
set resize_prep by compare-and-swap and hand over to the conductor; start a confirm
or a revert through compute_svc.resize; and read the migrations back.

The steps after the cast live in conductor_svc/tasks/migrate.py and compute_svc/resize.py.
"""
import dataclasses
import functools

from oslo_log import log as logging
from oslo_utils import timeutils

from api_svc import compute_api
from api_svc import flavor_access
from api_svc import quota
from svc_common import exception
from svc_common import objects
from svc_common.objects import instance_action as instance_action_obj
from svc_common.objects import migration as migration_obj
from svc_common import operations
from svc_common import resize_begin
from svc_common import states

LOG = logging.getLogger(__name__)
T, M = states.TaskState, states.MigrationStatus

# Instance action names, as Nova records them.
ACTION_RESIZE, ACTION_MIGRATE = 'resize', 'migrate'
ACTION_CONFIRM_RESIZE, ACTION_REVERT_RESIZE = 'confirmResize', 'revertResize'

_MOVABLE_VM_STATES = tuple(sorted(operations.get('resize').start_vm_states(T.RESIZE_PREP)))


class MoveAPI:

    def __init__(self, conductor_client, compute_client):
        self.conductor = conductor_client
        self.compute = compute_client

    # -- starting a move --------------------------------------------------------------
    def resize(self, context, instance, flavor_id):
        """Resize ``instance`` to the flavor with flavor id ``flavor_id``: its checks
        and writes in one transaction, then the cast.

        Raises FlavorNotFound (unknown or disabled flavor), CannotResizeToSameFlavor,
        CannotResizeDisk, InstanceInvalidState, OverQuota."""
        compute_api.check_can_start(instance, 'resize', T.RESIZE_PREP)
        new = compute_api.write_together(context, _check_and_start_resize, instance,
                                         flavor_id)
        compute_api.after_commit(functools.partial(self._cast, context, instance, new,
                                                   ACTION_RESIZE))

    def migrate(self, context, instance, host=None):
        """Cold-migrate ``instance`` (a resize to its own flavor), to ``host`` if named.

        Raises CannotMigrateToSameHost, ComputeHostNotFound, InstanceInvalidState."""
        compute_api.check_can_start(instance, 'migrate', T.RESIZE_PREP, operation='resize')
        if host is not None:
            if host == instance.host:
                raise exception.CannotMigrateToSameHost()
            if compute_api.compute_service(context, host) is None:
                raise exception.ComputeHostNotFound(host=host)
        compute_api.write_together(context, _start, instance, instance.flavor,
                                   ACTION_MIGRATE)
        self._cast(context, instance, instance.flavor, ACTION_MIGRATE, target_host=host)

    def _cast(self, context, instance, flavor, action, target_host=None):
        LOG.info('%s to flavor %s requested', action, flavor.flavorid, instance=instance)
        self.conductor.migrate_server(context, instance, flavor, target_host=target_host)

    # -- ending a move ----------------------------------------------------------------
    def confirm_resize(self, context, instance):
        """Keep the new flavor and host: clean the source. Raises InstanceInvalidState
        outside VERIFY_RESIZE, MigrationNotFound without a finished migration."""
        self._end(context, instance, 'confirmResize', 'confirm_resize',
                  T.RESIZE_CONFIRMING, ACTION_CONFIRM_RESIZE, M.CONFIRMING)

    def revert_resize(self, context, instance):
        """Go back to the old flavor and host."""
        self._end(context, instance, 'revertResize', 'revert_resize', T.RESIZE_REVERTING,
                  ACTION_REVERT_RESIZE, M.REVERTING)

    def _end(self, context, instance, method, operation, task_state, action, status):
        """Begin ending a move (``_begin_end``, one transaction), then cast the
        compute's ``operation`` once that commits."""
        migration = compute_api.write_together(context, _begin_end, instance, method,
                                               operation, task_state, action, status)
        compute_api.after_commit(functools.partial(getattr(self.compute, operation),
                                                   context, instance, migration))

def _check_and_start_resize(context, instance, flavor_id):
    """A resize's checks, then its start (_start); the new flavor."""
    current = instance.flavor
    new = flavor_access.get_visible(context, flavor_id)
    if new.disabled:
        raise exception.FlavorNotFound(flavor_id=flavor_id)
    if new.flavorid == current.flavorid:
        raise exception.CannotResizeToSameFlavor()
    _check_disks(current, new)
    quota.check_resize(context, instance.project_id, current, new)
    _start(context, instance, new, ACTION_RESIZE)
    return new


def _start(context, instance, flavor, action):
    """Record the action, then resize_prep with the requested flavor stored in the
    same write (what the reconciler re-sends migrate_server from); in the caller's
    transaction, so a lost compare-and-swap records no action."""
    instance_action_obj.start_action(context, instance.uuid, action)
    instance.task_state = T.RESIZE_PREP.value
    instance.new_flavor = flavor
    instance.save(expected_task_state=None, expected_vm_state=_MOVABLE_VM_STATES,
                  operation='resize')


def _begin_end(context, instance, method, operation, task_state, action, status):
    """The finished migration a confirm or a revert ends (read with the request's own
    context, no admin copy: in the caller's transaction), the action recorded and both
    records' compare-and-swaps, resize_begin's, in the same transaction (resize_begin's
    begin_confirm and begin_revert would cast before it commits). Returns the
    migration to cast with once committed."""
    migration = _finished_migration(context, instance, method, operation, task_state)
    instance_action_obj.start_action(context, instance.uuid, action)
    resize_begin.write_begin(instance, migration, operation, task_state, status)
    return migration


def _finished_migration(context, instance, method, operation, task_state):
    """The finished migration a confirm or a revert (``operation``, starting
    ``task_state``) ends, once the operation's rows let the instance start it."""
    compute_api.check_can_start(instance, method, task_state, operation=operation,
                                needs_host=False)
    migration = migration_obj.newest_in(context, instance.uuid, M.FINISHED)
    if migration is not None:
        return migration
    raise exception.MigrationNotFound(migration_id='of instance %s' % instance.uuid)


def _check_disks(current, new):
    if new.root_gb == 0 and current.root_gb != 0:
        raise exception.CannotResizeDisk(reason='Resize to zero disk flavor is not allowed.')
    if new.root_gb and new.root_gb < current.root_gb:
        raise exception.CannotResizeDisk(
            reason='Unable to resize the root disk down (%d GB to %d GB).'
                   % (current.root_gb, new.root_gb))
    if new.ephemeral_gb < current.ephemeral_gb:
        raise exception.CannotResizeDisk(
            reason='Unable to resize the ephemeral disk down (%d GB to %d GB).'
                   % (current.ephemeral_gb, new.ephemeral_gb))


# -- reading migrations -------------------------------------------------------------------
@dataclasses.dataclass
class MigrationQuery:
    """What a migration list asks for, already cut to the request's microversion."""
    filters: dict = dataclasses.field(default_factory=dict)  # MigrationList filters
    source_compute: str | None = None
    changes_before: object = None  # a datetime
    limit: int | None = None
    marker: str | None = None  # a migration uuid


def list_migrations(context, query):
    """Migrations, newest first, filtered and paged as ``query`` says."""
    since = query.filters.get('changes-since')
    if since is not None and query.changes_before is not None and \
            _naive(query.changes_before) < _naive(since):
        raise exception.Invalid(message='The value of changes-since must be less than or '
                                        'equal to changes-before.')
    filters = dict(query.filters)
    if query.source_compute:
        filters['source_compute'] = query.source_compute
    if query.changes_before is not None:
        filters['changes-before'] = query.changes_before
    return list(objects.MigrationList.get_by_filters(context, filters, query.limit,
                                                     query.marker))


def _naive(value):
    return timeutils.normalize_time(value) if value is not None else None
