"""What a deployment must look like once nothing is in flight, read from its database and
from what its fake hypervisors hold; the crash tests check it after every recovery.

- No live instance is in a task state.
- Every migration has ended, or is ``finished`` while its instance waits in
  VERIFY_RESIZE.
- The claims are exactly what the instances use: each live instance holds its flavor on
  the node it is on, a ``finished`` migration holds the old flavor on its source node,
  and nothing else holds anything.
- Each fake hypervisor (``[fake_driver]/state_file``) holds a guest for exactly the live
  instances on its host, with their flavor and power state, and a pre-resize copy only
  on the source of a resize awaiting confirmation. (Other hypervisors can be read by
  the caller: ``Snapshot(guests=...)``.)
- With real disks (``[fake_driver]/disks``): the disk files are where they belong and
  unchanged (``disk_checks``).

Instances in ERROR are reported, not checked further: what they hold is for an operator
(or a delete) to resolve.
"""
import collections
import json

from tests.integration import disk_checks

TERMINAL = {'confirmed', 'reverted', 'error', 'completed', 'failed', 'cancelled'}
OBJECT_DATA = 'nimbus_object.data'


def _resources(row):
    swap_gb = (getattr(row, 'swap', 0) + 1023) // 1024
    wanted = {'VCPU': row.vcpus, 'MEMORY_MB': row.memory_mb,
              'DISK_GB': row.root_gb + row.ephemeral_gb + swap_gb}
    return {rc: amount for rc, amount in wanted.items() if amount}


def _flavor_name(raw):
    return json.loads(raw)[OBJECT_DATA]['name'] if raw else None


class Snapshot:
    """Everything the checks need, read once."""

    def __init__(self, cloud, hosts, expected_disks=None, guests=None):
        """``expected_disks`` (a ``disk_checks.Expected``) turns the disk checks on.
        ``guests``: what each host's hypervisor holds, {host: {'guests': {uuid: {'flavor':
        name, 'power_state': state}}, 'resize_sources': {uuid: ...}}}, when not the fake
        hypervisors' state files; without 'power_state' or 'resize_sources' (guests that
        power themselves off, pre-resize guests that are only disks) those go unchecked."""
        db = cloud.database
        self.instances = {row.uuid: row for row in db.query(
            'SELECT uuid, host, node, vm_state, task_state, power_state, vcpus, memory_mb, '
            'root_gb, ephemeral_gb, flavor, deleted FROM instances')}
        self.migrations = db.query(
            'SELECT uuid, instance_uuid, status, source_compute, source_node, '
            'dest_compute, dest_node, old_instance_type_id FROM migrations '
            'WHERE deleted = 0 ORDER BY id')
        self.flavors = {row.id: row for row in db.query(
            'SELECT id, name, vcpus, memory_mb, root_gb, ephemeral_gb, swap FROM flavors')}
        self.claims = collections.defaultdict(dict)  # (consumer, host, node) -> {rc: n}
        for row in db.query(
                'SELECT c.consumer_uuid, n.host, n.hypervisor_hostname, c.resource_class, '
                'SUM(c.amount) AS amount FROM resource_claims c '
                'JOIN compute_nodes n ON n.id = c.compute_node_id '
                'GROUP BY c.consumer_uuid, n.host, n.hypervisor_hostname, '
                'c.resource_class'):
            self.claims[(row.consumer_uuid, row.host, row.hypervisor_hostname)][
                row.resource_class] = int(row.amount)
        self.guests = guests if guests is not None else {
            host: cloud.fake_guests(host) for host in hosts}
        self.expected_disks = expected_disks
        self.disks = {host: disk_checks.HostDisks(cloud.instances_path(host))
                      for host in hosts} if expected_disks is not None else {}

    def live(self, uuid):
        row = self.instances.get(uuid)
        return row is not None and not row.deleted


