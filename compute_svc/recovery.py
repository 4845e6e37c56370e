"""Start-up recovery: a compute service that starts (after a crash, a kill, a host
reboot) resolves every instance and migration it owns before anything else can go
wrong with them.

For an instance in a task state, ``svc_common.next_step`` (one table, documented there)
names the step that moves it on; steps that run on this host are sent to this host
again (every handler is idempotent), steps that run elsewhere are sent there, and a
state the table cannot resume ends in ERROR with a fault saying why. A migration this
host takes part in that is still open while its instance has no task (nor waits in
VERIFY_RESIZE) is marked ``error``.
"""
from oslo_log import log as logging

from svc_common import exception
from svc_common import next_step
from svc_common import objects
from svc_common import states
from svc_common import step_sender

LOG = logging.getLogger(__name__)
M = states.MigrationStatus


def _owned_instances(context, host):
    """Instances on this host, plus those whose open migration names this host."""
    owned = {i.uuid: i for i in objects.InstanceList.get_by_filters(
        context, {'host': host, 'in_task': True})}
    for migration in objects.MigrationList.get_by_filters(context, {'host': host}):
        if migration.is_terminal or migration.instance_uuid in owned:
            continue
        try:
            owned[migration.instance_uuid] = objects.Instance.get_by_uuid(
                context, migration.instance_uuid)
        except exception.InstanceNotFound:
            owned.pop(migration.instance_uuid, None)
    return owned.values()


def recover(manager, context):
    """Resolve everything this host owns; returns {instance uuid: step name}."""
    resolved = {}
    for instance in _owned_instances(context, manager.host):
        migration = next_step.current_migration(context, instance)
        step = next_step.next_step(instance, migration)
        if step is None:
            if migration is not None and migration.status != M.FINISHED:
                LOG.warning('Closing migration %s (%s) left open', migration.uuid,
                            migration.status, instance=instance)
                migration.fail()
                resolved[instance.uuid] = 'fail_migration'
            continue
        LOG.warning('Recovering from task state %s: %s on %s', instance.task_state,
                    step.name, step.host or 'the conductor', instance=instance)
        try:
            step_sender.send(context, step, instance, migration, manager.compute_rpcapi,
                       manager.conductor_rpcapi)
        except Exception:
            LOG.exception('Recovery step %s failed', step.name, instance=instance)
        resolved[instance.uuid] = step.name
    return resolved
