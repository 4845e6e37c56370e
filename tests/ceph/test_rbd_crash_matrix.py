"""The crash matrix on RBD disks: the resize, cold-migration, confirm, revert and live
migration fault points (plus a boot and a delete), hit for real in a deployment of
separate processes (tests/integration/test_crash_matrix.py's plan and runner) whose
computes keep their disks as RBD images in the cluster's 'vms' pool and whose image
API stores images in its 'images' pool (the disks are clones). Every server's guest
writes into its RBD disk before its operation; after each recovery the database,
guests and instance directories are checked as for the file backends, and the pool by
``rbd_checks`` (the disk present, its size, what the guest reads, the resize snapshot
only while a resize awaits confirmation, nothing left of a deleted instance).

The snapshot and shelve points are those of the copy inside the cluster (their
during_upload is never reached there: nothing is uploaded); the image must end active
holding what the guest sees, or deleted (a snapshot given up). An offloaded server has
no RBD image left; an unshelved one is a clone of its shelved image detached from it,
and the shelved image is gone, from the image API and from the store's pool. Not here:
rebuild, and the power and pause points, which do not touch disks.
"""
import pytest
import rbd

from svc_common import faults
from svc_common import rbd_utils
from tests.ceph import rbd_checks
from tests.integration import crash_checks
from tests.integration import crash_runner
from tests.integration import deployment
from tests.integration import disk_checks
from tests.integration import test_crash_matrix as files

SOURCE, DEST, HOSTS = files.SOURCE, files.DEST, files.HOSTS
POINTS = [
    'build.after_spawn', 'delete.after_destroy',
    'conductor.migrate.after_migration_created', 'conductor.migrate.after_dest_claim',
    'prep_resize.after_claim', 'prep_resize.after_save',
    'resize_instance.after_migrating', 'resize_instance.during_disk_copy',
    'resize_instance.after_disk_moved', 'resize_instance.after_post_migrating',
    'finish_resize.after_flavor_applied', 'finish_resize.after_driver',
    'finish_resize.after_finished',
    'confirm.after_driver',
    'revert.after_dest_destroy', 'revert.after_host_swapped',
    'finish_revert.after_claims', 'finish_revert.after_driver',
    'live_migration.after_preparing', 'live_migration.after_running',
    'live_migration.after_guest_moved', 'post_live_migration.after_source_cleanup',
    'post_live_migration_at_destination.after_completed',
    'rollback_live_migration.after_status',
    # createImage and shelve copied inside the cluster (no capture file, no upload to
    # cut short)
    'snapshot.after_capture', 'snapshot.after_upload',
    'shelve.after_capture', 'shelve.after_upload', 'shelve_offload.after_destroy',
    'shelve_offload.after_release', 'unshelve.after_spawn',
    'unshelve.after_image_discarded',
]
DIRS = disk_checks.Expected(instance_files={'disk.info'})  # RBD: no disk file on hosts
VIEWS = {}  # server id -> what its guest reads from its disk
MATRIX = crash_runner.Matrix('crash matrix on RBD')


@pytest.fixture(scope='module')
def cloud(ceph, tmp_path_factory):
    on_ceph = {'image': {'store': 'rbd', 'rbd_store_pool': 'images',
                         'rbd_store_ceph_conf': ceph.conf}}
    rbd_disks = {'libvirt': {'images_type': 'rbd', 'images_rbd_pool': 'vms',
                             'images_rbd_ceph_conf': ceph.conf}}
    with files.matrix_deployment(tmp_path_factory.mktemp('rbd-crash'), on_ceph,
                                 rbd_disks) as dep:
        yield dep
    MATRIX.report(faults.POINTS, tmp_path_factory.getbasetemp() / 'rbd-crash-matrix.txt')


@pytest.fixture(scope='module')
def pool(ceph):
    return rbd_utils.RbdCluster(ceph.conf, 'vms')


