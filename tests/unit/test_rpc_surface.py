"""The RPC surface is explicit: only the methods the clients call are reachable over the
bus (``@rpc.expose`` under oslo.messaging's explicit access policy); start-up, periodic
and helper methods of the managers are not, nor any method of an object but its
remotable ones through the conductor's object indirection."""
import inspect

import oslo_messaging as messaging
from oslo_messaging.rpc import dispatcher as rpc_dispatcher
import pytest

from compute_svc import manager as compute_manager
from conductor_svc import manager as conductor_manager
from conductor_svc import object_indirection
from svc_common import compute_rpcapi
from svc_common import conductor_rpcapi
from svc_common import exception
from svc_common import objects
from svc_common import rpc

SURFACES = [(compute_manager.ComputeManager, compute_rpcapi.ComputeAPI),
            (conductor_manager.ConductorManager, conductor_rpcapi.ConductorAPI)]


def _exposed(cls):
    return {name for name in dir(cls)
            if getattr(getattr(cls, name, None), 'exposed', False)}


# Public client methods that send nothing (they ask what the server can take).
NOT_SENT = {'can_cast_heartbeats'}


def _client_methods(cls):
    return {name for name, value in vars(cls).items()
            if callable(value) and not name.startswith('_') and name not in NOT_SENT}


@pytest.mark.parametrize('manager, client', SURFACES)
def test_what_is_exposed_is_what_the_client_calls(manager, client):
    assert _exposed(manager) == _client_methods(client)


def _dispatch(endpoint, method):
    dispatcher = rpc_dispatcher.RPCDispatcher([endpoint], serializer=None,
                                              access_policy=rpc.ACCESS_POLICY)

    class Incoming:
        ctxt = {}
        client_timeout = None
        message = {'method': method, 'args': {}, 'version': endpoint.target.version}
    return dispatcher.dispatch(Incoming())


class _Compute(compute_manager.ComputeManager):
    def __init__(self):  # no driver, no clients: only what dispatching looks at
        self.called = []

    def instance_lock(self, instance):
        raise AssertionError('not reached')

    @rpc.expose
    def get_console_output(self, context, instance=None, tail_length=None):
        self.called.append('get_console_output')
        return 'console'


class _Conductor(conductor_manager.ConductorManager):
    def __init__(self):
        pass


@pytest.mark.parametrize('endpoint, method', [
    (_Compute, 'init_host'), (_Compute, 'reap_deleted'), (_Compute, 'after_start'),
    (_Compute, 'sync_power_states'), (_Conductor, 'reconcile'),
    (_Conductor, 'periodic_tasks'), (_Conductor, '_migrate_server')])
def test_methods_off_the_surface_are_refused(endpoint, method):
    with pytest.raises(messaging.NoSuchMethod):
        _dispatch(endpoint(), method)


def test_an_exposed_method_is_dispatched():
    endpoint = _Compute()
    assert _dispatch(endpoint, 'get_console_output') == 'console'
    assert endpoint.called == ['get_console_output']


# -- the objects' surface: object indirection runs remotable methods only ---------------
def _answer(call):
    """What the conductor's RPC server would send back for ``call()``."""
    with pytest.raises(rpc_dispatcher.ExpectedException) as raised:
        call()
    return raised.value.exc_info[1]


@pytest.mark.parametrize('objmethod', ['_from_db_object', 'obj_class_from_name',
                                       '_to_db_values', 'no_such_method'])
def test_object_indirection_refuses_class_methods_that_are_not_remotable(ctx, objmethod):
    indirection = object_indirection.ObjectIndirection()
    versions = {'Instance': objects.Instance.VERSION}
    error = _answer(lambda: indirection.object_class_action_versions(
        ctx, 'Instance', objmethod, versions, (), {}))
    assert isinstance(error, exception.ObjectMethodNotRemotable)


@pytest.mark.parametrize('objmethod', ['obj_reset_changes', 'obj_load_attr', 'obj_clone'])
def test_object_indirection_refuses_instance_methods_that_are_not_remotable(
        ctx, flavor, objmethod):
    indirection = object_indirection.ObjectIndirection()
    error = _answer(lambda: indirection.object_action(ctx, flavor, objmethod, (), {}))
    assert isinstance(error, exception.ObjectMethodNotRemotable)


def test_object_indirection_runs_remotable_methods(ctx, flavor):
    indirection = object_indirection.ObjectIndirection()
    found = indirection.object_class_action_versions(
        ctx, 'Flavor', 'get_by_flavor_id', {'Flavor': objects.Flavor.VERSION},
        (flavor.flavorid,), {})
    assert found.name == flavor.name
    flavor.description = 'renamed'
    indirection.object_action(ctx, flavor, 'save', (), {})
    assert objects.Flavor.get_by_flavor_id(ctx, flavor.flavorid).description == 'renamed'


# -- wiring: the composition root makes the collaborators, the managers none -----------
@pytest.mark.parametrize('manager', [compute_manager.ComputeManager,
                                     conductor_manager.ConductorManager])
def test_a_manager_makes_no_collaborator_of_its_own(manager):
    """Without the clients (and the scheduler, the driver) cmd.make_service passes, a
    manager is not made: nothing can reach the bus around the composition root."""
    with pytest.raises(TypeError):
        manager()
    names = set(inspect.signature(manager.__init__).parameters) - {'self'}
    assert {'compute_rpcapi', 'conductor_rpcapi'} <= names
    assert all(p.default is inspect.Parameter.empty
               for p in inspect.signature(manager.__init__).parameters.values())
