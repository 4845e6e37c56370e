"""The same alembic migrations on SQLite, PostgreSQL and MariaDB: up, down to nothing,
up again, and the result is exactly the schema the models describe."""
import json

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
import pytest
import sqlalchemy as sa

import migrations
from svc_common.db import models
from tests.integration import deployment


@pytest.fixture(params=deployment.ScratchDatabase.BACKENDS)
def database(request, tmp_path):
    db = deployment.ScratchDatabase(request.param, tmp_path)
    yield db
    db.drop()


# The tables each migration after the first adds.
_SERVER_GROUPS = {'instance_groups', 'instance_group_members'}
_AGGREGATES = {'aggregates', 'aggregate_hosts', 'aggregate_metadata'}
ADDED_BY = {'0004': {'key_pairs'}, '0005': _SERVER_GROUPS, '0006': _AGGREGATES,
            '0007': {'flavor_projects'}, '0008': {'quota_classes'}, '0009': {'task_log'},
            '0012': {'networks', 'fixed_ips'}}


def _tables(db):
    return set(sa.inspect(db.engine).get_table_names()) - {'alembic_version'}


def _model_tables(revision=None):
    """The tables the models have, as of ``revision`` (None: the newest)."""
    later = [tables for added_in, tables in ADDED_BY.items()
             if revision is not None and added_in > revision]
    return set(models.Base.metadata.tables) - set().union(*later)


def _add_instance(db, uuid):
    """An instance row as the first migrations' schema takes it (0003 makes created_at
    required)."""
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO instances (uuid, vm_state, vcpus, memory_mb, "
                             "root_gb, ephemeral_gb, power_state, locked, deleted, "
                             "created_at) VALUES (:u, 'building', 1, 1, 1, 0, 0, false, 0, "
                             "'2026-01-02 03:04:05')"), {'u': uuid})


def _schema_diffs(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={'compare_type': True})
        diffs = compare_metadata(context, models.Base.metadata)
    # alembic's own bookkeeping table is not a model.
    return [d for d in diffs if not (isinstance(d, tuple) and d[0] == 'remove_table'
                                     and d[1].name == 'alembic_version')]


def test_upgrade_downgrade_upgrade_matches_models(database):
    model_tables = _model_tables()

    migrations.upgrade(database.url)
    assert _tables(database) == model_tables
    assert migrations.current(database.url) is not None

    migrations.downgrade(database.url, 'base')
    assert _tables(database) == set()
    assert migrations.current(database.url) is None

    migrations.upgrade(database.url)
    assert _tables(database) == model_tables
    assert _schema_diffs(database) == []


def test_request_specs_come_and_go_with_0002(database):
    """0002 adds request_specs beside instances already there and takes only it away."""
    migrations.upgrade(database.url, '0001')
    assert 'request_specs' not in _tables(database)
    _add_instance(database, 'u-1')
    migrations.upgrade(database.url, '0002')
    assert _tables(database) == _model_tables('0002')
    with database.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO request_specs (instance_uuid, spec) "
                             "VALUES ('u-1', '{}')"))
        with pytest.raises(sa.exc.IntegrityError):
            with conn.begin_nested():
                conn.execute(sa.text("INSERT INTO request_specs (instance_uuid, spec) "
                                     "VALUES ('u-1', '{}')"))
    migrations.downgrade(database.url, '0001')
    assert _tables(database) == _model_tables('0002') - {'request_specs'}
    with database.engine.connect() as conn:
        assert conn.execute(sa.text('SELECT uuid FROM instances')).scalars().all() == ['u-1']


def test_0003_fills_missing_created_at_and_indexes_the_list_order(database):
    migrations.upgrade(database.url, '0002')
    with database.engine.begin() as conn:
        for uuid, updated_at in (('u-1', "'2026-01-02 03:04:05'"), ('u-2', 'NULL')):
            conn.execute(sa.text(
                "INSERT INTO instances (uuid, vm_state, vcpus, memory_mb, root_gb, "
                "ephemeral_gb, power_state, locked, deleted, updated_at) VALUES "
                "('%s', 'building', 1, 1, 1, 0, 0, false, 0, %s)" % (uuid, updated_at)))
    migrations.upgrade(database.url, '0003')
    with database.engine.connect() as conn:
        created = dict(conn.execute(sa.text('SELECT uuid, created_at FROM instances')).all())
    assert str(created['u-1']).startswith('2026-01-02 03:04:05') and created['u-2']
    indexes = {i['name']: i['column_names']
               for i in sa.inspect(database.engine).get_indexes('instances')}
    assert indexes['instances_deleted_created_at_idx'] == ['deleted', 'created_at', 'id']
    assert 'instances_project_id_deleted_idx' not in indexes
    migrations.downgrade(database.url, '0002')
    indexes = {i['name'] for i in sa.inspect(database.engine).get_indexes('instances')}
    assert 'instances_project_id_deleted_idx' in indexes
    assert 'instances_deleted_created_at_idx' not in indexes