def violations(snapshot, uuids=None):  # noqa: C901
    """What is wrong, as sentences; ``uuids`` limits the checks to those instances (and
    their migrations), otherwise the whole deployment is checked, orphans included."""
    problems = []
    wanted_claims = {}
    migrations_of = collections.defaultdict(list)
    for migration in snapshot.migrations:
        migrations_of[migration.instance_uuid].append(migration)
    scope = set(snapshot.instances) if uuids is None else set(uuids)
    errors = {u for u in scope if snapshot.live(u) and
              snapshot.instances[u].vm_state == 'error'}

    for uuid in sorted(scope):
        row = snapshot.instances.get(uuid)
        live = snapshot.live(uuid)
        if live and row.task_state is not None:
            problems.append('%s is left in task state %s' % (uuid, row.task_state))
        if live and row.host and uuid not in errors:
            wanted_claims[(uuid, row.host, row.node)] = _resources(row)
        for migration in migrations_of.get(uuid, ()):
            if migration.status in TERMINAL:
                continue
            if migration.status == 'finished' and live and row.vm_state == 'resized':
                old = snapshot.flavors[migration.old_instance_type_id]
                wanted_claims[(migration.uuid, migration.source_compute,
                               migration.source_node)] = _resources(old)
            else:
                problems.append('migration %s of %s is left %s' % (
                    migration.uuid, uuid, migration.status))
        if uuid not in errors:
            problems += _guest_problems(snapshot, uuid, row if live else None,
                                        migrations_of.get(uuid, ()))
            if snapshot.disks:
                problems += _disk_problems(snapshot, uuid, row if live else None,
                                           migrations_of.get(uuid, ()))

    if snapshot.disks:
        problems += disk_checks.leftover_captures(snapshot.disks)
    if snapshot.disks and uuids is None:
        problems += disk_checks.orphans(snapshot.disks, set(snapshot.instances))
        problems += disk_checks.base_problems(snapshot.disks, snapshot.expected_disks)
    consumers = scope | {m.uuid for u in scope for m in migrations_of.get(u, ())}
    skipped = errors | {m.uuid for u in errors for m in migrations_of.get(u, ())}
    actual = {key: amounts for key, amounts in snapshot.claims.items()
              if (uuids is None or key[0] in consumers) and key[0] not in skipped}
    for key in sorted(set(actual) | set(wanted_claims)):
        have, want = actual.get(key, {}), wanted_claims.get(key, {})
        if have != want:
            problems.append('claims of %s on %s/%s are %s, expected %s' % (
                key[0], key[1], key[2], have or 'none', want or 'none'))
    return problems


def _awaiting_confirmation(row, migrations):
    """The migrations whose source keeps the pre-resize guest and disks."""
    if row is None or row.vm_state != 'resized':
        return []
    return [m for m in migrations if m.status == 'finished']


def _disk_problems(snapshot, uuid, row, migrations):
    keep_on = {m.source_compute: snapshot.flavors[m.old_instance_type_id].root_gb
               for m in _awaiting_confirmation(row, migrations)}
    return disk_checks.problems_of(uuid, row, row.root_gb if row is not None else None,
                                   keep_on, snapshot.disks, snapshot.expected_disks)


def _guest_problems(snapshot, uuid, row, migrations):
    problems = []
    awaiting = _awaiting_confirmation(row, migrations)
    for host, held in snapshot.guests.items():
        guest = held['guests'].get(uuid)
        should_run_here = row is not None and row.host == host
        if guest is None and should_run_here:
            problems.append('%s has no guest on its host %s' % (uuid, host))
        elif guest is not None and not should_run_here:
            problems.append('%s has a leftover guest on %s' % (uuid, host))
        elif guest is not None:
            if 'power_state' in guest and guest['power_state'] != row.power_state:
                problems.append('guest of %s on %s has power state %s, the instance %s' % (
                    uuid, host, guest['power_state'], row.power_state))
            if guest['flavor'] != _flavor_name(row.flavor):
                problems.append('guest of %s on %s has flavor %s, the instance %s' % (
                    uuid, host, guest['flavor'], _flavor_name(row.flavor)))
        if 'resize_sources' not in held:
            continue
        kept = uuid in held['resize_sources']
        should_keep = any(m.source_compute == host for m in awaiting)
        if kept and not should_keep:
            problems.append('%s has a leftover pre-resize copy on %s' % (uuid, host))
        elif should_keep and not kept:
            problems.append('%s lost its pre-resize copy on %s' % (uuid, host))
    return problems
