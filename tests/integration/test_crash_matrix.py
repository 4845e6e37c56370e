"""The crash matrix: every fault-injection point, hit for real.

For each point of ``svc_common.faults.POINTS``, in one deployment (API, a conductor and
two computes as separate processes over RabbitMQ and PostgreSQL): the service that
reaches the point is given ``fault_points = <point>`` (its config file, then SIGHUP;
more config for some operations, ``ARMED_WITH``), the operation that passes it (boot,
delete, stop, start, hard reboot, resize, confirm, revert, rebuild, snapshot, pause,
unpause, suspend, resume, shelve, unshelve, rescue, unrescue, soft delete, restore) is
asked for through the REST API, the service dies there (exit 137, nothing cleaned up,
the message in hand lost), and it is started again without the point. Within BOUND
seconds the server must have got where the operation takes it (a resize: VERIFY_RESIZE,
then a confirm that must complete) or be in ERROR with a fault that says why, and
``crash_checks`` must find nothing wrong with it.

The computes' fake hypervisors keep real disks (``[fake_driver]/disks``: qcow2 overlays
on a cached base, made and moved by the libvirt driver's disk code), and every server's
guest writes into its disk before its operation, so the checks also find whether its
disk files are where they belong and unchanged.

Every point gets servers of its own, prepared together up front (booted on cmp1, some
stopped, paused, suspended, rescued or soft-deleted, some resized to cmp2), so one
deployment serves the whole matrix. The matrix (point -> outcome, seconds) and its totals
are printed at the end of the run.
"""
import hashlib
import os

import pytest

from svc_common import faults
from compute_svc.virt.disks import utils as disk_utils
from tests.integration import crash_checks
from tests.integration import crash_runner
from tests.integration import deployment
from tests.integration import disk_checks

SOURCE, DEST, CONDUCTOR = 'cmp1', 'cmp2', 'conductor'
HOSTS = (SOURCE, DEST)
OLD_FLAVOR, NEW_FLAVOR = '1', '7'  # m1.tiny -> m1.micro: less memory, more disk
FLAVOR_NAMES = {OLD_FLAVOR: 'm1.tiny', NEW_FLAVOR: 'm1.micro'}
BOUND = 60  # seconds the restarted service has to resolve the operation
IMAGE_DATA = os.urandom(1024 * 1024)
EXPECTED_DISKS = disk_checks.Expected()

