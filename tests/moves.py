"""A resize as prep_resize leaves it, written straight into SQL, for the tests of the
move steps' reads and their first writes (functional on SQLite, integration on
PostgreSQL and MariaDB)."""
import sqlalchemy as sa


def as_prep_resize_leaves_it(ctx, instance, new_flavor=None):
    """``instance`` active on host 'src', in resize_prep, with a new flavor (its own
    unless ``new_flavor`` is given), and its pre-migrating resize to 'dst'; returns the
    Migration."""
    from svc_common.db import api as db_api
    from svc_common import objects
    from svc_common import states
    with db_api.get_engine().begin() as conn:
        conn.execute(sa.text("UPDATE instances SET vm_state = 'active', "
                             "task_state = 'resize_prep', host = 'src', node = 'src', "
                             "new_flavor = flavor WHERE uuid = :uuid"),
                     {'uuid': instance.uuid})
    if new_flavor is not None:
        stored = objects.Instance.get_by_uuid(ctx, instance.uuid)
        stored.new_flavor = new_flavor
        stored.save()
    migration = objects.Migration(
        context=ctx, instance_uuid=instance.uuid, source_compute='src', source_node='src',
        dest_compute='dst', dest_node='dst', migration_type=states.MigrationType.RESIZE,
        status=states.MigrationStatus.PRE_MIGRATING, user_id='u1', project_id='p1')
    migration.create()
    return migration


def resize_step_read(ctx, instance, migration):
    """resize_instance's read of the instance and the migration, which writes the
    step's first states with it (resize_migrating, migrating); (instance, migration),
    or (None, None) when the step has nothing to do."""
    from svc_common import objects
    from svc_common import states
    T, M = states.TaskState, states.MigrationStatus
    return objects.Instance.get_for_move_step(
        ctx, instance.uuid, migration.id, [M.PRE_MIGRATING, M.MIGRATING, M.POST_MIGRATING],
        'resize', (T.RESIZE_PREP, T.RESIZE_MIGRATING, T.RESIZE_MIGRATED),
        begin=T.RESIZE_MIGRATING, begin_status=M.MIGRATING)
