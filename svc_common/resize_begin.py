"""Starting a confirm or a revert of a finished resize: run by the API for the user's
request and by the destination compute's auto-confirm periodic task."""
from __future__ import annotations

from typing import TYPE_CHECKING

from svc_common import states

if TYPE_CHECKING:
    from svc_common.compute_rpcapi import ComputeAPI
    from svc_common.context import RequestContext
    from svc_common.objects.instance import Instance
    from svc_common.objects.migration import Migration

T, V, M = states.TaskState, states.VmState, states.MigrationStatus


def begin_confirm(context: RequestContext, instance: Instance, migration: Migration,
                  compute_rpcapi: ComputeAPI) -> None:
    """RESIZED/None -> RESIZE_CONFIRMING, then finished -> confirming, then cast the source.

    The instance goes first: its compare-and-swap is what decides a race with another
    request, and a crash between the two writes leaves a state the recovery table knows
    (resize_confirming with the migration still finished)."""
    write_begin(instance, migration, 'confirm_resize', T.RESIZE_CONFIRMING, M.CONFIRMING)
    compute_rpcapi.confirm_resize(context, instance, migration)


def begin_revert(context: RequestContext, instance: Instance, migration: Migration,
                 compute_rpcapi: ComputeAPI) -> None:
    """As begin_confirm, for a revert (cast to the destination)."""
    write_begin(instance, migration, 'revert_resize', T.RESIZE_REVERTING, M.REVERTING)
    compute_rpcapi.revert_resize(context, instance, migration)


def write_begin(instance: Instance, migration: Migration, operation: str,
                task_state: states.TaskState, status: states.MigrationStatus) -> None:
    """The instance to ``task_state`` (from RESIZED, no task) and the finished migration
    to ``status``: the two writes that begin a confirm or a revert (in the caller's
    transaction, if it has one)."""
    instance.task_state = task_state
    instance.save(expected_task_state=None, expected_vm_state=V.RESIZED, operation=operation)
    migration.status = status
    migration.save(expected_status=(M.FINISHED,))
