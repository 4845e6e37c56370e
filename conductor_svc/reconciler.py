"""The conductor's reconciler: operations that made no progress for
``[conductor]/reconcile_after`` seconds get their next step sent again, so a cast lost
to a broker restart or a crash delays an operation instead of losing it.

A step is sent again at most once per ``reconcile_after`` (per conductor): a step that
is only slow (waiting on a lost reply, say) gets one more copy queued behind it on its
host, not one every run."""
import datetime
import time

from oslo_log import log as logging
from oslo_utils import timeutils

from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import next_step
from svc_common import objects
from svc_common import step_sender

LOG = logging.getLogger(__name__)
_last_sent = {}  # instance uuid -> (step name, time.monotonic() when sent)


def _last_progress(instance, migration):
    times = [t for t in (instance.updated_at or instance.created_at,
                         migration and (migration.updated_at or migration.created_at)) if t]
    return max(times) if times else None


def reconcile(compute_rpcapi, conductor_rpcapi, context=None):
    """Re-send the next step of every stalled operation; returns {uuid: step name}."""
    context = context or nimbus_context.get_admin_context()
    cutoff = timeutils.utcnow(with_timezone=True) - datetime.timedelta(
        seconds=CONF.conductor.reconcile_after)
    sent = {}
    stalled = set()
    for instance in objects.InstanceList.get_by_filters(
            context, {'in_task': True, 'updated_before': cutoff}):
        migration = next_step.current_migration(context, instance)
        last = _last_progress(instance, migration)
        if last is not None and last > cutoff:
            continue
        step = next_step.next_step(instance, migration)
        if step is None:
            continue
        stalled.add(instance.uuid)
        previous = _last_sent.get(instance.uuid)
        if previous is not None and previous[0] == step.name and \
                time.monotonic() - previous[1] < CONF.conductor.reconcile_after:
            continue  # sent recently: give that copy its time
        try:
            step_sender.send(context, step, instance, migration, compute_rpcapi, conductor_rpcapi)
            sent[instance.uuid] = step.name
            _last_sent[instance.uuid] = (step.name, time.monotonic())
        except Exception:
            LOG.exception('Could not re-send %s', step.name, instance=instance)
    for uuid in set(_last_sent) - stalled:
        del _last_sent[uuid]
    if sent:
        LOG.warning('Reconciler re-sent %d stalled steps: %s', len(sent), sent)
    return sent
