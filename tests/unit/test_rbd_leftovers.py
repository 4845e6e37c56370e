"""Which RBD images a host removes from the shared pool after a crash, and which it
must never touch (no Ceph: the decision alone; the Ceph tier proves it on a cluster)."""
import types

import pytest

from svc_common.conf import CONF
from compute_svc import rbd_leftovers

U = '6f1c3f5e-2b8a-4c1e-9a57-0b9e4c1d2a3f'
HOST, OTHER = 'cmp1', 'cmp2'


def _images(*names, owner=HOST, snaps=(), watchers=0):
    return {U + suffix: {'owner': owner, 'snaps': list(snaps), 'watchers': watchers}
            for suffix in names}


def _instance(host=HOST, vm_state='active', task_state=None, deleted=False,
              config_drive=None):
    return types.SimpleNamespace(uuid=U, host=host, vm_state=vm_state,
                                 task_state=task_state, deleted=deleted,
                                 config_drive=config_drive, system_metadata={},
                                 obj_attr_is_set=lambda name: True)


def _plan(images, instance, open_migration=False, recorded=None, host=HOST):
    return rbd_leftovers.plan(host, U, images, instance, open_migration, recorded)


def test_instance_names():
    assert rbd_leftovers.instance_uuid(U + '_disk') == U
    assert rbd_leftovers.instance_uuid(U + '_disk.swap.part') == U
    for name in ('volume-1', 'nouuid_disk', U, U.upper() + '_disk'):
        assert rbd_leftovers.instance_uuid(name) is None


def test_deleted_instance_images_made_here_or_last_here_go():
    images = dict(_images('_disk', '_disk.local', '_disk.part'),
                  **_images('_disk.config', owner=OTHER))
    plan = _plan(images, _instance(deleted=True))
    assert plan.remove == sorted(images)  # it lived here last: all of it
    plan = _plan(images, _instance(host=OTHER, deleted=True))
    assert plan.remove == [U + '_disk', U + '_disk.local', U + '_disk.part']


def test_never_an_image_with_a_watcher():
    images = dict(_images('_disk', watchers=1), **_images('_disk.swap'))
    assert _plan(images, _instance(deleted=True)).remove == [U + '_disk.swap']


def test_unknown_instances_are_left_alone():
    assert not _plan(_images('_disk'), None)


@pytest.mark.parametrize('state', [
    dict(task_state='resize_migrating'), dict(task_state='spawning'),
    dict(vm_state='resized'), dict(vm_state='error'), dict(vm_state='building'),
    dict(vm_state='rescued'), dict(vm_state='soft-delete'),
    dict(task_state='migrating', host=OTHER), dict(vm_state='resized', host=OTHER)])
def test_an_instance_in_flight_or_in_error_keeps_everything(state):
    images = _images('_disk', '_disk.part', '_disk.local', snaps=['nimbus_resize'])
    assert not _plan(images, _instance(**state), recorded={U + '_disk'})


def test_an_open_migration_to_or_from_here_keeps_everything():
    images = _images('_disk', '_disk.part', snaps=['nimbus_resize'])
    assert not _plan(images, _instance(), open_migration=True, recorded={U + '_disk'})


def test_an_instance_on_another_host_is_that_hosts():
    images = _images('_disk', '_disk.part', '_disk.local', snaps=['nimbus_resize'])
    assert not _plan(images, _instance(host=OTHER), recorded={U + '_disk'})


def test_stable_instance_here_loses_what_its_disks_do_not_name():
    images = dict(_images('_disk', snaps=['nimbus_resize', 'nimbus_snapshot_i1', 'other']),
                  **_images('_disk.part', '_disk.local', '_disk.config', owner=OTHER))
    plan = _plan(images, _instance(), recorded={U + '_disk'})
    assert plan.remove == [U + '_disk.config', U + '_disk.local', U + '_disk.part']
    assert plan.drop_snapshot == [(U + '_disk', 'nimbus_resize'),
                                  (U + '_disk', 'nimbus_snapshot_i1')]


def test_stable_instance_here_keeps_its_config_drive():
    images = _images('_disk', '_disk.config')
    assert not _plan(images, _instance(config_drive='True'), recorded={U + '_disk'})
    CONF.set_override('force_config_drive', True, group='compute')
    try:
        assert not _plan(images, _instance(), recorded={U + '_disk'})
    finally:
        CONF.clear_override('force_config_drive', group='compute')


def test_without_disk_info_here_nothing_is_judged():
    assert not _plan(_images('_disk', '_disk.part'), _instance(), recorded=None)


def test_offloaded_instance_loses_the_images_made_here():
    images = dict(_images('_disk'), **_images('_disk.swap', owner=OTHER))
    plan = _plan(images, _instance(host=None, vm_state='shelved_offloaded'))
    assert plan.remove == [U + '_disk']
