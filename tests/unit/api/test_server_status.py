import pytest

from api_svc import server_status
from svc_common import states

V, T = states.VmState, states.TaskState


@pytest.mark.parametrize('vm, task, status', [
    (V.BUILDING, T.SCHEDULING, 'BUILD'), (V.BUILDING, T.SPAWNING, 'BUILD'),
    (V.ACTIVE, None, 'ACTIVE'), (V.ACTIVE, T.POWERING_OFF, 'ACTIVE'),
    (V.ACTIVE, T.REBOOTING, 'REBOOT'), (V.ACTIVE, T.REBOOTING_HARD, 'HARD_REBOOT'),
    (V.ACTIVE, T.RESIZE_PREP, 'RESIZE'), (V.STOPPED, T.RESIZE_FINISH, 'RESIZE'),
    (V.STOPPED, None, 'SHUTOFF'), (V.STOPPED, T.POWERING_ON, 'SHUTOFF'),
    (V.RESIZED, None, 'VERIFY_RESIZE'), (V.RESIZED, T.RESIZE_REVERTING, 'REVERT_RESIZE'),
    (V.RESIZED, T.RESIZE_CONFIRMING, 'VERIFY_RESIZE'),
    (V.ERROR, None, 'ERROR'), (V.DELETED, None, 'DELETED'),
    (V.ACTIVE, T.REBUILDING, 'REBUILD'), (V.STOPPED, T.REBUILD_BLOCK_DEVICE_MAPPING, 'REBUILD'),
    (V.ERROR, T.REBUILD_SPAWNING, 'REBUILD'),
])
def test_status_of(vm, task, status):
    assert server_status.status_of(vm.value, task and task.value) == status


def test_every_state_pair_has_a_status():
    for vm in V:
        for task in list(T) + [None]:
            assert server_status.status_of(vm, task) in server_status.ALL_STATUSES


def test_states_for_statuses():
    assert sorted(server_status.states_for(['SHUTOFF'])) == ['stopped']
    assert sorted(server_status.states_for(['RESIZE'])) == ['active', 'stopped']
    assert sorted(server_status.states_for(['HARD_REBOOT'])) == [
        'active', 'error', 'paused', 'stopped', 'suspended']
    assert server_status.states_for(['MIGRATING']) == {'active': ['migrating'],
                                                       'paused': ['migrating']}
    assert server_status.states_for(['NOPE']) == {}
    assert server_status.states_for(['BUILD']) == {'building': None}
    assert server_status.states_for(['REVERT_RESIZE']) == {'resized': ['resize_reverting']}


@pytest.mark.parametrize('statuses', [[s] for s in sorted(server_status.ALL_STATUSES)] +
                         [['ACTIVE', 'REBOOT'], ['SHUTOFF', 'RESIZE', 'ERROR']])
def test_states_for_is_exactly_the_pairs_showing_the_statuses(statuses):
    pairs = server_status.states_for(statuses)
    for vm in V:
        for task in [None] + [t.value for t in T]:
            tasks = pairs.get(vm.value, [])
            listed = vm.value in pairs and (tasks is None or task in tasks)
            assert listed == (server_status.status_of(vm.value, task) in statuses), (vm, task)