def test_0004_adds_key_pairs_and_the_servers_key_data(database):
    migrations.upgrade(database.url, '0003')
    _add_instance(database, 'u-1')
    migrations.upgrade(database.url, '0004')
    assert _tables(database) == _model_tables('0004')
    insert = sa.text("INSERT INTO key_pairs (name, user_id, type, deleted) "
                     "VALUES ('k', 'alice', 'ssh', :deleted)")
    with database.engine.begin() as conn:
        assert conn.execute(sa.text('SELECT key_data FROM instances')).scalars().all() == [
            None]
        conn.execute(insert, {'deleted': 0})
        conn.execute(insert, {'deleted': 7})  # a deleted one keeps its name
        with pytest.raises(sa.exc.IntegrityError):
            with conn.begin_nested():
                conn.execute(insert, {'deleted': 0})
    migrations.downgrade(database.url, '0003')
    assert _tables(database) == _model_tables('0003')
    columns = {c['name'] for c in sa.inspect(database.engine).get_columns('instances')}
    assert 'key_data' not in columns
    with database.engine.connect() as conn:
        assert conn.execute(sa.text('SELECT uuid FROM instances')).scalars().all() == ['u-1']


def test_0005_adds_server_groups_and_their_members(database):
    migrations.upgrade(database.url, '0004')
    _add_instance(database, 'u-1')
    migrations.upgrade(database.url, '0005')
    assert _tables(database) == _model_tables('0005')
    member = sa.text("INSERT INTO instance_group_members (group_id, instance_uuid) "
                     "VALUES (:group_id, 'u-1')")
    with database.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO instance_groups (uuid, name, project_id, user_id, policy, rules, "
            "deleted) VALUES ('g-1', 'web', 'p', 'u', 'anti-affinity', "
            "'{\"max_server_per_host\": 2}', 0)"))
        group_id = conn.execute(sa.text("SELECT id FROM instance_groups")).scalar_one()
        conn.execute(member, {'group_id': group_id})
        with pytest.raises(sa.exc.IntegrityError):  # a server is in one group at most
            with conn.begin_nested():
                conn.execute(member, {'group_id': group_id})
    indexes = {i['name'] for i in
               sa.inspect(database.engine).get_indexes('instance_group_members')}
    assert 'instance_group_members_group_id_idx' in indexes
    migrations.downgrade(database.url, '0004')
    assert _tables(database) == _model_tables('0004')
    with database.engine.connect() as conn:
        assert conn.execute(sa.text('SELECT uuid FROM instances')).scalars().all() == ['u-1']


def test_0006_adds_aggregates_their_hosts_and_metadata(database):
    migrations.upgrade(database.url, '0005')
    migrations.upgrade(database.url, '0006')
    assert _tables(database) >= _AGGREGATES
    host = sa.text("INSERT INTO aggregate_hosts (aggregate_id, host) VALUES (:a, 'h1')")
    with database.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO aggregates (uuid, name) VALUES ('a-1', 'rack1')"))
        aggregate_id = conn.execute(sa.text("SELECT id FROM aggregates")).scalar_one()
        conn.execute(host, {'a': aggregate_id})
        metadata = sa.table('aggregate_metadata', sa.column('aggregate_id'),
                            sa.column('key'), sa.column('value'))  # 'key' needs quoting
        conn.execute(metadata.insert().values(aggregate_id=aggregate_id,
                                              key='availability_zone', value='az1'))
        for statement in (host, sa.text("INSERT INTO aggregates (uuid, name) VALUES "
                                        "('a-2', 'rack1')")):
            with pytest.raises(sa.exc.IntegrityError):  # one host once; names unique
                with conn.begin_nested():
                    conn.execute(statement, {'a': aggregate_id})
    migrations.downgrade(database.url, '0005')
    assert _tables(database) == _model_tables('0005')