# point -> (service that reaches it, state its server starts in, operation)
PLAN = {
    'build.before_spawn': (SOURCE, None, 'boot'),
    'build.after_spawn': (SOURCE, None, 'boot'),
    'conductor.build.after_claim': (CONDUCTOR, None, 'boot'),
    'conductor.build.after_host_saved': (CONDUCTOR, None, 'boot'),
    'delete.after_destroy': (SOURCE, 'ACTIVE', 'delete'),
    'delete.after_release': (SOURCE, 'ACTIVE', 'delete'),
    'stop.after_power_off': (SOURCE, 'ACTIVE', 'stop'),
    'start.after_power_on': (SOURCE, 'SHUTOFF', 'start'),
    # A hard reboot of a suspended server: its saved state dropped, booted afresh.
    'reboot.after_driver': (SOURCE, 'SUSPENDED', 'hard-reboot'),
    'conductor.migrate.after_migration_created': (CONDUCTOR, 'ACTIVE', 'resize'),
    'conductor.migrate.after_dest_claim': (CONDUCTOR, 'ACTIVE', 'resize'),
    'prep_resize.after_claim': (DEST, 'ACTIVE', 'resize'),
    'prep_resize.after_save': (DEST, 'ACTIVE', 'resize'),
    'resize_instance.after_migrating': (SOURCE, 'ACTIVE', 'resize'),
    'resize_instance.during_disk_copy': (SOURCE, 'ACTIVE', 'resize'),
    'resize_instance.after_disk_moved': (SOURCE, 'ACTIVE', 'resize'),
    'resize_instance.after_post_migrating': (SOURCE, 'ACTIVE', 'resize'),
    'finish_resize.after_flavor_applied': (DEST, 'ACTIVE', 'resize'),
    'finish_resize.after_driver': (DEST, 'ACTIVE', 'resize'),
    'finish_resize.after_finished': (DEST, 'ACTIVE', 'resize'),
    'confirm.after_driver': (SOURCE, 'VERIFY_RESIZE', 'confirm'),
    'revert.after_dest_destroy': (DEST, 'VERIFY_RESIZE', 'revert'),
    'revert.after_host_swapped': (DEST, 'VERIFY_RESIZE', 'revert'),
    'finish_revert.after_claims': (SOURCE, 'VERIFY_RESIZE', 'revert'),
    'finish_revert.after_driver': (SOURCE, 'VERIFY_RESIZE', 'revert'),
    'rebuild.after_destroy': (SOURCE, 'ACTIVE', 'rebuild'),
    'rebuild.after_disk': (SOURCE, 'ACTIVE', 'rebuild'),
    'rebuild.after_spawn': (SOURCE, 'ACTIVE', 'rebuild'),
    'snapshot.after_capture': (SOURCE, 'ACTIVE', 'snapshot'),
    'snapshot.during_upload': (SOURCE, 'ACTIVE', 'snapshot'),
    'snapshot.after_upload': (SOURCE, 'ACTIVE', 'snapshot'),
    'pause.after_driver': (SOURCE, 'ACTIVE', 'pause'),
    'unpause.after_driver': (SOURCE, 'PAUSED', 'unpause'),
    'suspend.after_driver': (SOURCE, 'ACTIVE', 'suspend'),
    'resume.after_driver': (SOURCE, 'SUSPENDED', 'resume'),
    'conductor.live_migrate.after_source_claim_moved': (CONDUCTOR, 'ACTIVE', 'live-migrate'),
    'conductor.live_migrate.after_checks': (CONDUCTOR, 'ACTIVE', 'live-migrate'),
    'live_migration.after_preparing': (SOURCE, 'ACTIVE', 'live-migrate'),
    # Resumed at 'running' with the guest still on the source: rolled back.
    'live_migration.after_running': (SOURCE, 'ACTIVE', 'live-migrate-stays'),
    'live_migration.during_disk_copy': (SOURCE, 'ACTIVE', 'live-migrate-stays'),
    'live_migration.after_guest_moved': (SOURCE, 'ACTIVE', 'live-migrate'),
    'live_migration.after_post_migrating': (SOURCE, 'ACTIVE', 'live-migrate'),
    'post_live_migration.after_source_cleanup': (SOURCE, 'ACTIVE', 'live-migrate'),
    'post_live_migration.after_host_changed': (SOURCE, 'ACTIVE', 'live-migrate'),
    'post_live_migration_at_destination.after_completed': (DEST, 'ACTIVE', 'live-migrate'),
    'rollback_live_migration.after_status': (SOURCE, 'ACTIVE', 'live-migrate-abort'),
    'shelve.after_capture': (SOURCE, 'ACTIVE', 'shelve'),
    'shelve.during_upload': (SOURCE, 'ACTIVE', 'shelve'),
    'shelve.after_upload': (SOURCE, 'ACTIVE', 'shelve'),
    'shelve_offload.after_destroy': (SOURCE, 'ACTIVE', 'shelve'),
    'shelve_offload.after_release': (SOURCE, 'ACTIVE', 'shelve'),
    'unshelve.after_spawn': (DEST, 'SHELVED_OFFLOADED', 'unshelve'),
    'unshelve.after_image_discarded': (DEST, 'SHELVED_OFFLOADED', 'unshelve'),
    'rescue.after_driver': (SOURCE, 'ACTIVE', 'rescue'),
    'unrescue.after_driver': (SOURCE, 'RESCUE', 'unrescue'),
    'soft_delete.after_driver': (SOURCE, 'ACTIVE', 'soft_delete'),
    'restore.after_driver': (SOURCE, 'SOFT_DELETED', 'restore'),
}

