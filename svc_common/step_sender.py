"""Sending the step ``svc_common.next_step`` names: used by the conductor's reconciler
and by a compute service's start-up recovery."""
from oslo_log import log as logging

from svc_common import exception
from svc_common import instance_events
from svc_common import next_step
from svc_common import objects
from svc_common import states

LOG = logging.getLogger(__name__)


def send(context, step: next_step.Step, instance, migration, compute_rpcapi,  # noqa: C901
         conductor_rpcapi) -> None:
    """Cast ``step`` to where it runs, or do it here for the two steps that are plain
    record changes (``fail`` and ``local_delete``)."""
    LOG.info('Re-sending step %s to %s', step.name, step.host or 'the conductor',
             instance=instance)
    name = step.name
    if name == 'fail':
        if migration is not None:
            migration.fail()
        instance_events.set_error(context, instance, exception.NimbusException(
            'Operation could not be resumed: %s' % step.reason), None)
    elif name == 'local_delete':
        objects.ResourceClaim.release(context, instance.uuid)
        instance.destroy(expected_task_state=states.TaskState.DELETING)
    elif name == 'build_instances':  # scheduled by the instance's stored request spec
        conductor_rpcapi.build_instances(context, [instance], None)
    elif name == 'unshelve_instance' and step.host is None:  # scheduled again
        conductor_rpcapi.unshelve_instance(context, instance)
    elif name == 'migrate_server':
        conductor_rpcapi.migrate_server(context, instance, instance.new_flavor,
                                        migration=migration)
    elif name == 'build_and_run_instance':
        compute_rpcapi.build_and_run_instance(context, step.host, instance, None, {})
    elif name == 'prep_resize':
        compute_rpcapi.prep_resize(context, step.host, instance, instance.new_flavor,
                                   migration, [])
    elif name == 'resize_instance':
        compute_rpcapi.resize_instance(context, instance, migration, instance.new_flavor)
    elif name == 'live_migrate_instance':
        conductor_rpcapi.live_migrate_instance(context, instance, migration)
    elif name in ('finish_resize', 'confirm_resize', 'revert_resize',
                  'finish_revert_resize', 'live_migration', 'post_live_migration',
                  'post_live_migration_at_destination', 'rollback_live_migration'):
        getattr(compute_rpcapi, name)(context, instance, migration)
    else:  # stop_instance, start_instance, reboot_instance, terminate_instance
        getattr(compute_rpcapi, name)(context, instance, **step.kwargs)