def test_0007_adds_flavor_projects(database):
    migrations.upgrade(database.url, '0007')
    insert = sa.text("INSERT INTO flavor_projects (flavor_id, project_id) VALUES (:f, 'p1')")
    with database.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO flavors (flavorid, name, memory_mb, vcpus, root_gb, ephemeral_gb, "
            "swap, rxtx_factor, is_public, disabled) VALUES "
            "('f1', 'private', 64, 1, 0, 0, 0, 1.0, false, false)"))
        flavor_id = conn.execute(sa.text("SELECT id FROM flavors")).scalar_one()
        conn.execute(insert, {'f': flavor_id})
        with pytest.raises(sa.exc.IntegrityError):  # a project once per flavor
            with conn.begin_nested():
                conn.execute(insert, {'f': flavor_id})
    migrations.downgrade(database.url, '0006')
    assert _tables(database) == _model_tables('0006')


def test_0008_adds_quota_classes(database):
    migrations.upgrade(database.url, '0008')
    insert = sa.text("INSERT INTO quota_classes (class_name, resource, hard_limit) "
                     "VALUES ('default', 'cores', :limit)")
    with database.engine.begin() as conn:
        conn.execute(insert, {'limit': 40})
        with pytest.raises(sa.exc.IntegrityError):  # one limit per class and resource
            with conn.begin_nested():
                conn.execute(insert, {'limit': 50})
    migrations.downgrade(database.url, '0007')
    assert _tables(database) == _model_tables('0007')


def test_0009_adds_the_task_log(database):
    migrations.upgrade(database.url, '0009')
    insert = sa.text(
        "INSERT INTO task_log (task_name, state, host, period_beginning, period_ending, "
        "message, task_items, errors) VALUES ('instance_usage_audit', 'RUNNING', 'h1', "
        "'2026-01-01 00:00:00', '2026-02-01 00:00:00', 'started', 0, 0)")
    with database.engine.begin() as conn:
        conn.execute(insert)
        with pytest.raises(sa.exc.IntegrityError):  # one run per task, host and period
            with conn.begin_nested():
                conn.execute(insert)
    migrations.downgrade(database.url, '0008')
    assert _tables(database) == _model_tables('0008')


def test_0012_adds_networks_and_their_fixed_ips(database):
    migrations.upgrade(database.url, '0012')
    with database.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO networks (id, uuid, label, cidr, gateway, deleted) VALUES "
            "(1, 'n1', 'private', '10.0.0.0/24', '10.0.0.1', 0)"))
        allocate = sa.text("INSERT INTO fixed_ips (network_id, address, instance_uuid, "
                           "mac_address) VALUES (1, :a, :i, :m)")
        conn.execute(allocate, {'a': '10.0.0.2', 'i': 'i1', 'm': 'fa:16:3e:00:00:01'})
        for taken in ({'a': '10.0.0.2', 'i': 'i2', 'm': 'fa:16:3e:00:00:02'},  # address
                      {'a': '10.0.0.3', 'i': 'i1', 'm': 'fa:16:3e:00:00:03'},  # instance
                      {'a': '10.0.0.4', 'i': 'i3', 'm': 'fa:16:3e:00:00:01'}):  # MAC
            with pytest.raises(sa.exc.IntegrityError):
                with conn.begin_nested():
                    conn.execute(allocate, taken)
    migrations.downgrade(database.url, '0011')
    assert _tables(database) == _model_tables('0011')


def test_0013_moves_the_lock_keys_into_columns_and_back(database):
    migrations.upgrade(database.url, '0012')
    stored = {'u-1': {'image_os': 'cirros', 'locked_by': 'admin', 'locked_reason': 'audit'},
              'u-2': {'locked_by': 'owner'},
              'u-3': {'image_os': 'cirros'}}
    for uuid in stored:
        _add_instance(database, uuid)
    with database.engine.begin() as conn:
        for uuid, system_metadata in stored.items():
            conn.execute(sa.text('UPDATE instances SET system_metadata = :s WHERE uuid = :u'),
                         {'s': json.dumps(system_metadata), 'u': uuid})
    migrations.upgrade(database.url, '0013')
    with database.engine.connect() as conn:
        rows = {row.uuid: (json.loads(row.system_metadata), row.locked_by, row.locked_reason)
                for row in conn.execute(sa.text(
                    'SELECT uuid, system_metadata, locked_by, locked_reason FROM instances'))}
    assert rows == {'u-1': ({'image_os': 'cirros'}, 'admin', 'audit'),
                    'u-2': ({}, 'owner', None),
                    'u-3': ({'image_os': 'cirros'}, None, None)}
    migrations.downgrade(database.url, '0012')
    columns = {c['name'] for c in sa.inspect(database.engine).get_columns('instances')}
    assert not {'locked_by', 'locked_reason'} & columns
    with database.engine.connect() as conn:
        back = {uuid: json.loads(system_metadata) for uuid, system_metadata in conn.execute(
            sa.text('SELECT uuid, system_metadata FROM instances'))}
    assert back == stored
