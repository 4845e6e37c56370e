"""Versioned notifications (``instance.<action>.start|end|error``) on the
``versioned_notifications`` topic, for operators' consumers. Sent only when the operator
names a driver in [oslo_messaging_notifications]/driver (``messagingv2``); by default
none is, and a step builds nothing and sends nothing."""
from oslo_log import log as logging

from svc_common import rpc

LOG = logging.getLogger(__name__)


def instance_payload(instance, migration=None):
    payload = {
        'uuid': instance.uuid,
        'display_name': instance.display_name,
        'host': instance.host,
        'node': instance.node,
        'state': instance.vm_state,
        'task_state': instance.task_state,
        'power_state': instance.power_state,
        'tenant_id': instance.project_id,
        'user_id': instance.user_id,
        'flavor': {'flavorid': instance.flavor.flavorid, 'name': instance.flavor.name,
                   'vcpus': instance.flavor.vcpus, 'memory_mb': instance.flavor.memory_mb,
                   'root_gb': instance.flavor.root_gb,
                   'ephemeral_gb': instance.flavor.ephemeral_gb},
    }
    if migration is not None:
        payload['migration'] = {'uuid': migration.uuid, 'status': migration.status,
                                'source_compute': migration.source_compute,
                                'dest_compute': migration.dest_compute,
                                'migration_type': migration.migration_type}
    return payload


def notify_instance(context, instance, action, phase, host, migration=None):
    """Send ``instance.<action>.<phase>``; a broken notifier never breaks an operation."""
    if not rpc.notifying():
        return
    notifier = rpc.get_notifier('nimbus-compute:%s' % host)
    event_type = 'instance.%s.%s' % (action, phase)
    try:
        payload = instance_payload(instance, migration)
        if phase == 'error':
            notifier.error(context, event_type, payload)
        else:
            notifier.info(context, event_type, payload)
    except Exception:
        LOG.exception('Could not send notification %s', event_type)
