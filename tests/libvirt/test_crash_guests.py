"""The crash matrix with real guests: fault points where libvirt's own state matters.

One deployment as in tests/integration (``nimbus-api``, a conductor and two computes as
separate processes over RabbitMQ and PostgreSQL), its computes on this machine's
libvirtd with the libvirt driver, each with its own instances path, disks copied between
them by the local transport. The demo guest is uploaded through the deployment's image
API; each boot it prints ``NIMBUS key=value`` lines on its console (its disk's boot
count, a marker written on its first boot, the disk and filesystem sizes) and powers
itself off, so a guest costs CPU only while it boots.

For each point: the servers that start from one are prepared together (booted on cmp1,
those to revert then resized to cmp2), each guest's boot awaited; the service that
reaches the point is armed (its config file, then SIGHUP), the operation is asked for
over REST, the service dies there (exit 137) and is started again. Within BOUND seconds
the server must be where the operation takes it (a resize is then confirmed), its
migration confirmed or reverted, ``crash_checks`` must find nothing wrong (claims, one
domain for it and on its host, its disks there only with the flavor's size, no
``_resize`` copy left), and its guest must have booted again from the disk it had: the
boot count goes on from before, the marker is the same, the disk and filesystem have the
flavor's size, every boot ran to its end and libvirt never had to stop the guest hard.
The matrix (point -> outcome, seconds from the crash to the guest's checked boot) is
printed at the end.
"""
import libvirt
import pytest

from tests.integration import crash_checks
from tests.integration import crash_runner
from tests.integration import deployment
from tests.integration import disk_checks
from tests.libvirt import domains
from tests.libvirt import guest_console

SOURCE, DEST = 'cmp1', 'cmp2'
HOSTS = (SOURCE, DEST)
# m1.tiny (1 GB disk) -> m1.micro (2 GB disk): the disk grows, and the claims of the
# bigger flavor fit the disk of a small test machine.
OLD_FLAVOR, NEW_FLAVOR = '1', '7'
FLAVORS = {OLD_FLAVOR: ('m1.tiny', 1), NEW_FLAVOR: ('m1.micro', 2)}  # name, root GB
GiB = 1024 ** 3
BOUND = 120         # seconds from the crash to the guest's boot after the operation
BOOT_TIMEOUT = 120  # a TCG boot takes 6-20 s; slack for a loaded machine
EXPECTED_DISKS = disk_checks.Expected(disk_checks.LIBVIRT_INSTANCE_FILES)

# point -> (service that reaches it, state its server starts in, operation)
PLAN = {
    'build.after_spawn': (SOURCE, None, 'boot'),
    'resize_instance.during_disk_copy': (SOURCE, 'ACTIVE', 'resize'),
    'finish_resize.after_driver': (DEST, 'ACTIVE', 'resize'),
    'finish_revert.after_claims': (SOURCE, 'VERIFY_RESIZE', 'revert'),
    'finish_revert.after_driver': (SOURCE, 'VERIFY_RESIZE', 'revert'),
}
# operation -> (host, flavor id, final migration status) the server ends ACTIVE with
EXPECTED = {
    'boot': (SOURCE, OLD_FLAVOR, None),
    'resize': (DEST, NEW_FLAVOR, 'confirmed'),
    'revert': (SOURCE, OLD_FLAVOR, 'reverted'),
}
MATRIX = crash_runner.Matrix('real-guest crash matrix')


@pytest.fixture(scope='module')
def cloud(libvirt_host, upload_demo_guest, tmp_path_factory):
    """The deployment, with ``drivers`` (its hosts' domains, seen from here) and
    ``demo_image`` (the demo guest's disk image)."""
    workdir = tmp_path_factory.mktemp('crash-guests')
    common = {'DEFAULT': {'report_interval': '1', 'service_down_time': '20'},
              'conductor': {'reconcile_interval': '1', 'reconcile_after': '3'}}
    computes = {
        # The guests power themselves off: their records stay as the operations left them.
        'compute': {'sync_power_state_interval': '0'},
        'libvirt': {'connection_uri': domains.URI, 'shutdown_timeout': '5',
                    'shutdown_retry_interval': '1'}}
    drivers = None
    try:
        with deployment.deployment(workdir, 'postgresql', computes=HOSTS,
                                   compute_overrides=computes, common_overrides=common,
                                   compute_driver='libvirt') as dep:
            drivers = domains.drivers_for({h: dep.instances_path(h) for h in HOSTS})
            dep.drivers = drivers
            dep.demo_image = upload_demo_guest(dep.api_url + '/image')['nimbus-demo']
            yield dep
    finally:
        if drivers is not None:
            domains.destroy_all(drivers.values())
    MATRIX.report(PLAN, tmp_path_factory.getbasetemp() / 'crash-guests-matrix.txt')


@pytest.fixture(scope='module')
def servers(cloud):
    """{point: (server id, its guest's last boot)} for the points that start from a
    server, prepared together: booted on the source (each first boot awaited), those to
    revert then resized to the destination. Their boot there goes on while the first
    points run; ``_prepared`` awaits it."""
    points = [p for p in PLAN if PLAN[p][1] is not None]
    cloud.boot('prep', cloud.demo_image, flavor=OLD_FLAVOR, count=len(points),
               availability_zone='nova:%s' % SOURCE)
    prepared = sorted(cloud.wait_for_servers('prep', len(points), timeout=BOOT_TIMEOUT),
                      key=lambda s: int(s['name'].rsplit('-', 1)[1]))
    ids = {point: server['id'] for point, server in zip(points, prepared)}
    first = {}
    for point, server_id in ids.items():
        first[point] = _boots_after(cloud, server_id, 0)[-1]
        if PLAN[point][1] == 'VERIFY_RESIZE':
            crash_runner.ask(cloud, 'resize', server_id, NEW_FLAVOR)
    for point, server_id in ids.items():
        state = PLAN[point][1]
        assert cloud.wait_for_status(server_id, state, BOOT_TIMEOUT)[
            'OS-EXT-SRV-ATTR:host'] == (DEST if state == 'VERIFY_RESIZE' else SOURCE)
    return {point: (ids[point], first[point]) for point in points}


