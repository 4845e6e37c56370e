"""Per-project quotas: limits (defaults from [quota], overrides in the quotas table),
usage counted from the instances table, and the check a server create makes.

The defaults are [quota]'s (and Nova's for the resources it has no option for), with
the limits of the quota class 'default' (os-quota-class-sets) over them.

Instances, cores and ram are counted and enforced, metadata items per server checked.
Key pairs are counted per user against the project's limit, as Nova does, and reported
as 0 in use (they belong to users, not projects). Server groups are counted per project
and enforced; server_group_members limits the servers of each group (reported as 0 in
use: it is per group). The other resources Nova lists are reported with Nova's defaults
so that clients find every field they expect, and may be overridden like the enforced
ones.
"""
from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
import sqlalchemy as sa

from svc_common.conf import CONF
from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common import objects

ENFORCED = ('instances', 'cores', 'ram')
PER_USER = ('key_pairs',)
SERVER_GROUPS = ('server_groups', 'server_group_members')

# Resources reported but not enforced, with the defaults Nova uses.
_REPORTED_DEFAULTS = {
    'metadata_items': 128, 'injected_files': 5, 'injected_file_content_bytes': 10240,
    'injected_file_path_bytes': 255, 'floating_ips': -1, 'fixed_ips': -1,
    'security_groups': -1, 'security_group_rules': -1, 'networks': -1,
}
# Resources microversions removed from the API: 2.36 the network ones, 2.57 the files.
NETWORK_RESOURCES = ('floating_ips', 'fixed_ips', 'security_groups', 'security_group_rules',
                     'networks')
FILE_RESOURCES = ('injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes')
ALL_RESOURCES = ENFORCED + PER_USER + SERVER_GROUPS + tuple(_REPORTED_DEFAULTS)


def class_resources_for(version):
    """Quota class resource names shown at a microversion: network ones until 2.50,
    server groups from 2.50, file injection until 2.57 (unlike quota sets, whose
    network resources went at 2.36)."""
    hidden = {'networks'}  # Nimbus never had nova-network
    hidden.update(NETWORK_RESOURCES if version.matches('2.50') else SERVER_GROUPS)
    if version.matches('2.57'):
        hidden.update(FILE_RESOURCES)
    return [r for r in ALL_RESOURCES if r not in hidden]


def resources_for(version):
    """Quota resource names shown at a microversion."""
    hidden = set()
    if version.matches('2.36'):
        hidden.update(NETWORK_RESOURCES)
    else:
        hidden.add('networks')  # Nimbus never had nova-network
    if version.matches('2.57'):
        hidden.update(FILE_RESOURCES)
    return [r for r in ALL_RESOURCES if r not in hidden]


# -- SQL ------------------------------------------------------------------------------
_CLASSES, _QUOTAS = models.QuotaClass.__table__, models.Quota.__table__
_INSTANCES = models.Instance.__table__
# Built once. A project's limits in one statement: its quota class's rows (own 0), then
# its own (own 1), which win.
_LIMIT_ROWS = sa.union_all(
    sa.select(sa.literal_column('0').label('own'), _CLASSES.c.resource,
              _CLASSES.c.hard_limit).where(_CLASSES.c.class_name == sa.bindparam('class_name')),
    sa.select(sa.literal_column('1'), _QUOTAS.c.resource, _QUOTAS.c.hard_limit).where(
        _QUOTAS.c.project_id == sa.bindparam('project_id')))
# What a project's servers use of the enforced resources.
_INSTANCE_USAGE = sa.select(
    sa.func.count(_INSTANCES.c.id), sa.func.sum(_INSTANCES.c.vcpus),
    sa.func.sum(_INSTANCES.c.memory_mb)).where(
    _INSTANCES.c.project_id == sa.bindparam('project_id'), _INSTANCES.c.deleted == 0)


@db_api.reader
def _limits(context, class_name, project_id):
    """{resource: limit} of quota class ``class_name`` with those of ``project_id``
    over them."""
    rows = context.session.execute(_LIMIT_ROWS, {'class_name': class_name,
                                                 'project_id': project_id}).all()
    return {resource: limit for _, resource, limit in sorted(rows, key=lambda r: r[0])}


