"""CPU per call of the object methods every server lifecycle runs most, one thread, on
a scratch SQLite file (the all-in-one's database): an instance's compare-and-swap save
(no change of state, host checked), a migration's compare-and-swap save (status and
destination checked), an instance read by uuid, a migration read by id, a claim on a
node (replacing the consumer's own), a release of a consumer's claims on a node (its two
statements; after the first call there is nothing left to release), the scheduler's
read of what changed in the hosts (nothing has: its three queries). The baseline
in the same run is an empty write transaction (what any call costs before its
statements): per call, the method's own cost is the difference.

    .venv/bin/python bench/object_calls.py [--calls 500] [--rounds 5]
    .venv/bin/python bench/object_calls.py --instructions [--calls 50]

Run it from two checkouts (``PYTHONPATH`` set to each) to compare a change with its
base: the per-call CPU of one thread is steadier than the wall time of a whole
lifecycle, yet on these shared virtual machines two runs of the same code still differ
by up to 1.5x. ``--instructions`` counts instead the machine instructions each call
executes (valgrind's callgrind, the same process run once under it): the same code
gives the same count within a fraction of a percent, whatever else the machine is
doing, so a change of a few percent shows. It takes a minute or two (the interpreter
runs ~50x slower under valgrind). Instructions are not time (a system call or a cache
miss costs more than its instructions say), so a change is best shown both ways.
"""
import argparse
import gc
import pathlib
import tempfile
import time
import uuid

import harness  # bench/harness.py (puts the project on sys.path)
import migrations
from svc_common import context as nimbus_context
from svc_common.db import api as db_api
from svc_common import objects
from svc_common.objects import instance as instance_obj
from svc_common.objects import migration as migration_obj
from svc_common import service as service_mod
from svc_common import states

NAME = 'object_calls'


def _setup(directory):
    url = 'sqlite:///%s' % (pathlib.Path(directory) / 'bench.sqlite')
    migrations.upgrade(url)
    db_api.use_database(url, synchronous=False)
    ctx = nimbus_context.get_admin_context()
    flavor = objects.Flavor(context=ctx, flavorid='1', name='bench', vcpus=1,
                            memory_mb=512, root_gb=1)
    flavor.create()
    instance = objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
                                project_id='bench', user_id='bench', host='h', node='h',
                                vm_state=states.VmState.ACTIVE.value, display_name='b')
    instance.create()
    migration = objects.Migration(
        context=ctx, instance_uuid=instance.uuid, source_compute='h', source_node='h',
        status=states.MigrationStatus.PRE_MIGRATING, dest_compute='d',
        migration_type=states.MigrationType.RESIZE, old_instance_type_id=flavor.id,
        new_instance_type_id=flavor.id)
    migration.create()
    node = objects.ComputeNode(context=ctx, host='h', hypervisor_hostname='h',
                               hypervisor_type='fake', vcpus=10 ** 6, memory_mb=10 ** 9,
                               local_gb=10 ** 6, cpu_allocation_ratio=1.0,
                               ram_allocation_ratio=1.0, disk_allocation_ratio=1.0)
    node.update_inventory()
    service_mod.register(ctx, 'h', 'nimbus-compute', 'compute')
    return ctx, instance, migration, node


@db_api.writer
def _empty_write(context):
    pass


def _calls(ctx, instance, migration, node):
    from conductor_svc.scheduler import host_view
    names = iter(range(10 ** 9))
    hosts = host_view.HostView()
    hosts.read(ctx)
    resources = {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}
    return [
        ('empty write transaction (baseline)', lambda: _empty_write(ctx)),
        ('instance save, compare-and-swap', lambda: instance_obj._instance_update(
            ctx, instance.uuid, {'display_name': 'b%d' % next(names)}, None,
            states.VmState.ACTIVE.value, expected_host='h')),
        ('migration save, compare-and-swap', lambda: migration_obj.update(
            ctx, migration.id, {'progress': next(names) % 100},
            (states.MigrationStatus.PRE_MIGRATING,), expected_dest='d')),
        ('instance read by uuid', lambda: objects.Instance.get_by_uuid(ctx, instance.uuid)),
        ('migration read by id', lambda: objects.Migration.get_by_id(ctx, migration.id)),
        ('claim (replacing its own)', lambda: objects.ResourceClaim.claim(
            ctx, instance.uuid, node.id, resources)),
        ('release on a node', lambda: objects.ResourceClaim.release(
            ctx, migration.uuid, compute_node_id=node.id)),
        ('hosts read, nothing changed', lambda: hosts.read(ctx)),
    ]


def measure(fn, calls, rounds):
    """Median and best microseconds of CPU per call over ``rounds`` rounds."""
    for _ in range(min(calls, 100)):
        fn()
    per_call = []
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(calls):
            fn()
        per_call.append((time.thread_time() - start) / calls * 1e6)
    per_call.sort()
    return per_call[len(per_call) // 2], per_call[0]


def _run_marked(calls):
    """What runs under callgrind: every call warmed up, then each run ``calls`` times
    between two marks."""
    objects.register_all()
    with tempfile.TemporaryDirectory() as directory:
        measured = _calls(*_setup(directory))
        for _, fn in measured:
            for _ in range(20):
                fn()
        # As the services do once started (service.keep_started_objects), and each call
        # from the same collector's state: what a collection walks, and when, is then
        # the calls' own.
        gc.collect()
        gc.freeze()
        for _, fn in measured:
            gc.collect()
            harness.mark()
            for _ in range(calls):
                fn()
        harness.mark()
    return [name for name, _ in measured]


def _instructions(calls):
    """[(call, instructions per call)], from one run of this file under callgrind."""
    output, totals = harness.instructions(__file__, ['--marked', '--calls', str(calls)])
    names = [line[len('call: '):] for line in output.splitlines()
             if line.startswith('call: ')]
    assert len(names) == len(totals), (names, totals)
    return [(name, total / calls) for name, total in zip(names, totals)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--calls', type=int, default=None,
                        help='calls per round (500), or per call with --instructions (50)')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--instructions', action='store_true',
                        help='count instructions per call under valgrind instead of CPU time')
    parser.add_argument('--marked', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.marked:
        for name in _run_marked(args.calls):
            print('call: ' + name)
        return
    if args.instructions:
        calls = args.calls or 50
        rows = [{'call': name, 'instructions': per_call}
                for name, per_call in _instructions(calls)]
        base = rows[0]['instructions']
        for row in rows:
            row['over_baseline'] = row['instructions'] - base
        harness.table('Instructions per call, one thread, SQLite (callgrind, %d calls each)'
                      % calls, [('call', 'call'), ('instructions', 'instructions'),
                                ('over_baseline', 'over the baseline')], rows)
        harness.write(NAME + '_instructions', {'calls': calls}, {'calls': rows})
        return
    args.calls = args.calls or 500
    objects.register_all()
    with tempfile.TemporaryDirectory() as directory:
        rows = []
        for name, fn in _calls(*_setup(directory)):
            median, best = measure(fn, args.calls, args.rounds)
            rows.append({'call': name, 'us_median': median, 'us_best': best})
    base = rows[0]['us_median']
    for row in rows:
        row['us_over_baseline'] = row['us_median'] - base
    harness.table('CPU per call, one thread, SQLite (median of %d rounds of %d calls)' % (
        args.rounds, args.calls), [('call', 'call'), ('us_median', 'us median'),
                                   ('us_best', 'us best'),
                                   ('us_over_baseline', 'us over the baseline')], rows)
    harness.write(NAME, {'calls': args.calls, 'rounds': args.rounds}, {'calls': rows})


if __name__ == '__main__':
    main()
