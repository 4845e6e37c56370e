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
])
def test_status_of(vm, task, status):
    assert server_status.status_of(vm.value, task and task.value) == status


def test_every_state_pair_has_a_status():
    for vm in V:
        for task in list(T) + [None]:
            assert server_status.status_of(vm, task) in server_status.ALL_STATUSES


def test_vm_states_for_statuses():
    assert server_status.vm_states_for(['SHUTOFF']) == ['stopped']
    assert server_status.vm_states_for(['RESIZE']) == ['active', 'stopped']
    assert server_status.vm_states_for(['HARD_REBOOT']) == ['active', 'error', 'stopped']
    assert server_status.vm_states_for(['NOPE']) == []