@db_api.reader
def _class_limits(context, class_name):
    rows = context.session.query(models.QuotaClass).filter_by(class_name=class_name)
    return {row.resource: row.hard_limit for row in rows}


def _set_limits(context, model, owner, limits):
    """Insert or update the limits of ``owner`` ({column: value}) in ``model``'s table.
    Two writers inserting one row at once: the loser's transaction is retried."""
    for resource, limit in limits.items():
        row = context.session.query(model).filter_by(resource=resource, **owner).first()
        if row is None:
            context.session.add(model(resource=resource, hard_limit=limit, **owner))
        else:
            row.hard_limit = limit
    context.session.flush()


@oslo_db_api.wrap_db_retry(max_retries=3, exception_checker=lambda e: isinstance(
    e, db_exc.DBDuplicateEntry))
@db_api.writer
def _set_overrides(context, project_id, limits):
    _set_limits(context, models.Quota, {'project_id': project_id}, limits)


@oslo_db_api.wrap_db_retry(max_retries=3, exception_checker=lambda e: isinstance(
    e, db_exc.DBDuplicateEntry))
@db_api.writer
def _set_class_limits(context, class_name, limits):
    _set_limits(context, models.QuotaClass, {'class_name': class_name}, limits)


@db_api.writer
def _delete_overrides(context, project_id):
    context.session.query(models.Quota).filter_by(project_id=project_id).delete()


@db_api.reader
def _instance_usage(context, project_id):
    """What the project's servers use of ENFORCED."""
    count, cores, ram = context.session.execute(_INSTANCE_USAGE,
                                                {'project_id': project_id}).one()
    return {'instances': int(count or 0), 'cores': int(cores or 0), 'ram': int(ram or 0)}


@db_api.reader
def _usage(context, project_id):
    groups = context.session.query(models.InstanceGroup).filter_by(
        project_id=project_id, deleted=0).count()
    return dict(_instance_usage(context, project_id), server_groups=groups)


# -- operations -----------------------------------------------------------------------
DEFAULT_CLASS = 'default'


def _configured_defaults():
    values = dict(_REPORTED_DEFAULTS)
    values.update(instances=CONF.quota.instances, cores=CONF.quota.cores,
                  ram=CONF.quota.ram, key_pairs=CONF.quota.key_pairs,
                  server_groups=CONF.quota.server_groups,
                  server_group_members=CONF.quota.server_group_members)
    return values


def class_limits(context, class_name):
    """The limits of quota class ``class_name``: [quota] and Nova's defaults, with the
    class's own limits over them."""
    values = _configured_defaults()
    values.update(_class_limits(context, class_name))
    return values


def update_class(context, class_name, new_limits):
    _set_class_limits(context, class_name, new_limits)


def defaults(context):
    """What a project without limits of its own gets: the 'default' class."""
    return class_limits(context, DEFAULT_CLASS)


def limits(context, project_id):
    """The project's limits: its own over the 'default' class's over the configured
    defaults (one query)."""
    values = _configured_defaults()
    values.update(_limits(context, DEFAULT_CLASS, project_id))
    return values


def usage(context, project_id):
    """In-use amounts of every resource (0 for the ones Nimbus does not track)."""
    used = dict.fromkeys(ALL_RESOURCES, 0)
    used.update(_usage(context, project_id))
    return used


def update(context, project_id, new_limits, force=False):
    """Set limits; lowering one below current usage needs ``force``."""
    if not force:
        used = _usage(context, project_id)
        for resource, limit in new_limits.items():
            if limit != -1 and resource in used and limit < used[resource]:
                raise exception.QuotaBelowUsage(limit=limit, resource=resource,
                                                used=used[resource])
    _set_overrides(context, project_id, new_limits)


def reset(context, project_id):
    _delete_overrides(context, project_id)