def _prepared(cloud, servers, point):
    """The server of ``point`` and its last boot before the operation, once its guest
    is done booting (None, None for a point that makes its server)."""
    server_id, before = servers.get(point, (None, None))
    if PLAN[point][1] == 'VERIFY_RESIZE':
        grown = _boots_after(cloud, server_id, int(before['boot']))[-1]
        assert grown['marker'] == before['marker']
    return server_id, before


def _console(cloud, server_id):
    return cloud.server_action(server_id, {'os-getConsoleOutput': {}}).json()['output']


def _boots_after(cloud, server_id, count, timeout=BOOT_TIMEOUT):
    """The boots on the guest's console once one counted past ``count`` has ended and
    the guest is off (so nothing more is coming)."""
    drivers = cloud.drivers

    def done():
        boots = guest_console.boots(_console(cloud, server_id))
        if not any(int(b.get('boot', 0)) > count and b.get('ready') for b in boots):
            return None
        try:
            running = [g for d in drivers.values() for g in domains.owned(d)
                       if g.uuid == server_id and g.is_active()]
        except libvirt.libvirtError:  # a domain went while listed: look again
            return None
        return None if running else boots
    try:
        return deployment.wait_for(done, timeout, 'a boot past %d of %s' % (
            count, server_id), interval=0.5)
    except TimeoutError:
        raise AssertionError('no boot past %d of %s ended; console:\n%s' % (
            count, server_id, _console(cloud, server_id)[-3000:])) from None


def _guest_problems(cloud, server_id, before, root_gb):
    """What is wrong with the guest's boot after the operation: ``before`` is its last
    boot before it (None for a new server)."""
    boots = _boots_after(cloud, server_id, int(before['boot']) if before else 0)
    last = boots[-1]
    problems = []
    if before and last['marker'] != before['marker']:
        problems.append('the guest booted from another disk (marker %s, before %s)' % (
            last['marker'], before['marker']))
    if int(last['disk_bytes']) != root_gb * GiB or int(last['fs_bytes']) != root_gb * GiB:
        problems.append('the guest saw a %s byte disk with a %s byte filesystem, the '
                        'flavor has %d GiB' % (last['disk_bytes'], last['fs_bytes'], root_gb))
    cut = [b.get('boot', '?') for b in boots if not b.get('ready')]
    if cut:
        problems.append('boots cut short: %s' % ', '.join(cut))
    power_cuts = domains.power_cuts(server_id)
    if power_cuts:
        problems.append('libvirt stopped the guest hard %d time(s)' % power_cuts)
    return problems


def _migration_problems(cloud, server_id, status):
    rows = cloud.database.query('SELECT status FROM migrations WHERE instance_uuid = :u '
                                'ORDER BY id', u=server_id)
    got = rows[-1].status if rows else None
    return [] if got == status else ['its migration is %s, expected %s' % (got, status)]


def _start_operation(cloud, point, operation, server_id):
    if operation == 'boot':
        return cloud.boot('crash-%s' % point, cloud.demo_image, flavor=OLD_FLAVOR,
                          availability_zone='nova:%s' % SOURCE)['server']['id']
    crash_runner.ask(cloud, operation, server_id, NEW_FLAVOR)
    return server_id


@pytest.mark.parametrize('point', PLAN)
def test_crash_at(cloud, servers, point):
    service, _, operation = PLAN[point]
    host, flavor_id, migration_status = EXPECTED[operation]
    flavor_name, root_gb = FLAVORS[flavor_id]
    with MATRIX.crash(cloud, service, point) as crash:
        server_id, before = _prepared(cloud, servers, point)
        server_id = crash.hit(lambda: _start_operation(cloud, point, operation, server_id))
        server = crash_runner.settled(cloud, server_id, operation, BOUND)
        outcome, detail = crash_runner.outcome(server, ('ACTIVE', host, flavor_name))
        problems = crash_checks.violations(crash_checks.Snapshot(
            cloud, HOSTS, EXPECTED_DISKS, guests=domains.held(cloud.drivers)), [server_id])
        problems += _migration_problems(cloud, server_id, migration_status)
        if outcome == 'recovered':
            problems += _guest_problems(cloud, server_id, before, root_gb)
        if crash.seconds() > BOUND:
            problems.append('took %.0fs' % crash.seconds())
        if problems:
            outcome, detail = 'failed', '; '.join(problems)
        crash.record(outcome, detail)
    assert outcome == 'recovered', '%s: %s' % (point, detail)


def test_whole_deployment_is_consistent(cloud, servers):
    """After the matrix: nothing in a task state, no migration open, no claim without an
    owner, one domain per server on its host, no disk without an instance."""
    problems = crash_checks.violations(crash_checks.Snapshot(
        cloud, HOSTS, EXPECTED_DISKS, guests=domains.held(cloud.drivers)))
    assert not problems, '\n'.join(problems)


def test_deleting_the_servers_leaves_nothing(cloud, servers):
    cloud.delete_servers(cloud.servers())
    assert domains.held(cloud.drivers) == {h: {'guests': {}} for h in HOSTS}
    assert {h: disk_checks.HostDisks(cloud.instances_path(h)).dirs for h in HOSTS} == {
        h: {} for h in HOSTS}