# operation -> (status, host, flavor name) the server ends in; None: deleted
EXPECTED = {
    'boot': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'delete': None,
    'stop': ('SHUTOFF', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'start': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'hard-reboot': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    # after VERIFY_RESIZE and a confirm
    'resize': ('ACTIVE', DEST, FLAVOR_NAMES[NEW_FLAVOR]),
    'confirm': ('ACTIVE', DEST, FLAVOR_NAMES[NEW_FLAVOR]),
    'revert': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'rebuild': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'snapshot': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'pause': ('PAUSED', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'unpause': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'suspend': ('SUSPENDED', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'resume': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'live-migrate': ('ACTIVE', DEST, FLAVOR_NAMES[OLD_FLAVOR]),
    'live-migrate-stays': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'live-migrate-abort': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    # shelved_offload_time 0: offloaded at once, no host
    'shelve': ('SHELVED_OFFLOADED', None, FLAVOR_NAMES[OLD_FLAVOR]),
    # to the other host (2.91), from the shelved image
    'unshelve': ('ACTIVE', DEST, FLAVOR_NAMES[OLD_FLAVOR]),
    'rescue': ('RESCUE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'unrescue': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'soft_delete': ('SOFT_DELETED', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
    'restore': ('ACTIVE', SOURCE, FLAVOR_NAMES[OLD_FLAVOR]),
}
# operation -> more config its point's service is armed with, dropped with the point when
# the service starts again: a live migration to abort takes 4 s on the source (long enough
# to abort it while it runs, even on a busy machine); every other one is done at once.
ARMED_WITH = {'live-migrate-abort': {'fake_driver': {'live_migrate_delay': '4'}}}
SNAPSHOTS = {}  # server id -> the image its createImage (or shelve) made

MATRIX = crash_runner.Matrix('crash matrix')


def matrix_deployment(tmp_dir, common=None, compute=None):
    """The matrix's deployment (``common``, ``compute``: more config sections)."""
    # reclaim_instance_interval: a DELETE soft-deletes (the delete points use forceDelete).
    common = deployment._merge({
        'DEFAULT': {'report_interval': '1', 'service_down_time': '20',
                    'reclaim_instance_interval': '3600'},
        'conductor': {'reconcile_interval': '1', 'reconcile_after': '3'}}, common)
    roomy = deployment._merge({
        'fake_driver': {'vcpus': '64', 'memory_mb': '262144', 'local_gb': '4000'},
        'compute': {'reap_deleted_interval': '2'}}, compute)
    return deployment.deployment(tmp_dir, 'postgresql', computes=HOSTS,
                                 compute_overrides=roomy, common_overrides=common,
                                 fake_disks=True)


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    with matrix_deployment(tmp_path_factory.mktemp('crash')) as dep:
        yield dep
    MATRIX.report(faults.POINTS, tmp_path_factory.getbasetemp() / 'crash-matrix.txt')


@pytest.fixture(scope='module')
def servers(cloud):
    """{point: server id} for every point that starts from an existing server, all
    prepared at once: booted on the source, then stopped or resized as the plan says."""
    image_id = cloud.create_image(data=IMAGE_DATA)
    EXPECTED_DISKS.bases[disk_utils.cache_name(image_id)] = hashlib.sha256(
        IMAGE_DATA).hexdigest()
    points = [p for p in faults.POINTS if p in PLAN and PLAN[p][1] is not None]
    created = cloud.boot('prep', image_id, flavor=OLD_FLAVOR, count=len(points),
                         availability_zone='nova:%s' % SOURCE)
    prepared = sorted(cloud.wait_for_servers('prep', len(points), timeout=120),
                      key=lambda s: int(s['name'].rsplit('-', 1)[1]))
    assert created and {s['OS-EXT-SRV-ATTR:host'] for s in prepared} == {SOURCE}
    by_point = dict(zip(points, (s['id'] for s in prepared)))
    for number, server_id in enumerate(by_point.values()):
        # What its guest writes after the image's data: each server its own.
        disk = cloud.instances_path(SOURCE) / server_id / 'disk'
        disk_checks.write_as_guest(str(disk), len(IMAGE_DATA), 1 + number)
        EXPECTED_DISKS.record(server_id, SOURCE, str(disk))
    for point, server_id in by_point.items():
        start_state = PLAN[point][1]
        if start_state in crash_runner.REACHED_BY:
            crash_runner.ask(cloud, crash_runner.REACHED_BY[start_state], server_id)
        elif start_state == 'VERIFY_RESIZE':
            crash_runner.ask(cloud, 'resize', server_id, NEW_FLAVOR)
    for point, server_id in by_point.items():
        cloud.wait_for_status(server_id, PLAN[point][1], timeout=120)
    by_point['image'] = image_id
    return by_point


def _start_operation(cloud, point, operation, server_id, image_id):
    """Ask for ``operation``; the id of the server it concerns."""
    if operation == 'boot':
        name = 'crash-%s' % point
        server_id = cloud.boot(name, image_id, flavor=OLD_FLAVOR,
                               availability_zone='nova:%s' % SOURCE)['server']['id']
        EXPECTED_DISKS.views[server_id] = disk_checks.image_view_sha256(IMAGE_DATA)
        return server_id
    if operation == 'rebuild':
        # From the same image: the guest's writes go, the disk is the image's again.
        cloud.server_action(server_id, {'rebuild': {'imageRef': image_id}})
        EXPECTED_DISKS.views[server_id] = disk_checks.image_view_sha256(IMAGE_DATA)
        EXPECTED_DISKS.files.pop(server_id, None)
        return server_id
    if operation == 'snapshot':
        resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                             {'createImage': {'name': 'crash-%s' % point}}, version='2.45',
                             expect=202)
        SNAPSHOTS[server_id] = resp.json()['image_id']
        return server_id
    if operation.startswith('live-migrate'):
        cloud.server_action(server_id, {'os-migrateLive': {'host': DEST,
                                                           'block_migration': 'auto'}})
        if operation == 'live-migrate-abort':
            _abort_when_running(cloud, server_id)
        return server_id
    if operation == 'unshelve':
        cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                      {'unshelve': {'host': DEST}}, version='2.91', expect=202)
        return server_id
    crash_runner.ask(cloud, operation, server_id, NEW_FLAVOR)
    return server_id


def _shelved_image(cloud, server_id):
    server = cloud.request('GET', '/v2.1/servers/%s' % server_id, expect=200).json()
    name = '%s-shelved' % server['server']['name']
    images = cloud.request('GET', '/image/v2/images?name=%s' % name, expect=200).json()
    return images['images'][0]['id'] if images['images'] else None


def _snapshot_problems(cloud, server_id, tmp_path):
    """The snapshot's image is active and holds what the server's guest sees (or it
    was given up and deleted): never left 'saving' or 'queued'."""
    image_id = SNAPSHOTS.get(server_id) or _shelved_image(cloud, server_id)
    if image_id is None:
        return ['no shelved image']
    resp = cloud.request('GET', '/image/v2/images/%s' % image_id)
    if resp.status_code == 404:
        return []
    status = resp.json()['status']
    if status != 'active':
        return ['snapshot image %s is left %s' % (image_id, status)]
    data = cloud.request('GET', '/image/v2/images/%s/file' % image_id, timeout=60)
    path = tmp_path / image_id
    path.write_bytes(data.content)
    if disk_checks.guest_view_sha256(str(path)) != EXPECTED_DISKS.views[server_id]:
        return ['snapshot image %s does not hold what the guest sees' % image_id]
    return []
def _abort_when_running(cloud, server_id):
    path = '/v2.1/servers/%s/migrations' % server_id

    def running():
        found = cloud.request('GET', path, version='2.23', expect=200).json()['migrations']
        return [m for m in found if m['status'] == 'running']
    [migration] = deployment.wait_for(running, 30, 'the live migration to run',
                                      interval=0.05)
    cloud.request('DELETE', '%s/%s' % (path, migration['id']), version='2.24', expect=202)


@pytest.mark.parametrize('point', faults.POINTS)
def test_crash_at(cloud, servers, point, tmp_path):
    assert point in PLAN, 'fault point %s has no entry in the crash matrix' % point
    service, _, operation = PLAN[point]
    with MATRIX.crash(cloud, service, point, ARMED_WITH.get(operation)) as crash:
        server_id = crash.hit(lambda: _start_operation(cloud, point, operation,
                                                       servers.get(point), servers['image']))
        server = crash_runner.settled(cloud, server_id, operation, BOUND)
        seconds = crash.seconds()
        outcome, detail = crash_runner.outcome(server, EXPECTED[operation])
        problems = crash_checks.violations(
            crash_checks.Snapshot(cloud, HOSTS, EXPECTED_DISKS), [server_id])
        if operation in ('snapshot', 'shelve'):
            problems += _snapshot_problems(cloud, server_id, tmp_path)
        if operation == 'unshelve' and _shelved_image(cloud, server_id):
            problems.append('the shelved image is left after the unshelve')
        if problems:
            outcome, detail = 'failed', '; '.join(problems)
        crash.record(outcome, detail, seconds)
    assert outcome in ('recovered', 'ERROR-with-fault'), '%s: %s' % (point, detail)


def _force_down(cloud, host, down):
    services = cloud.request('GET', '/v2.1/os-services?binary=nova-compute&host=%s' % host,
                             version='2.53', expect=200).json()['services']
    cloud.request('PUT', '/v2.1/os-services/%s' % services[0]['id'], {'forced_down': down},
                  version='2.53', expect=200)


def test_servers_deleted_while_their_host_was_down(cloud, servers):
    """The API deletes them itself; the claims go at once, and the guests, disks and a
    resize source's pre-resize copy go when each host reaps deleted instances (the
    source, up, on its next periodic run; the destination when it starts again)."""
    image_id = servers['image']
    active = cloud.boot('down-active', image_id, flavor=OLD_FLAVOR,
                        availability_zone='nova:%s' % DEST)['server']['id']
    resized = cloud.boot('down-resized', image_id, flavor=OLD_FLAVOR,
                         availability_zone='nova:%s' % SOURCE)['server']['id']
    cloud.wait_for_status(active, 'ACTIVE', timeout=60)
    cloud.wait_for_status(resized, 'ACTIVE', timeout=60)
    cloud.server_action(resized, {'resize': {'flavorRef': NEW_FLAVOR}})
    assert cloud.wait_for_status(resized, 'VERIFY_RESIZE', timeout=60)[
        'OS-EXT-SRV-ATTR:host'] == DEST
    cloud.processes[DEST].kill()
    _force_down(cloud, DEST, True)
    try:
        for server_id in (active, resized):
            cloud.request('DELETE', '/v2.1/servers/%s' % server_id, expect=204)
            assert cloud.server(server_id) is None
        deployment.wait_for(
            lambda: not crash_checks.violations(crash_checks.Snapshot(
                cloud, (SOURCE,), EXPECTED_DISKS), [resized]),
            BOUND, 'the source to reap the pre-resize copy', interval=0.5)
        cloud.restart(DEST)
    finally:
        _force_down(cloud, DEST, False)
    problems = crash_checks.violations(
        crash_checks.Snapshot(cloud, HOSTS, EXPECTED_DISKS), [active, resized])
    assert not problems, '\n'.join(problems)


def test_whole_deployment_is_consistent(cloud, servers):
    """After the whole matrix: nothing anywhere in a task state, no migration left open,
    no claim without an owner, no guest or disk without an instance, every cached base
    still the image."""
    problems = crash_checks.violations(crash_checks.Snapshot(cloud, HOSTS, EXPECTED_DISKS))
    assert not problems, '\n'.join(problems)
