"""The instance usage audit: compute hosts record each period's run, and
os-instance_usage_audit_log reports them."""
import datetime

import oslo_messaging as messaging

from svc_common import context as nimbus_context
from svc_common import rpc
from svc_common import objects
from svc_common.objects import task_log as task_log_obj
from tests.functional.api import helpers
from tests.functional.conftest import NOTIFYING
from tests.functional.conftest import poll
from tests.functional.test_notifications import _Collector

PATH = '/v2.1/os-instance_usage_audit_log'


def _report(cloud, path=PATH, key='instance_usage_audit_logs', name='list'):
    resp = cloud.admin('GET', path)
    return helpers.validate(resp, '2.1', 'instance_usage_audit_logs',
                            '%s_instance_usage_audit_log' % name)[key]


def test_report_before_any_audit(cloud):
    report = _report(cloud)
    beginning, ending = task_log_obj.audit_period('month')
    assert (report['period_beginning'], report['period_ending']) == (str(beginning),
                                                                     str(ending))
    assert (report['num_hosts'], report['num_hosts_done'], report['num_hosts_not_run'],
            report['hosts_not_run'], report['log'], report['overall_status']) == (
        2, 0, 2, ['host1', 'host2'], {}, '0 of 2 hosts done. 0 errors.')
    report = _report(cloud, PATH + '/2026-03-15%2010:00:00', 'instance_usage_audit_log',
                     'get')
    assert (report['period_beginning'], report['period_ending']) == (
        '2026-02-01 00:00:00', '2026-03-01 00:00:00')
    code, message = helpers.fault(cloud.admin('GET', PATH + '/invalid_time'))
    assert (code, message) == (400, 'Invalid timestamp for date invalid_time')
    assert cloud.request('GET', PATH).status_int == 403
    assert cloud.request('GET', PATH + '/2026-03-15%2010:00:00').status_int == 403


@NOTIFYING
def test_hosts_audit_once_per_period(cloud):
    from svc_common.conf import CONF
    image = helpers.create_image(cloud)
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    host = helpers.server_host(cloud, server_id)
    manager = cloud.aio.compute(host)
    assert manager.audit_instance_usage() is None  # off by default
    CONF.set_override('instance_usage_audit', True)
    CONF.set_override('instance_usage_audit_period', 'hour')
    try:
        # Launched before the last whole hour ended (an instance that ran in it).
        instance = objects.Instance.get_by_uuid(nimbus_context.get_admin_context(),
                                                server_id)
        instance.launched_at = instance.launched_at - datetime.timedelta(hours=2)
        instance.save()
        collector = _Collector()
        listener = messaging.get_notification_listener(
            rpc.get_notification_transport(),
            [messaging.Target(topic='versioned_notifications')], [collector],
            executor='threading')
        listener.start()
        try:
            log = manager.audit_instance_usage()
            exists = poll(lambda: [e for e in collector.events
                                   if e[0] == 'instance.exists'], what='instance.exists')
        finally:
            listener.stop()
            listener.wait()
        assert (log.state, log.task_items, log.errors) == ('DONE', 1, 0)
        (event, publisher, payload), = exists
        assert (payload['uuid'], payload['audit_period']['audit_period_ending']) == (
            server_id, log.period_ending.replace(tzinfo=None).isoformat())
        assert manager.audit_instance_usage() is None  # done for this period
        report = _report(cloud)
        assert (report['num_hosts_done'], report['total_instances'],
                report['hosts_not_run'], report['overall_status']) == (
            1, 1, [h for h in ('host1', 'host2') if h != host],
            '1 of 2 hosts done. 0 errors.')
        assert report['log'][host]['message'].startswith(
            'Instance usage audit ran for host %s, 1 instances in' % host)
        other = cloud.aio.compute('host2' if host == 'host1' else 'host1')
        assert other.audit_instance_usage().task_items == 0
        assert _report(cloud)['overall_status'] == 'ALL hosts done. 0 errors.'
    finally:
        CONF.clear_override('instance_usage_audit')
        CONF.clear_override('instance_usage_audit_period')


def test_a_run_an_earlier_process_left_running_is_done_again(cloud, monkeypatch):
    from compute_svc import usage_audit
    from svc_common.conf import CONF
    CONF.set_override('instance_usage_audit', True)
    try:
        ctx = nimbus_context.get_admin_context()
        beginning, ending = task_log_obj.audit_period('month')
        log = objects.TaskLog(context=ctx, task_name=usage_audit.TASK, host='host1',
                              period_beginning=beginning, period_ending=ending,
                              message='started')
        log.begin_task()
        manager = cloud.aio.compute('host1')
        assert manager.audit_instance_usage() is None  # this process's own run
        monkeypatch.setattr(usage_audit, '_PROCESS_STARTED',
                            datetime.datetime.utcnow() + datetime.timedelta(seconds=5))
        assert manager.audit_instance_usage().state == 'DONE'
        assert _report(cloud)['num_hosts_running'] == 0
    finally:
        CONF.clear_override('instance_usage_audit')
