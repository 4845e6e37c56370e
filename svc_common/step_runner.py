"""One way to run a step of an operation, for compute handlers and conductor tasks alike.

    reload -> done already? -> action event -> work -> sort the error -> roll back or fail

``current`` reloads the instance and answers "done already?" from the operation's rows
(``svc_common.operations``): a step whose instance is gone, or no longer in a task state
the step finishes, has nothing to do (a redelivery, or someone else moved it on). ``run``
does the work under the request's action event and sorts what it raises:

- ``INTERRUPTED``: the conductor, broker or database is away (``service.UNAVAILABLE``).
  Not a failure: the progress is in SQL and the reconciler sends the step again.
- ``DELETED``: the instance was deleted meanwhile; the delete owns it now.
- ``SUPERSEDED``: a compare-and-swap lost to another delivery of the same operation
  (or a reset): the operation is in other hands, and rolling back would undo theirs.
- ``FAILED``: anything else; the step's ``on_failure`` rolls back or fails the
  instance.

A step that does not sort deletions or lost races apart leaves ``on_deleted`` or
``on_superseded`` out, and those go to ``on_failure`` too.
"""
from __future__ import annotations

import dataclasses
import enum
from typing import Any, Callable, Optional, TYPE_CHECKING

from oslo_log import log as logging

from svc_common import exception
from svc_common import instance_events
from svc_common import objects
from svc_common import service
from svc_common import states

if TYPE_CHECKING:
    from svc_common.context import RequestContext
    from svc_common.objects.instance import Instance
    from svc_common.operations import TaskStates

LOG = logging.getLogger(__name__)
Handler = Optional[Callable[[BaseException], None]]


class Outcome(enum.Enum):
    DONE = 'done'
    INTERRUPTED = 'interrupted'
    DELETED = 'deleted'
    SUPERSEDED = 'superseded'
    FAILED = 'failed'


def deleted(error: BaseException) -> bool:
    """The instance went away, or a delete took it over, under the step."""
    return isinstance(error, (exception.InstanceNotFound,
                              exception.UnexpectedDeletingTaskStateError))


def superseded(error: BaseException) -> bool:
    """A compare-and-swap lost to the operation's own next step (not to a delete)."""
    return isinstance(error, (exception.UnexpectedTaskStateError,
                              exception.UnexpectedMigrationStatus)) and not deleted(error)


def current(context: RequestContext, instance: Instance, operation: str,
            task_states: TaskStates, what: str,
            on_gone: Optional[Callable[[], None]] = None, event: Optional[str] = None,
            host: Optional[str] = None, with_nics: bool = False,
            begin: Optional[states.TaskState] = None) -> Optional[Instance]:
    """The instance as SQL has it now, or None when ``what`` has nothing to do: the
    instance is gone (then ``on_gone()``, if given), or not in one of ``task_states``
    with a row of ``operation`` to move on by. With ``event``, the step's action event
    starts with that read (``run`` then only finishes it). ``with_nics``: a step that
    defines the guest reads its addresses (``fixed_ips``) with it. ``begin``: the task
    state the step's work starts in, written with the read (a compare-and-swap; one
    lost to another writer leaves nothing to do)."""
    try:
        found = objects.Instance.get_for_step(context, instance.uuid, operation,
                                              task_states, event, host,
                                              expected_attrs=_nics(with_nics), begin=begin)
    except exception.InstanceNotFound:
        LOG.info('%s: instance %s is gone', what, instance.uuid)
        if on_gone is not None:
            on_gone()
        return None
    return _pending(found, instance, what, task_states, event)


@dataclasses.dataclass
class DestClaim:
    """For ``current_move``: the claim a step needs, the instance holding exactly
    ``resources`` on the migration's destination node, checked in the step's read;
    ``held`` then says whether it does (an ``ensure`` is needed only when not)."""
    resources: dict
    held: Optional[bool] = None


def current_move(context: RequestContext, instance: Instance, migration: Any,
                 statuses: tuple, operation: str, task_states: TaskStates, what: str,
                 event: Optional[str] = None, host: Optional[str] = None,
                 with_nics: bool = False,
                 on_idle: Optional[Callable[[Optional[Instance], Any], None]] = None,
                 begin: Optional[states.TaskState] = None,
                 begin_status: Optional[states.MigrationStatus] = None,
                 new_flavor: bool = False,
                 dest_claim: Optional[DestClaim] = None) -> tuple:
    """``current`` for a step of a move, with its Migration read in the same round trip:
    (instance, migration) as SQL has them now, or (None, None) when ``what`` has nothing
    to do: the migration's status is not one of ``statuses`` (the step was done), or
    ``current`` would say so. In that last case, the migration's step still open but
    the instance gone or not in ``task_states``, ``on_idle(instance or None when gone,
    migration)`` runs first, if given. ``begin`` and ``begin_status``: the task state
    and migration status the step's work starts in, written with the read
    (``new_flavor``: the new flavor applied with them). ``dest_claim``: checked in the
    same read, its ``held`` set when there is a step to run."""
    asked = {} if dest_claim is None else {'dest_claim': dest_claim.resources}
    try:
        found, migration, *held = objects.Instance.get_for_move_step(
            context, instance.uuid, migration.id, [states.value(s) for s in statuses],
            operation, task_states, event, host, expected_attrs=_nics(with_nics),
            begin=begin, begin_status=begin_status, new_flavor=new_flavor, **asked)
    except exception.InstanceNotFound:
        LOG.info('%s: instance %s is gone', what, instance.uuid)
        if on_idle is not None:
            on_idle(None, objects.Migration.get_by_id(context, migration.id))
        return None, None
    if migration.status not in statuses:
        LOG.info('%s already done (migration %s)', what, migration.status, instance=instance)
        return None, None
    found = _pending(found, instance, what, task_states, event)
    if found is None:
        if on_idle is not None:
            on_idle(instance, migration)
        return None, None
    if dest_claim is not None:
        dest_claim.held = held[0]
    return found, migration


