"""SQLAlchemy models. The schema itself is created by alembic (migrations/);
a test compares these models with the migrated schema on every backend."""
import datetime

import sqlalchemy as sa
from sqlalchemy import orm


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Base(orm.DeclarativeBase):
    pass


class TimestampMixin:
    created_at = sa.Column(sa.DateTime, default=_now)
    updated_at = sa.Column(sa.DateTime, onupdate=_now)


class SoftDeleteMixin:
    """``deleted`` is 0 while alive and the row id once deleted, so unique keys that
    include it let a name be reused after deletion."""
    deleted_at = sa.Column(sa.DateTime)
    deleted = sa.Column(sa.Integer, nullable=False, default=0)


class Service(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'services'
    __table_args__ = (sa.UniqueConstraint('host', 'binary', 'deleted',
                                          name='uniq_services0host0binary0deleted'),
                      # The scheduler reads the services changed since its last read.
                      sa.Index('services_updated_at_idx', 'updated_at'),
                      sa.Index('services_created_at_idx', 'created_at'))
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    host = sa.Column(sa.String(255), nullable=False)
    binary = sa.Column(sa.String(255), nullable=False)
    topic = sa.Column(sa.String(255))
    report_count = sa.Column(sa.Integer, nullable=False, default=0)
    disabled = sa.Column(sa.Boolean, nullable=False, default=False)
    disabled_reason = sa.Column(sa.String(255))
    forced_down = sa.Column(sa.Boolean, nullable=False, default=False)
    last_seen_up = sa.Column(sa.DateTime)
    version = sa.Column(sa.Integer, nullable=False, default=0)


class ComputeNode(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'compute_nodes'
    __table_args__ = (sa.UniqueConstraint('host', 'hypervisor_hostname', 'deleted',
                                          name='uniq_compute_nodes0host0hypervisor_hostname0deleted'),
                      # The scheduler reads the nodes changed since its last read.
                      sa.Index('compute_nodes_updated_at_idx', 'updated_at'),
                      sa.Index('compute_nodes_created_at_idx', 'created_at'))
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    host = sa.Column(sa.String(255), nullable=False)
    hypervisor_hostname = sa.Column(sa.String(255), nullable=False)
    hypervisor_type = sa.Column(sa.String(255), nullable=False)
    hypervisor_version = sa.Column(sa.Integer, nullable=False, default=0)
    host_ip = sa.Column(sa.String(64))
    vcpus = sa.Column(sa.Integer, nullable=False)
    memory_mb = sa.Column(sa.Integer, nullable=False)
    local_gb = sa.Column(sa.Integer, nullable=False)
    cpu_allocation_ratio = sa.Column(sa.Float, nullable=False)
    ram_allocation_ratio = sa.Column(sa.Float, nullable=False)
    disk_allocation_ratio = sa.Column(sa.Float, nullable=False)
    reserved_host_memory_mb = sa.Column(sa.Integer, nullable=False, default=0)
    reserved_host_disk_mb = sa.Column(sa.Integer, nullable=False, default=0)
    # Bumped by every claim; a claim commits only if the generation it read is current.
    generation = sa.Column(sa.Integer, nullable=False, default=0)


class ResourceClaim(Base):
    __tablename__ = 'resource_claims'
    __table_args__ = (
        sa.UniqueConstraint('consumer_uuid', 'compute_node_id', 'resource_class',
                            name='uniq_resource_claims0consumer0node0class'),
        sa.Index('resource_claims_compute_node_idx', 'compute_node_id'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    consumer_uuid = sa.Column(sa.String(36), nullable=False)
    compute_node_id = sa.Column(sa.Integer, sa.ForeignKey('compute_nodes.id'), nullable=False)
    resource_class = sa.Column(sa.String(32), nullable=False)
    amount = sa.Column(sa.Integer, nullable=False)
    created_at = sa.Column(sa.DateTime, default=_now)


class Flavor(Base, TimestampMixin):
    __tablename__ = 'flavors'
    id = sa.Column(sa.Integer, primary_key=True)
    flavorid = sa.Column(sa.String(255), nullable=False, unique=True)
    name = sa.Column(sa.String(255), nullable=False, unique=True)
    memory_mb = sa.Column(sa.Integer, nullable=False)
    vcpus = sa.Column(sa.Integer, nullable=False)
    root_gb = sa.Column(sa.Integer, nullable=False)
    ephemeral_gb = sa.Column(sa.Integer, nullable=False, default=0)
    swap = sa.Column(sa.Integer, nullable=False, default=0)
    rxtx_factor = sa.Column(sa.Float, nullable=False, default=1.0)
    is_public = sa.Column(sa.Boolean, nullable=False, default=True)
    disabled = sa.Column(sa.Boolean, nullable=False, default=False)
    description = sa.Column(sa.Text)
    extra_specs = sa.Column(sa.Text)


class FlavorProject(Base, TimestampMixin):
    """A project that may use a private flavor."""
    __tablename__ = 'flavor_projects'
    __table_args__ = (sa.UniqueConstraint('flavor_id', 'project_id',
                                          name='uniq_flavor_projects0flavor_id0project_id'),)
    id = sa.Column(sa.Integer, primary_key=True)
    flavor_id = sa.Column(sa.Integer, sa.ForeignKey('flavors.id'), nullable=False)
    project_id = sa.Column(sa.String(255), nullable=False)


class Instance(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'instances'
    __table_args__ = (
        # Server lists page in the order (created_at, id), per project or of all projects.
        sa.Index('instances_project_id_deleted_created_at_idx',
                 'project_id', 'deleted', 'created_at', 'id'),
        sa.Index('instances_deleted_created_at_idx', 'deleted', 'created_at', 'id'),
        sa.Index('instances_host_deleted_idx', 'host', 'deleted'),
        sa.Index('instances_task_state_updated_at_idx', 'task_state', 'updated_at'),
    )
    # Not NULL, so that ordering by it is a plain ORDER BY an index can serve.
    created_at = sa.Column(sa.DateTime, nullable=False, default=_now)
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    display_name = sa.Column(sa.String(255))
    display_description = sa.Column(sa.Text)
    hostname = sa.Column(sa.String(255))
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    image_ref = sa.Column(sa.String(255))
    flavor = sa.Column(sa.Text)
    old_flavor = sa.Column(sa.Text)
    new_flavor = sa.Column(sa.Text)
    vcpus = sa.Column(sa.Integer, nullable=False, default=0)
    memory_mb = sa.Column(sa.Integer, nullable=False, default=0)
    root_gb = sa.Column(sa.Integer, nullable=False, default=0)
    ephemeral_gb = sa.Column(sa.Integer, nullable=False, default=0)
    host = sa.Column(sa.String(255))
    node = sa.Column(sa.String(255))
    vm_state = sa.Column(sa.String(32), nullable=False)
    task_state = sa.Column(sa.String(32))
    power_state = sa.Column(sa.Integer, nullable=False, default=0)
    progress = sa.Column(sa.Integer)
    launched_at = sa.Column(sa.DateTime)
    terminated_at = sa.Column(sa.DateTime)
    availability_zone = sa.Column(sa.String(255))
    reservation_id = sa.Column(sa.String(255))
    launch_index = sa.Column(sa.Integer)
    key_name = sa.Column(sa.String(255))
    key_data = sa.Column(sa.Text)  # the key pair's public key when the server was created
    config_drive = sa.Column(sa.String(255))
    metadata_ = sa.Column('metadata', sa.Text)
    system_metadata = sa.Column(sa.Text)
    locked = sa.Column(sa.Boolean, nullable=False, default=False)
    locked_by = sa.Column(sa.String(16))  # 'owner' or 'admin' while locked
    locked_reason = sa.Column(sa.String(255))
    access_ip_v4 = sa.Column(sa.String(64))
    access_ip_v6 = sa.Column(sa.String(64))


class KeyPair(Base, TimestampMixin, SoftDeleteMixin):
    """A user's public key (an OpenSSH key or an X.509 certificate), known by name."""
    __tablename__ = 'key_pairs'
    __table_args__ = (sa.UniqueConstraint('user_id', 'name', 'deleted',
                                          name='uniq_key_pairs0user_id0name0deleted'),)
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=False)
    fingerprint = sa.Column(sa.String(255))
    public_key = sa.Column(sa.Text)
    type = sa.Column(sa.String(8), nullable=False)


class InstanceGroup(Base, TimestampMixin, SoftDeleteMixin):
    """A server group: its members are scheduled together or apart, as ``policy`` says.
    ``rules`` is JSON text ({'max_server_per_host': n} for anti-affinity, from 2.64)."""
    __tablename__ = 'instance_groups'
    __table_args__ = (sa.Index('instance_groups_project_id_deleted_idx', 'project_id',
                               'deleted'),)
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    name = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=False)
    policy = sa.Column(sa.String(32), nullable=False)
    rules = sa.Column(sa.Text)


class InstanceGroupMember(Base, TimestampMixin):
    """A server of a group; a server is in one group at most. The row goes with the
    server (in its deleting transaction) or with the group."""
    __tablename__ = 'instance_group_members'
    __table_args__ = (
        sa.UniqueConstraint('instance_uuid', name='uniq_instance_group_members0instance_uuid'),
        sa.Index('instance_group_members_group_id_idx', 'group_id'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    group_id = sa.Column(sa.Integer, sa.ForeignKey('instance_groups.id'), nullable=False)
    instance_uuid = sa.Column(sa.String(36), nullable=False)


class RequestSpec(Base, TimestampMixin):
    """What a build asked the scheduler for, written with its instance and removed with
    it. ``spec`` is the RequestSpec object's primitive (versioned JSON)."""
    __tablename__ = 'request_specs'
    __table_args__ = (sa.UniqueConstraint('instance_uuid',
                                          name='uniq_request_specs0instance_uuid'),)
    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    spec = sa.Column(sa.Text, nullable=False)


class Migration(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'migrations'
    __table_args__ = (
        sa.Index('migrations_instance_uuid_idx', 'instance_uuid'),
        sa.Index('migrations_status_updated_at_idx', 'status', 'updated_at'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    source_compute = sa.Column(sa.String(255))
    source_node = sa.Column(sa.String(255))
    dest_compute = sa.Column(sa.String(255))
    dest_node = sa.Column(sa.String(255))
    dest_host = sa.Column(sa.String(255))
    old_instance_type_id = sa.Column(sa.Integer)
    new_instance_type_id = sa.Column(sa.Integer)
    status = sa.Column(sa.String(32), nullable=False)
    migration_type = sa.Column(sa.String(32), nullable=False)
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    progress = sa.Column(sa.Integer)


class InstanceAction(Base, TimestampMixin):
    __tablename__ = 'instance_actions'
    __table_args__ = (sa.Index('instance_actions_instance_uuid_idx', 'instance_uuid'),
                      sa.Index('instance_actions_request_id_idx', 'request_id'))
    id = sa.Column(sa.Integer, primary_key=True)
    action = sa.Column(sa.String(255), nullable=False)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    request_id = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    start_time = sa.Column(sa.DateTime)
    finish_time = sa.Column(sa.DateTime)
    message = sa.Column(sa.String(255))


class InstanceActionEvent(Base, TimestampMixin):
    __tablename__ = 'instance_actions_events'
    __table_args__ = (sa.Index('instance_actions_events_action_id_idx', 'action_id'),)
    id = sa.Column(sa.Integer, primary_key=True)
    event = sa.Column(sa.String(255), nullable=False)
    action_id = sa.Column(sa.Integer, sa.ForeignKey('instance_actions.id'), nullable=False)
    start_time = sa.Column(sa.DateTime)
    finish_time = sa.Column(sa.DateTime)
    result = sa.Column(sa.String(255))
    traceback = sa.Column(sa.Text)
    host = sa.Column(sa.String(255))
    details = sa.Column(sa.Text)


class InstanceFault(Base):
    __tablename__ = 'instance_faults'
    __table_args__ = (sa.Index('instance_faults_instance_uuid_idx', 'instance_uuid'),)
    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    code = sa.Column(sa.Integer, nullable=False)
    message = sa.Column(sa.String(255))
    details = sa.Column(sa.Text)
    host = sa.Column(sa.String(255))
    created_at = sa.Column(sa.DateTime, default=_now)


class Quota(Base, TimestampMixin):
    __tablename__ = 'quotas'
    __table_args__ = (sa.UniqueConstraint('project_id', 'resource',
                                          name='uniq_quotas0project_id0resource'),)
    id = sa.Column(sa.Integer, primary_key=True)
    project_id = sa.Column(sa.String(255), nullable=False)
    resource = sa.Column(sa.String(255), nullable=False)
    hard_limit = sa.Column(sa.Integer, nullable=False)


class QuotaClass(Base, TimestampMixin):
    """A limit of a quota class; the class 'default' holds the defaults every project
    without its own limit gets (instead of [quota]'s)."""
    __tablename__ = 'quota_classes'
    __table_args__ = (sa.UniqueConstraint('class_name', 'resource',
                                          name='uniq_quota_classes0class_name0resource'),)
    id = sa.Column(sa.Integer, primary_key=True)
    class_name = sa.Column(sa.String(255), nullable=False)
    resource = sa.Column(sa.String(255), nullable=False)
    hard_limit = sa.Column(sa.Integer, nullable=False)


class Image(Base, TimestampMixin):
    """Records of the small Glance-v2 compatible image API."""
    __tablename__ = 'images'
    __table_args__ = (sa.Index('images_name_idx', 'name'),)
    id = sa.Column(sa.String(36), primary_key=True)
    name = sa.Column(sa.String(255))
    status = sa.Column(sa.String(32), nullable=False)
    disk_format = sa.Column(sa.String(32))
    container_format = sa.Column(sa.String(32))
    size = sa.Column(sa.BigInteger)
    virtual_size = sa.Column(sa.BigInteger)
    checksum = sa.Column(sa.String(32))
    os_hash_algo = sa.Column(sa.String(64))
    os_hash_value = sa.Column(sa.String(128))
    owner = sa.Column(sa.String(255))
    visibility = sa.Column(sa.String(32), nullable=False)
    protected = sa.Column(sa.Boolean, nullable=False, default=False)
    min_disk = sa.Column(sa.Integer, nullable=False, default=0)
    min_ram = sa.Column(sa.Integer, nullable=False, default=0)
    properties = sa.Column(sa.Text)
    tags = sa.Column(sa.Text)
    # Where the data is when not in the file store: rbd://<fsid>/<pool>/<image>/<snap>
    location = sa.Column(sa.String(1024))


class Aggregate(Base, TimestampMixin):
    """A host aggregate: a named set of compute hosts with metadata the scheduler and
    the availability zones read (the zone is the metadata key availability_zone).
    Deleted rows are removed, with their hosts and metadata."""
    __tablename__ = 'aggregates'
    __table_args__ = (sa.UniqueConstraint('name', name='uniq_aggregates0name'),)
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    name = sa.Column(sa.String(255), nullable=False)


class AggregateHost(Base, TimestampMixin):
    __tablename__ = 'aggregate_hosts'
    __table_args__ = (
        sa.UniqueConstraint('host', 'aggregate_id', name='uniq_aggregate_hosts0host0aggregate_id'),
        sa.Index('aggregate_hosts_aggregate_id_idx', 'aggregate_id'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    host = sa.Column(sa.String(255), nullable=False)
    aggregate_id = sa.Column(sa.Integer, sa.ForeignKey('aggregates.id'), nullable=False)


class AggregateMetadata(Base, TimestampMixin):
    __tablename__ = 'aggregate_metadata'
    __table_args__ = (
        sa.UniqueConstraint('aggregate_id', 'key', name='uniq_aggregate_metadata0aggregate_id0key'),
        sa.Index('aggregate_metadata_key_idx', 'key'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    aggregate_id = sa.Column(sa.Integer, sa.ForeignKey('aggregates.id'), nullable=False)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255), nullable=False)


class TaskLog(Base, TimestampMixin):
    """A periodic task's run on a host for one period (the instance usage audit)."""
    __tablename__ = 'task_log'
    __table_args__ = (
        sa.UniqueConstraint('task_name', 'host', 'period_beginning', 'period_ending',
                            name='uniq_task_log0task_name0host0period_beginning0period_ending'),
        sa.Index('task_log_period_beginning_period_ending_idx', 'period_beginning',
                 'period_ending'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    task_name = sa.Column(sa.String(255), nullable=False)
    state = sa.Column(sa.String(255), nullable=False)
    host = sa.Column(sa.String(255), nullable=False)
    period_beginning = sa.Column(sa.DateTime, nullable=False)
    period_ending = sa.Column(sa.DateTime, nullable=False)
    message = sa.Column(sa.String(255), nullable=False)
    task_items = sa.Column(sa.Integer, nullable=False, default=0)
    errors = sa.Column(sa.Integer, nullable=False, default=0)


class Network(Base, TimestampMixin, SoftDeleteMixin):
    """An operator's flat IPv4 network: shared (no project) or one project's own."""
    __tablename__ = 'networks'
    __table_args__ = (sa.UniqueConstraint('uuid', name='uniq_networks0uuid'),
                      sa.Index('networks_project_id_deleted_idx', 'project_id', 'deleted'))
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    label = sa.Column(sa.String(255), nullable=False)
    cidr = sa.Column(sa.String(43), nullable=False)
    gateway = sa.Column(sa.String(39))
    bridge = sa.Column(sa.String(15))  # the host bridge guests' NICs join (none: no NIC)
    project_id = sa.Column(sa.String(255))


class FixedIP(Base, TimestampMixin):
    """An instance's address and MAC on a network; deleted when released. The unique
    keys make allocating a compare-and-swap."""
    __tablename__ = 'fixed_ips'
    __table_args__ = (
        sa.UniqueConstraint('network_id', 'address', name='uniq_fixed_ips0network_id0address'),
        sa.UniqueConstraint('network_id', 'instance_uuid',
                            name='uniq_fixed_ips0network_id0instance_uuid'),
        sa.UniqueConstraint('mac_address', name='uniq_fixed_ips0mac_address'),
        sa.Index('fixed_ips_instance_uuid_idx', 'instance_uuid'),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    network_id = sa.Column(sa.Integer, sa.ForeignKey('networks.id'), nullable=False)
    address = sa.Column(sa.String(39), nullable=False)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    mac_address = sa.Column(sa.String(17), nullable=False)
