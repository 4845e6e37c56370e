"""What a live migration keeps on its instance's record (system metadata
``live_migration``, a JSON object): what was asked (host, block migration, force; the
API writes it with the change to 'migrating') and the plan the checks made (the
"migrate data", added by the conductor). Every step of the operation can thus be sent
again from SQL alone; the key goes when the operation ends."""
import json

from oslo_log import log as logging

from svc_common import exception
from svc_common import states

LOG = logging.getLogger(__name__)
T = states.TaskState
REQUEST_KEY = 'live_migration'


def request_of(instance):
    """{'host', 'block_migration' (True, False or 'auto'), 'force', 'migrate_data'}."""
    raw = instance.system_metadata.get(REQUEST_KEY)
    return json.loads(raw) if raw else {'host': None, 'block_migration': 'auto',
                                        'force': False}


def record_request(instance, host, block_migration, force):
    """Set on the instance before its save to 'migrating' (the API does this)."""
    instance.system_metadata = dict(instance.system_metadata, **{REQUEST_KEY: json.dumps(
        {'host': host, 'block_migration': block_migration, 'force': bool(force)})})


def save_migrate_data(instance, migrate_data):
    request = dict(request_of(instance), migrate_data=migrate_data)
    instance.system_metadata = dict(instance.system_metadata,
                                    **{REQUEST_KEY: json.dumps(request)})
    instance.save(expected_task_state=T.MIGRATING, operation='live_migrate')


def migrate_data_of(instance):
    return request_of(instance).get('migrate_data') or {}


def finish_task(instance, **changes):
    """End the task (the instance stays active) and forget the request."""
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.task_state = None
    instance.system_metadata = {k: v for k, v in instance.system_metadata.items()
                                if k != REQUEST_KEY}
    try:
        instance.save(expected_task_state=T.MIGRATING, operation='live_migrate')
    except (exception.UnexpectedTaskStateError, exception.InstanceNotFound) as error:
        LOG.info('Instance changed while its live migration ended: %s', error,
                 instance=instance)