def _nics(with_nics: bool) -> Optional[list]:
    return ['fixed_ips'] if with_nics else None


def _pending(found: Optional[Instance], instance: Instance, what: str,
             task_states: TaskStates, event: Optional[str]) -> Optional[Instance]:
    if found is None:
        LOG.info('%s already done (not in %s any more)', what, task_states,
                 instance=instance)
        return None
    found._started_event = event
    return found


def final_save(instance: Instance, migration: Any = None,
               expected_status: Optional[tuple] = None, **save_args: Any) -> None:
    """The step's last write (``Instance.save(**save_args)``), which also ends the
    action event ``run`` has open for the step (Success): one round trip and one
    transaction fewer, and whoever sees the step's end state sees its event ended.
    ``run`` then does not end it again; outside ``run``'s work (e.g. in a failure
    handler) this is a plain save. With ``migration``, its changes are written in the
    same transaction (``Instance.save_with_migration``, compared with
    ``expected_status``)."""
    event = getattr(instance, '_open_event', None)
    if event is not None and not instance.obj_what_changed():
        event = None
    if migration is not None:
        save_with_migration(instance, migration, expected_status, finish_event=event,
                            **save_args)
    else:
        instance.save(finish_event=event, **save_args)
    if event is not None:
        instance._open_event = None  # ended: run does not end it again


def save_with_migration(instance: Instance, migration: Any, expected_status: Optional[tuple],
                        **save_args: Any) -> None:
    """``instance.save(**save_args)`` and, if it changed, ``migration``'s save
    (compared with ``expected_status``) in one transaction and one round trip; both
    objects are then as written."""
    if not migration.obj_what_changed():
        instance.save(**save_args)
        return
    written = instance.save_with_migration(migration, expected_status, **save_args)
    if written is not migration:  # it crossed RPC: take what the conductor wrote
        for name in written.obj_fields:
            if written.obj_attr_is_set(name):
                setattr(migration, name, getattr(written, name))
    migration.obj_reset_changes()


def _sort(error: BaseException, interrupted: tuple = ()) -> Outcome:
    if isinstance(error, service.UNAVAILABLE + tuple(interrupted)):
        return Outcome.INTERRUPTED
    if deleted(error):
        return Outcome.DELETED
    if superseded(error):
        return Outcome.SUPERSEDED
    return Outcome.FAILED


def run(context: RequestContext, instance: Instance, event: Optional[str],
        host: Optional[str], work: Callable[[], None], *,
        on_failure: Callable[[BaseException], None], on_deleted: Handler = None,
        on_superseded: Handler = None, what: Optional[str] = None,
        reraise: bool = False, interrupted: tuple = ()) -> Outcome:
    """Run ``work()`` under the action event ``event`` (None: no event) and sort what it
    raises (see the module's docstring); ``interrupted`` names more errors that leave
    the step for the reconciler (e.g. the image API away). With ``reraise`` a failure
    is raised again once ``on_failure`` ran (the RPC dispatcher logs it)."""
    what = what or event or 'step'
    try:
        if event is None:
            work()
        else:
            started = getattr(instance, '_started_event', None) == event
            with instance_events.action_event(context, instance, event, host,
                                              started=started):
                work()
    except Exception as error:  # sorted below; nothing is swallowed unsorted
        outcome = _sort(error, interrupted)
        handler = {Outcome.DELETED: on_deleted, Outcome.SUPERSEDED: on_superseded}.get(
            outcome, on_failure)
        if outcome == Outcome.INTERRUPTED:
            LOG.warning('%s interrupted (%s: %s); left for the reconciler', what,
                        type(error).__name__, error, instance=instance)
            return outcome
        if handler is None:
            outcome, handler = Outcome.FAILED, on_failure
        elif outcome != Outcome.FAILED:
            LOG.info('%s %s: %s', what, outcome.value, error, instance=instance)
        handler(error)
        if outcome == Outcome.FAILED and reraise:
            raise
        return outcome
    return Outcome.DONE


def log_only(error: BaseException) -> None:
    """A handler for outcomes that need nothing but the log line ``run`` wrote."""
