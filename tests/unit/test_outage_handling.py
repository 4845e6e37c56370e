"""Telling "a dependency is down" from "this failed": PostgreSQL connection failures are
DBConnectionError, a compute hears of the conductor's as DatabaseUnavailable, a starting
service waits for what it needs, and the fake hypervisor's guests outlive a restart."""
import socket
from unittest import mock

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import engines
import oslo_messaging as messaging
from oslo_messaging.rpc import dispatcher
import pytest
import sqlalchemy as sa

from compute_svc.virt import fake
from conductor_svc import object_indirection
from svc_common.conf import CONF
from svc_common.db import api as db_api  # noqa: F401 (registers the error filter)
from svc_common import exception
from svc_common import objects
from svc_common import service
from svc_common.objects import base as obj_base


def _closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_postgresql_refusing_connections_is_a_connection_error():
    """libpq 10+ words it 'connection to server at ... failed', which oslo.db alone
    leaves as a bare OperationalError (an API 500 instead of a 503)."""
    engine = engines.create_engine(
        'postgresql+psycopg2://postgres@127.0.0.1:%d/nimbus' % _closed_port(), max_retries=0)
    with pytest.raises(db_exc.DBConnectionError):
        with engine.connect() as conn:
            conn.execute(sa.text('SELECT 1'))


def test_conductor_reports_a_database_outage_as_database_unavailable(ctx):
    indirection = object_indirection.ObjectIndirection()
    versions = {'Service': objects.Service.VERSION}
    with mock.patch.object(objects.Service, 'get_by_host_and_binary',
                           side_effect=db_exc.DBConnectionError('gone')):
        with pytest.raises(dispatcher.ExpectedException) as raised:
            indirection.object_class_action_versions(
                ctx, 'Service', 'get_by_host_and_binary', versions, ('h', 'b'), {})
    # (the RPC server sends the caller the exception inside, and logs it at debug only)
    assert isinstance(raised.value.exc_info[1], exception.DatabaseUnavailable)


@pytest.mark.parametrize('error', [
    messaging.MessagingTimeout('no reply'), db_exc.DBConnectionError('gone'),
    exception.DatabaseUnavailable(reason='gone')])
def test_outages_are_unavailable_not_failures(error):
    assert service.is_unavailable(error)


def test_other_errors_are_failures():
    assert not service.is_unavailable(exception.NoValidHost(reason='full'))
    assert not service.is_unavailable(ValueError('bug'))


def test_waiting_for_dependencies_retries_with_growing_intervals():
    calls = []

    def register():
        calls.append(1)
        if len(calls) < 4:
            raise messaging.MessagingTimeout('no conductor yet')
        return 'registered'
    with mock.patch.object(service.time, 'sleep') as sleep:
        assert service.wait_for_dependencies('Registering', register) == 'registered'
    assert [c.args[0] for c in sleep.call_args_list] == [1, 2, 4]


def test_waiting_does_not_hide_real_errors():
    with mock.patch.object(service.time, 'sleep') as sleep:
        with pytest.raises(exception.NoValidHost):
            service.wait_for_dependencies('x', mock.Mock(
                side_effect=exception.NoValidHost(reason='full')))
    sleep.assert_not_called()


def test_service_start_waits_for_the_database(ctx):
    manager = mock.Mock(spec=['init_host'])
    svc = service.Service('nimbus-test', 'test', manager, host='h1')
    real = service.register
    attempts = []

    def flaky(*args):
        attempts.append(1)
        if len(attempts) == 1:
            raise db_exc.DBConnectionError('starting up')
        return real(*args)
    with mock.patch.object(service, 'register', side_effect=flaky), \
            mock.patch.object(service.time, 'sleep'), \
            mock.patch.object(service.rpc, 'get_server'):
        svc.start()
    try:
        assert len(attempts) == 2
        assert svc.service_ref.host == 'h1'
        manager.init_host.assert_called_once_with()
    finally:
        svc.stop()


def _heartbeat_through(ctx, can_cast):
    """The conductor client calls a compute's heartbeat makes (prepare kwargs, cast or
    call), with a conductor that can (1.8) or cannot take heartbeats as casts."""
    from svc_common import conductor_rpcapi
    api = conductor_rpcapi.ConductorAPI.__new__(conductor_rpcapi.ConductorAPI)
    api.client = mock.Mock()
    api.client.can_send_version.return_value = can_cast
    api.client.prepare.return_value.call.return_value = ({}, None)
    svc = service.Service('nimbus-test', 'test', mock.Mock(), host='h1')
    svc.service_ref = objects.Service(context=ctx, id=1, host='h1', binary='nimbus-test')
    obj_base.use_indirection(api)
    try:
        svc.heartbeat()
        svc.service_ref.destroy()
    finally:
        obj_base.use_indirection(None)
    return api.client


def test_a_heartbeat_is_a_cast_the_conductor_folds():
    """Through a 1.8 conductor a heartbeat waits for nothing: one cast with the service
    and the time it was sent (a queued one must not count as fresh)."""
    from svc_common import context as nimbus_context
    client = _heartbeat_through(nimbus_context.get_admin_context(), True)
    cast = client.prepare.return_value.cast
    method, kwargs = cast.call_args_list[0].args[1], cast.call_args_list[0].kwargs
    assert method == 'service_heartbeat' and kwargs['service_id'] == 1
    assert kwargs['sent_at']
    assert client.prepare.call_args_list[0].kwargs['version'] == '1.8'


def test_a_heartbeat_waits_for_the_conductor_less_than_service_down_time(ctx):
    """To a conductor older than 1.8 a heartbeat is a call: one taken by a conductor
    that then dies is never answered: it must give up in time for the next one to keep
    the service up; other calls wait as configured."""
    client = _heartbeat_through(ctx, False)
    timeouts = [c.kwargs.get('timeout') for c in client.prepare.call_args_list]
    assert timeouts == [CONF.service_down_time // 2, None]
    assert CONF.service_down_time // 2 < CONF.rpc_response_timeout


def test_fake_guests_outlive_a_restart(tmp_path, ctx, flavor):
    CONF.set_override('state_file', str(tmp_path / 'guests.json'), group='fake_driver')
    try:
        instance = objects.Instance(uuid='6a5b3e0c-6c8e-4f8e-9b64-3f1f0e0c9a11',
                                    flavor=flavor)
        first = fake.FakeDriver()
        first.init_host('h1')
        first.spawn(ctx, instance, None)
        first.power_off(instance)

        second = fake.FakeDriver()
        second.init_host('h1')
        assert second.list_instance_uuids() == [instance.uuid]
        assert second.get_info(instance).power_state == 4  # SHUTDOWN
    finally:
        CONF.clear_override('state_file', group='fake_driver')
