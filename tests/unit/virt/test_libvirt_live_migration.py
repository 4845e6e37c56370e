"""The libvirt driver's live-migration steps against test:///default (which cannot
migrate): the checks, the destination's disks, what migrateToURI3 is asked for, an
abort, and the clean-ups on both sides. The real move: tests/libvirt."""
import os

import pytest

pytest.importorskip('libvirt', reason='libvirt-python missing: run tools/install-libvirt')

import libvirt  # noqa: E402

from svc_common.conf import CONF  # noqa: E402
from svc_common import exception  # noqa: E402
from compute_svc.virt.libvirt import guest as guest_mod  # noqa: E402
from compute_svc.virt.libvirt import live_migration  # noqa: E402
from tests.unit.virt.test_libvirt_driver import _instance  # noqa: E402
from tests.unit.virt.test_libvirt_driver import images  # noqa: E402,F401
from tests.unit.virt.test_libvirt_driver import make_driver  # noqa: E402,F401


def _prepared(make_driver, images, block='auto'):
    a, b = make_driver('hostA'), make_driver('hostB')
    inst = _instance(images)
    a.spawn(None, inst, images.root)
    request = dict(b.check_can_live_migrate_destination(None, inst, block),
                   dest_address=b.migration_address())
    data = a.check_can_live_migrate_source(None, inst, request)
    return a, b, inst, b.pre_live_migration(None, inst, data)


def test_checks_choose_a_block_migration_without_shared_storage(make_driver, images):
    a, b, inst, data = _prepared(make_driver, images)
    assert data['block_migration'] is True and data['shared_storage'] is False
    assert data['dest_uri'] == 'qemu+tcp://hostB/system'
    assert (data['source_instances_path'], data['dest_instances_path']) == (
        a.instances_path, b.instances_path)
    # The destination made the disks the incremental copy writes into, on its own base.
    b_disk = os.path.join(b.instances_path, inst.uuid, 'disk')
    assert os.path.exists(b_disk)
    with pytest.raises(exception.MigrationPreCheckError):
        a.check_can_live_migrate_source(None, inst, dict(data, block_migration=False))


def test_migrate_asks_libvirt_for_a_live_peer_to_peer_move(make_driver, images,
                                                           monkeypatch):
    a, b, inst, data = _prepared(make_driver, images)
    calls = []
    monkeypatch.setattr(guest_mod.Guest, 'migrate',
                        lambda self, uri, params, flags: calls.append((uri, params, flags)))
    a.live_migration(None, inst, 'hostB', dict(data, inbound_addr='10.0.0.2'))
    [(uri, params, flags)] = calls
    assert uri == 'qemu+tcp://hostB/system'
    for flag in ('LIVE', 'PEER2PEER', 'PERSIST_DEST', 'UNDEFINE_SOURCE', 'NON_SHARED_INC'):
        assert flags & getattr(libvirt, 'VIR_MIGRATE_' + flag), flag
    xml = params[libvirt.VIR_MIGRATE_PARAM_DEST_XML]
    assert b.instances_path in xml and a.instances_path not in xml
    assert params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] == ['vda']
    assert params[libvirt.VIR_MIGRATE_PARAM_URI] == 'tcp://10.0.0.2'


def test_abort_stops_the_job_and_the_guest_stays(make_driver, images, monkeypatch):
    a, b, inst, data = _prepared(make_driver, images)
    stop = []

    def slow_migrate(self, uri, params, flags):
        while not stop:
            import time
            time.sleep(0.05)
        raise libvirt.libvirtError('operation aborted')
    monkeypatch.setattr(guest_mod.Guest, 'migrate', slow_migrate)
    monkeypatch.setattr(guest_mod.Guest, 'abort_job', lambda self: stop.append(1))
    monkeypatch.setattr(live_migration, 'POLL', 0.01)
    a.live_migration_abort(inst)
    real_watch = a.live._watch
    monkeypatch.setattr(a.live, '_watch', lambda *args: (
        a.live_migration_abort(inst), real_watch(*args))[1])
    with pytest.raises(exception.LiveMigrationAborted):
        a.live_migration(None, inst, 'hostB', data)
    assert stop and not a.live_migration_moved(None, inst)
    a.rollback_live_migration(None, inst, data)
    b.rollback_live_migration_at_destination(None, inst, data)
    assert not os.path.exists(os.path.join(b.instances_path, inst.uuid))
    assert a.list_instance_uuids() == [inst.uuid]


def test_after_the_move_the_source_forgets_the_guest(make_driver, images):
    a, b, inst, data = _prepared(make_driver, images)
    # What a successful migrateToURI3 leaves: the guest defined and running on B only.
    a._existing_guest(inst).destroy()
    a._existing_guest(inst).undefine()
    b.spawn(None, inst, images.root)
    assert a.live_migration_moved(None, inst)
    a.post_live_migration(None, inst, data)
    b.post_live_migration_at_destination(None, inst, data)
    assert not os.path.exists(os.path.join(a.instances_path, inst.uuid))
    assert b.list_instance_uuids() == [inst.uuid]


def test_the_uri_template_names_the_destination(make_driver, images):
    b = make_driver('hostB')
    inst = _instance(images)
    CONF.set_override('live_migration_uri', 'qemu+ssh://%s/system', group='libvirt')
    try:
        assert b.check_can_live_migrate_destination(None, inst, True)['dest_uri'] == \
            'qemu+ssh://hostB/system'
    finally:
        CONF.clear_override('live_migration_uri', group='libvirt')


@pytest.mark.parametrize('vm_state, power_state', [('paused', guest_mod.P.PAUSED),
                                                   ('active', guest_mod.P.RUNNING)])
def test_a_paused_server_stays_paused_a_running_one_runs_again(make_driver, images,
                                                               vm_state, power_state):
    """After a rollback on the source and after the move on the destination, a guest
    paused for the migration (a force-complete) runs again; a paused server's stays
    paused."""
    a, b, inst, data = _prepared(make_driver, images)
    inst.vm_state = vm_state
    a.pause(None, inst)
    a.rollback_live_migration(None, inst, data)
    assert a.get_info(inst).power_state == power_state
    a._existing_guest(inst).destroy()  # test:///default is one hypervisor for both
    a._existing_guest(inst).undefine()
    b.spawn(None, inst, images.root)
    b.pause(None, inst)
    b.post_live_migration_at_destination(None, inst, data)
    assert b.get_info(inst).power_state == power_state