def check_metadata_items(context, project_id, metadata, limit=None):
    """Raise MetadataLimitExceeded if ``metadata`` has more items than the project's
    metadata_items limit allows a server. ``limit``: the project's limits if the
    request has read them already (they are read otherwise), here and below."""
    allowed = (limit or limits(context, project_id))['metadata_items']
    if 0 <= allowed < len(metadata):
        raise exception.MetadataLimitExceeded(allowed=allowed)


def check_key_pairs(context, project_id, user_id, added=1):
    """Raise KeypairLimitExceeded unless ``user_id`` may hold ``added`` more key pairs
    than it has under the key_pairs limit of ``project_id`` (the caller's project, as in
    Nova). ``added=0`` re-checks after a create: two creates may race past the first."""
    allowed = limits(context, project_id)['key_pairs']
    if allowed >= 0 and \
            objects.KeyPairList.get_count_by_user(context, user_id) + added > allowed:
        raise exception.KeypairLimitExceeded()


def check_server_groups(context, project_id, added=1):
    """Raise ServerGroupLimitExceeded unless the project may hold ``added`` more server
    groups (``added=0`` re-checks after a create, as check_key_pairs)."""
    allowed = limits(context, project_id)['server_groups']
    if allowed >= 0 and _usage(context, project_id)['server_groups'] + added > allowed:
        raise exception.ServerGroupLimitExceeded(overs='server_groups')


def check_server_group_members(context, project_id, members, added, limit=None):
    """Raise ServerGroupMembersLimitExceeded unless a group of ``members`` servers may
    take ``added`` more under the project's server_group_members limit."""
    allowed = (limit or limits(context, project_id))['server_group_members']
    if 0 <= allowed < members + added:
        raise exception.ServerGroupMembersLimitExceeded(overs='server_group_members')


def allowed_instances(context, project_id, flavor, min_count, max_count, limit=None):
    """How many instances of ``flavor`` (<= max_count) the project can still create.

    Raises TooManyInstances, naming the first resource that is short, when even
    ``min_count`` would exceed a limit."""
    limit = limit or limits(context, project_id)
    used = _instance_usage(context, project_id)
    per_instance = {'instances': 1, 'cores': flavor.vcpus, 'ram': flavor.memory_mb}
    allowed = max_count
    for resource in ENFORCED:
        if limit[resource] < 0 or not per_instance[resource]:
            continue
        headroom = max(limit[resource] - used[resource], 0)
        allowed = min(allowed, headroom // per_instance[resource])
    if allowed >= min_count:
        return allowed
    for resource in sorted(ENFORCED):
        requested = per_instance[resource] * min_count
        if 0 <= limit[resource] < used[resource] + requested:
            raise exception.TooManyInstances(overs=resource, req=requested,
                                             used=used[resource], allowed=limit[resource])
    raise AssertionError('quota headroom computed inconsistently')


def check_after_create(context, project_id, requested, limit=None):
    """Re-check usage once the new instances exist (two creates may race past the
    first check). ``requested`` is what they added: {resource: amount}."""
    limit = limit or limits(context, project_id)
    used = _instance_usage(context, project_id)
    for resource in sorted(ENFORCED):
        if 0 <= limit[resource] < used[resource] and requested.get(resource):
            raise exception.TooManyInstances(
                overs=resource, req=requested[resource],
                used=used[resource] - requested[resource], allowed=limit[resource])


def check_resize(context, project_id, old_flavor, new_flavor):
    """Refuse a resize whose growth in cores or RAM would exceed the project's limits.
    Only the growth counts: the instance already uses its current flavor."""
    deltas = {'cores': new_flavor.vcpus - old_flavor.vcpus,
              'ram': new_flavor.memory_mb - old_flavor.memory_mb}
    deltas = {resource: delta for resource, delta in deltas.items() if delta > 0}
    if not deltas:
        return
    limit = limits(context, project_id)
    used = _instance_usage(context, project_id)
    for resource in sorted(deltas):
        if 0 <= limit[resource] < used[resource] + deltas[resource]:
            raise exception.TooManyInstances(overs=resource, req=deltas[resource],
                                             used=used[resource], allowed=limit[resource])