@pytest.fixture(scope='module')
def servers(cloud, pool):
    """{point: server id}, prepared together as the file matrix prepares them, each
    guest writing its own pattern into its RBD disk."""
    image_id = cloud.create_image(data=files.IMAGE_DATA)
    points = [p for p in POINTS if files.PLAN[p][1] is not None]
    cloud.boot('prep', image_id, flavor=files.OLD_FLAVOR, count=len(points),
               availability_zone='nova:%s' % SOURCE)
    prepared = sorted(cloud.wait_for_servers('prep', len(points), timeout=120),
                      key=lambda s: int(s['name'].rsplit('-', 1)[1]))
    by_point = dict(zip(points, (s['id'] for s in prepared)))
    checked = rbd_checks.Pool(pool, HOSTS)
    for number, server_id in enumerate(by_point.values()):
        disk = server_id + '_disk'
        assert checked.images[disk]['owner'] == SOURCE
        rbd_checks.write_as_guest(pool, disk, len(files.IMAGE_DATA), 1 + number)
    checked = rbd_checks.Pool(pool, HOSTS)
    VIEWS.update({sid: checked.view(sid + '_disk')[0] for sid in by_point.values()})
    for point, server_id in by_point.items():
        start_state = files.PLAN[point][1]
        if start_state in crash_runner.REACHED_BY:
            crash_runner.ask(cloud, crash_runner.REACHED_BY[start_state], server_id)
        elif start_state == 'VERIFY_RESIZE':
            crash_runner.ask(cloud, 'resize', server_id, files.NEW_FLAVOR)
    for point, server_id in by_point.items():
        cloud.wait_for_status(server_id, files.PLAN[point][1], timeout=120)
    by_point['image'] = image_id
    return by_point


def _problems(cloud, pool, uuids=None):
    snapshot = crash_checks.Snapshot(cloud, HOSTS, DIRS)
    problems = crash_checks.violations(snapshot, uuids)
    held = rbd_checks.Pool(pool, HOSTS)
    for uuid in uuids if uuids is not None else sorted(snapshot.instances):
        row = snapshot.instances.get(uuid) if snapshot.live(uuid) else None
        awaiting = row is not None and row.vm_state == 'resized'
        problems += rbd_checks.problems_of(uuid, row, awaiting, held, VIEWS)
    if uuids is None:
        problems += rbd_checks.orphans(held, {u for u in snapshot.instances
                                              if snapshot.live(u)})
    return problems


def _snapshot_problems(cloud, pool, server_id):
    image_id = files.SNAPSHOTS.get(server_id) or files._shelved_image(cloud, server_id)
    if image_id is None:
        return ['no shelved image']
    resp = cloud.request('GET', '/image/v2/images/%s' % image_id)
    if resp.status_code == 404:
        return []  # given up and deleted
    image = resp.json()
    if image['status'] != 'active':
        return ['snapshot image %s is left %s' % (image_id, image['status'])]
    store = rbd_utils.RbdCluster(pool.ceph_conf, 'images')
    if rbd_checks.view_of(store, image_id)[0] != VIEWS[server_id]:
        return ['snapshot image %s does not hold what the guest sees' % image_id]
    return []


def _unshelve_problems(cloud, pool, server_id):
    """The shelved image served and went (its RBD image too); the disk no longer
    depends on it."""
    problems = []
    if files._shelved_image(cloud, server_id):
        problems.append('the shelved image is left after the unshelve')
    with pool.image(server_id + '_disk', read_only=True) as disk:
        try:
            problems.append('the unshelved disk is still a clone of %s/%s@%s'
                            % disk.parent_info())
        except rbd.ImageNotFound:
            pass
    return problems


@pytest.mark.parametrize('point', POINTS)
def test_crash_on_rbd_at(cloud, servers, pool, point):
    assert point in faults.POINTS, '%s is not a fault point any more' % point
    service, _, operation = files.PLAN[point]
    with MATRIX.crash(cloud, service, point, files.ARMED_WITH.get(operation)) as crash:
        server_id = crash.hit(lambda: files._start_operation(
            cloud, point, operation, servers.get(point), servers['image']))
        if operation == 'boot':
            VIEWS[server_id] = disk_checks.image_view_sha256(files.IMAGE_DATA)
        server = crash_runner.settled(cloud, server_id, operation, files.BOUND)
        seconds = crash.seconds()
        outcome, detail = crash_runner.outcome(server, files.EXPECTED[operation])
        problems = _problems(cloud, pool, [server_id])
        if operation in ('snapshot', 'shelve'):
            problems += _snapshot_problems(cloud, pool, server_id)
        if operation == 'unshelve':
            problems += _unshelve_problems(cloud, pool, server_id)
        if problems:
            outcome, detail = 'failed', '; '.join(problems)
        crash.record(outcome, detail, seconds)
    assert outcome in ('recovered', 'ERROR-with-fault'), '%s: %s' % (point, detail)


def test_whole_rbd_deployment_is_consistent(cloud, servers, pool):
    """After the matrix: nothing in flight, and no RBD image (nor directory) of the
    deployment's hosts belongs to no live instance."""
    def clean():
        return not _problems(cloud, pool)
    if not clean():  # the reaper runs every 2 s on both hosts
        deployment.wait_for(clean, 30, 'the pool to hold only live disks', interval=1)
    assert not _problems(cloud, pool)
