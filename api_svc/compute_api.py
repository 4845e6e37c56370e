"""The servers service layer: what creating, listing, changing and deleting servers
means, between the REST handlers (which only translate) and the objects and RPC
clients (which it is given by the composition root in api_svc.wsgi).
"""
import contextvars
import dataclasses
import hashlib
import re
import secrets
import string

import oslo_messaging as messaging
from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils

from api_svc import flavor_access
from api_svc.images import store as image_store
from api_svc import network_api
from api_svc import quota
from api_svc import security_groups
from api_svc import server_group_api
from api_svc import server_status
from svc_common import compute_rpcapi
from svc_common.conf import CONF
from svc_common.db import api as db_api
from svc_common import exception
from svc_common import guest_actions
from svc_common import instance_names
from svc_common import next_step
from svc_common import objects
from svc_common.objects import instance_action as instance_action_obj
from svc_common import operations
from svc_common import rescue_devices
from svc_common import states

LOG = logging.getLogger(__name__)
# What a delete with [DEFAULT]/reclaim_instance_interval keeps restorable (a rescued or
# resized server, or one never launched, is deleted at once).
_SOFT_DELETABLE = operations.get('soft_delete').start_vm_states(
    states.TaskState.SOFT_DELETING)
V, T = states.VmState, states.TaskState
GiB = 1024 ** 3

# Instance action names, as Nova records them.
ACTION_CREATE, ACTION_DELETE = 'create', 'delete'
ACTION_STOP, ACTION_START, ACTION_REBOOT = 'stop', 'start', 'reboot'
ACTION_LOCK, ACTION_UNLOCK = 'lock', 'unlock'
ACTION_REBUILD = 'rebuild'
ACTION_RESTORE = 'restore'


@dataclasses.dataclass
class CreateRequest:
    name: str
    flavor_id: str
    image_id: str
    min_count: int = 1
    max_count: int = 1
    metadata: dict = dataclasses.field(default_factory=dict)
    availability_zone: str | None = None
    key_name: str | None = None
    description: str | None = None
    user_data: str | None = None
    config_drive: bool = False
    access_ip_v4: str | None = None
    access_ip_v6: str | None = None
    tags: list = dataclasses.field(default_factory=list)
    security_groups: list = dataclasses.field(default_factory=list)  # [{'name': ...}]
    hostname: str | None = None
    scheduler_hints: dict = dataclasses.field(default_factory=dict)  # {name: [str]}
    host: str | None = None  # the requested destination (microversion 2.74)
    hypervisor_hostname: str | None = None
    networks: list | None = None  # network uuids; None: every one the project may use


UNCHANGED = object()  # a rebuild argument the request leaves out


@dataclasses.dataclass
class RebuildRequest:
    image_id: str
    changes: dict = dataclasses.field(default_factory=dict)  # instance field -> value
    key_name: object = UNCHANGED  # a key pair's name, or None to drop the key
    user_data: object = UNCHANGED
    preserve_ephemeral: bool = False


@dataclasses.dataclass
class ListQuery:
    """What a server list asks for, already checked against the caller's rights."""
    project_id: str | None  # None: every project
    statuses: list | None = None
    name: str | None = None
    filters: dict = dataclasses.field(default_factory=dict)  # InstanceList filters
    include_deleted: bool = False
    sort_keys: tuple = ('created_at',)
    sort_dirs: tuple = ('desc',)
    limit: int | None = None
    marker: str | None = None


# system_metadata keys holding the properties of the image a server was built from.
IMAGE_PREFIX = 'image_'


def with_image_properties(system_metadata, image):
    """``system_metadata`` with the properties of ``image`` (image_<key>) instead of
    those of the image the server had before (a rebuild)."""
    kept = {k: v for k, v in (system_metadata or {}).items()
            if not k.startswith(IMAGE_PREFIX)}
    kept.update({IMAGE_PREFIX + key: value for key, value in image.properties.items()})
    return kept


def host_id(project_id, host):
    """Nova's opaque host identifier: equal for servers of a project on one host."""
    if not host:
        return ''
    return hashlib.sha224(('%s%s' % (project_id, host)).encode()).hexdigest()


def instance_name(instance):
    """The name the hypervisor knows the server by."""
    return instance_names.hypervisor_name(instance.uuid)


def make_hostname(display_name, uuid):
    """A DNS-safe hostname from a display name."""
    name = re.sub(r'[^a-z0-9.-]+', '-', (display_name or '').lower())
    name = re.sub(r'[.-]{2,}', '-', name).strip('.-')[:63].rstrip('.-')
    return name or 'server-%s' % uuid


def _reservation_id():
    alphabet = string.ascii_lowercase + string.digits
    return 'r-' + ''.join(secrets.choice(alphabet) for _ in range(8))


def generate_password(length=12):
    alphabet = string.ascii_letters + string.digits
    return ''.join(secrets.choice(alphabet) for _ in range(length))


# The casts waiting for the outermost write_together of this thread to commit.
_AFTER_COMMIT: contextvars.ContextVar = contextvars.ContextVar('nimbus_api_after_commit',
                                                              default=None)


def write_together(context, fn, *args):
    """``fn(context, *args)``, the readers and writers it calls with ``context`` in one
    transaction (one BEGIN and COMMIT for a request's checks and writes), and then the
    casts it left to after_commit. Nothing in ``fn`` may use another context
    (``context.elevated()``): on SQLite its transaction would wait for this one's lock.
    Nested in another, it is part of the outer one (and so are its casts)."""
    if _AFTER_COMMIT.get() is not None:
        return db_api.write_together(context, fn, *args)
    casts = []
    token = _AFTER_COMMIT.set(casts)
    try:
        result = db_api.write_together(context, fn, *args)
    finally:
        _AFTER_COMMIT.reset(token)
    for cast in casts:
        cast()
    return result


def after_commit(cast):
    """Call ``cast`` (no arguments) once the write_together under way commits (never,
    if it fails), or at once outside one: a host must not get a message about a state
    it cannot read yet."""
    casts = _AFTER_COMMIT.get()
    if casts is None:
        cast()
    else:
        casts.append(cast)


@dataclasses.dataclass
class _Boot:
    """A create between its two transactions: what was checked, and its instances."""
    flavor: 'objects.Flavor'
    image: image_store.Image
    boot_files: dict
    group: 'objects.InstanceGroup | None'
    limit: dict  # the project's quota limits
    instances: list
    reservation_id: str


def _recheck_and_record(context, boot):
    """The quota re-check once a create's instances exist, and its actions."""
    count = len(boot.instances)
    quota.check_after_create(context, context.project_id, {
        'instances': count, 'cores': count * boot.flavor.vcpus,
        'ram': count * boot.flavor.memory_mb}, boot.limit)
    server_group_api.check_members(context, boot.group, limit=boot.limit)
    for instance in boot.instances:
        instance_action_obj.start_action(context, instance.uuid, ACTION_CREATE)


class API:

    def __init__(self, conductor_client, compute_client):
        self.conductor = conductor_client
        self.compute = compute_client

    # -- reading ----------------------------------------------------------------------
    def get(self, context, server_id):
        """The server, if the caller's project owns it (or the caller is an admin)."""
        try:
            instance = objects.Instance.get_by_uuid(context, server_id)
        except exception.InstanceNotFound:
            raise exception.InstanceNotFound(instance_id=server_id)
        if not context.is_admin and instance.project_id != context.project_id:
            raise exception.InstanceNotFound(instance_id=server_id)
        return instance

    def list(self, context, query):
        filters = dict(query.filters)
        if query.project_id is not None:
            filters['project_id'] = query.project_id
        if query.statuses:
            filters['vm_task_states'] = server_status.states_for(query.statuses)
            if not filters['vm_task_states']:
                return []
        if query.name:
            filters['name'] = query.name
        list_context = context
        if query.include_deleted and 'deleted' not in filters:
            list_context = _with_deleted(context)
        # As Nova: soft-deleted servers are listed with deleted=True (an admin's) or
        # when their status is asked for, not otherwise.
        if filters.get('deleted'):
            filters['soft_deleted'] = True
        elif not query.include_deleted and 'SOFT_DELETED' not in (query.statuses or ()):
            filters['soft_deleted'] = False
        return list(objects.InstanceList.get_by_filters(
            list_context, filters, sort_keys=query.sort_keys, sort_dirs=query.sort_dirs,
            limit=query.limit, marker=query.marker))

    # -- creating ---------------------------------------------------------------------
    def create(self, context, request, forced_host=None):
        """Check the request, create its instances and hand them to the conductor.

        Returns (instances, reservation_id). Raises ComputeHostNotFound when the
        requested destination names no compute node.

        Two transactions: the checks' reads with the instances' inserts, then the quota
        re-check with the actions' inserts (a re-check over quota records none, and the
        instances go)."""
        force_host = _boot_host(context, request, forced_host)
        boot = write_together(context, self._check_and_create, request, force_host)
        try:
            write_together(context, _recheck_and_record, boot)
        except exception.OverQuota:
            for instance in boot.instances:
                instance.destroy(expected_task_state=T.SCHEDULING)
            raise
        self.conductor.build_instances(context, boot.instances,
                                       boot_meta(context, boot.image, boot.boot_files))
        return boot.instances, boot.reservation_id

    def _check_and_create(self, context, request, force_host):
        """The checks of a create, then its instances (a _Boot); the quota limits are
        read once for every check."""
        flavor = self._flavor_for_boot(context, request.flavor_id)
        image, boot_files = self._image_and_files_for_boot(context, request.image_id)
        _check_flavor_fits_image(flavor, image)
        key_pair = self._key_pair_for_boot(context, request.key_name)
        group = server_group_api.group_for_boot(context, request.scheduler_hints)
        limit = quota.limits(context, context.project_id)
        quota.check_metadata_items(context, context.project_id, request.metadata, limit)
        count = quota.allowed_instances(context, context.project_id, flavor,
                                        request.min_count, request.max_count, limit)
        server_group_api.check_members(context, group, count, limit)
        networks = network_api.networks_for_boot(context, request.networks)
        reservation_id = _reservation_id()
        spec = objects.RequestSpec(
            project_id=context.project_id, user_id=context.user_id,
            flavor_id=flavor.flavorid, image_id=image.id,
            availability_zone=request.availability_zone, force_host=force_host,
            scheduler_hints=request.scheduler_hints, num_instances=count,
            requested_networks=networks)
        instances = [self._create_instance(context, request, flavor, image, key_pair,
                                           reservation_id, index, count, spec.obj_clone())
                     for index in range(count)]
        return _Boot(flavor, image, boot_files, group, limit, instances, reservation_id)

    @staticmethod
    def _flavor_for_boot(context, flavor_id):
        try:
            flavor = flavor_access.get_visible(context, flavor_id)
        except exception.FlavorNotFound:
            raise exception.Invalid(message='Flavor %s could not be found.' % flavor_id)
        if flavor.disabled:
            raise exception.Invalid(message='Flavor %s is disabled.' % flavor_id)
        return flavor

    @staticmethod
    def _key_pair_for_boot(context, key_name):
        """The caller's key pair of that name (None for none)."""
        if key_name is None:
            return None
        try:
            return objects.KeyPair.get_by_name(context, context.user_id, key_name)
        except exception.KeypairNotFound:
            raise exception.Invalid(message='Invalid key_name provided.')

    @classmethod
    def _image_for_boot(cls, context, image_id):
        return cls._image_and_files_for_boot(context, image_id)[0]

    @staticmethod
    def _image_and_files_for_boot(context, image_id):
        """(the image, {image id: image} of its kernel and ramdisk) once the caller may
        boot it."""
        try:
            image = image_store.get(context, image_id)
        except exception.ImageNotFound:
            raise exception.Invalid(message='Image %s could not be found.' % image_id)
        if image.status != image_store.ImageStatus.ACTIVE:
            raise exception.ImageNotActive(image_id=image_id)
        return image, _boot_files(context, image)

    def _create_instance(self, context, request, flavor, image, key_pair, reservation_id,
                         index, count, request_spec):
        uuid = uuidutils.generate_uuid()
        name = request.name if count == 1 else '%s-%d' % (request.name, index + 1)
        hostname = request.hostname if request.hostname and count == 1 else None
        system_metadata = with_image_properties({'user_data': request.user_data}, image)
        if request.tags:
            system_metadata['tags'] = ','.join(request.tags)
        system_metadata[security_groups.KEY] = security_groups.for_create(
            request.security_groups)
        instance = objects.Instance(
            context=context, uuid=uuid, display_name=name,
            display_description=request.description,
            hostname=hostname or make_hostname(name, uuid),
            user_id=context.user_id, project_id=context.project_id, image_ref=image.id,
            flavor=flavor, vm_state=V.BUILDING.value, task_state=T.SCHEDULING.value,
            power_state=int(states.PowerState.NOSTATE), progress=0,
            availability_zone=request.availability_zone, reservation_id=reservation_id,
            launch_index=index, key_name=key_pair.name if key_pair else None,
            key_data=key_pair.public_key if key_pair else None,
            config_drive='True' if request.config_drive or CONF.compute.force_config_drive
            else '',
            metadata=dict(request.metadata), system_metadata=system_metadata, locked=False,
            access_ip_v4=request.access_ip_v4, access_ip_v6=request.access_ip_v6)
        instance.create(request_spec=request_spec)
        return instance

    # -- changing ---------------------------------------------------------------------
    def update(self, context, instance, changes):
        """Rename, describe or re-address a server (no state change)."""
        for name, value in changes.items():
            setattr(instance, name, value)
        instance.save()
        return instance

    def delete(self, context, instance, attempts=3, force=False):
        """Delete a server: locally when no live compute host owns it, else by casting
        to its host once the task state says DELETING. A state that changes under us
        (a build finishing, a host being chosen) is re-read and the delete retried.

        With [DEFAULT]/reclaim_instance_interval (and not ``force``, a forceDelete), a
        launched server with no task is soft-deleted instead: kept restorable, with its
        claims, until its host reclaims it (compute_svc/reclaim.py)."""
        _drop_shelved_image(context, instance)
        for attempt in range(attempts):
            try:
                if not force and self._soft_deletable(context, instance):
                    return self._soft_delete(context, instance)
                return self._delete_once(context, instance)
            except exception.UnexpectedTaskStateError:
                if attempt == attempts - 1:
                    raise
                instance = objects.Instance.get_by_uuid(context, instance.uuid)

    def _soft_deletable(self, context, instance):
        return bool(CONF.reclaim_instance_interval and instance.launched_at and
                    instance.task_state is None and
                    states.VmState(instance.vm_state) in _SOFT_DELETABLE and
                    instance.host and self._compute_is_up(context, instance.host))

    def _soft_delete(self, context, instance):
        self._start_task(context, instance, 'soft_delete', T.SOFT_DELETING, ACTION_DELETE,
                         {'deleted_at': timeutils.utcnow()})
        self.compute.soft_delete_instance(context, instance)

    def restore(self, context, instance):
        """Bring a soft-deleted server back (409 for any other)."""
        self._start_task(context, instance, 'restore', T.RESTORING, ACTION_RESTORE,
                         {'deleted_at': None})
        self.compute.restore_instance(context, instance)

    def _delete_once(self, context, instance):
        if instance.host is None or not self._compute_is_up(context, instance.host):
            self._local_delete(context, instance)
            return
        previous = instance.task_state
        if previous != T.DELETING:
            instance.task_state = T.DELETING.value
            instance.save(expected_task_state=previous, operation='delete')
        instance_action_obj.start_action(context, instance.uuid, ACTION_DELETE)
        self.compute.terminate_instance(context, instance)

    def _local_delete(self, context, instance):
        """Delete a server no compute host owns (never scheduled, or its host is down).

        The claims go after the record: a conductor that claimed for this instance
        just before finds the record gone and drops its own claim, and one that
        claimed just after we read the record has its claim dropped here."""
        LOG.info('Deleting instance locally (host %s)', instance.host, instance=instance)
        instance.destroy(expected_task_state=instance.task_state)
        objects.ResourceClaim.release(context, instance.uuid)
        self._end_migrations(context, instance)
        instance_action_obj.start_action(context, instance.uuid, ACTION_DELETE)

    @staticmethod
    def _end_migrations(context, instance):
        """A migration of a locally deleted instance ends in error and its claims go
        (a resize source's copy is the source's to reap, see compute_svc/reap.py)."""
        for migration in objects.MigrationList.get_by_filters(
                context, {'instance_uuid': instance.uuid}):
            if not migration.is_terminal:
                objects.ResourceClaim.release(context, migration.uuid)
                migration.fail()

    def stop(self, context, instance):
        self._start_task(context, instance, 'stop', T.POWERING_OFF, ACTION_STOP)
        self.compute.stop_instance(context, instance)

    def start(self, context, instance):
        self._start_task(context, instance, 'start', T.POWERING_ON, ACTION_START)
        self.compute.start_instance(context, instance)

    def reboot(self, context, instance, reboot_type):
        task = T.REBOOTING_HARD if reboot_type == 'HARD' else T.REBOOTING
        self._start_task(context, instance, 'reboot', task, ACTION_REBOOT)
        self.compute.reboot_instance(context, instance, reboot_type)

    def guest_action(self, context, instance, name, changes=None):
        """Start guest action ``name`` (svc_common/guest_actions.py; also the action
        Nova records) on ``instance``, with ``changes`` written in the same
        compare-and-swap, and cast its step to the server's host."""
        task_state = guest_actions.ACTIONS[name].task_state
        self._start_task(context, instance, name, task_state, name, changes)
        getattr(self.compute, '%s_instance' % name)(context, instance)

    def rescue(self, context, instance, image_id=None):
        """Rescue ``instance`` from ``image_id`` (default: its own image), which must
        be an active image the caller can see (400 otherwise)."""
        check_can_start(instance, 'rescue', T.RESCUING)
        image = self._image_for_boot(context, image_id or instance.image_ref)
        rescue_devices.stable_device(image.properties)  # 400 for a device never attachable
        system_metadata = dict(instance.system_metadata or {})
        system_metadata[guest_actions.RESCUE_IMAGE] = image.id
        self.guest_action(context, instance, 'rescue', {'system_metadata': system_metadata})

    def rebuild(self, context, instance, request):
        """Rebuild a server on its host from ``request.image_id``: the new image and
        whatever else the request changes are written with the task state REBUILDING
        (one compare-and-swap), so the compute host and any recovery read them there."""
        check_can_start(instance, 'rebuild', T.REBUILDING)
        image = self._image_for_boot(context, request.image_id)
        _check_flavor_fits_image(instance.flavor, image)
        changes = dict(request.changes, image_ref=image.id)
        if 'metadata' in changes:
            quota.check_metadata_items(context, instance.project_id, changes['metadata'])
        if request.key_name is not UNCHANGED:
            key_pair = self._key_pair_for_boot(context, request.key_name)
            changes['key_name'] = key_pair.name if key_pair else None
            changes['key_data'] = key_pair.public_key if key_pair else None
        system_metadata = with_image_properties(instance.system_metadata, image)
        if request.user_data is not UNCHANGED:
            system_metadata['user_data'] = request.user_data
        system_metadata.pop(states.PRESERVE_EPHEMERAL, None)
        if request.preserve_ephemeral:
            system_metadata[states.PRESERVE_EPHEMERAL] = 'True'
        changes['system_metadata'] = system_metadata
        self._start_task(context, instance, 'rebuild', T.REBUILDING, ACTION_REBUILD,
                         changes)
        self.compute.rebuild_instance(context, instance)
        return instance

    def _start_task(self, context, instance, method, task_state, action, changes=None):
        """Compare-and-swap the task state the operation starts with, as the state
        table allows, with ``changes`` ({field: value}) in the same write, and record
        the action the compute host's events attach to."""
        previous = check_can_start(instance, method, task_state)
        for name, value in (changes or {}).items():
            setattr(instance, name, value)
        instance.task_state = task_state.value
        instance.save(expected_task_state=previous, operation=method)
        instance_action_obj.start_action(context, instance.uuid, action)

    def console_output(self, context, instance, length=None):
        def not_available(error):
            return exception.ConsoleNotAvailable(instance_id=instance.uuid)
        return _ask_host(
            instance, lambda: self.compute.get_console_output(context, instance,
                                                              tail_length=length),
            exception.ConsoleNotImplemented(host=instance.host),
            {'InstanceNotFound': not_available, 'ConsoleNotAvailable': not_available})

    def diagnostics(self, context, instance):
        """The running guest's diagnostics from its host (the 2.48 shape)."""
        return _ask_host(
            instance, lambda: self.compute.get_diagnostics(context, instance),
            exception.DiagnosticsNotImplemented(host=instance.host),
            {'InstanceInvalidState': lambda error: exception.InstanceInvalidState(
                message=error.value),
             'InstanceNotFound': lambda error: exception.InstanceNotReady(
                 instance_id=instance.uuid, reason='its guest is gone')})

    # -- locking ----------------------------------------------------------------------
    @staticmethod
    def lock(context, instance, reason=None):
        """Lock the server, as its owner or as an admin of another project."""
        instance_action_obj.start_action(context, instance.uuid, ACTION_LOCK)
        instance.lock(_locker(context, instance), reason)

    @staticmethod
    def unlock(context, instance):
        instance_action_obj.start_action(context, instance.uuid, ACTION_UNLOCK)
        instance.unlock()

    @staticmethod
    def locked_by_other(context, instance):
        """Whether the lock is someone else's: the owner's when the caller is an admin
        of another project, an admin's when the caller is of the owning project."""
        return instance.locked_by not in (None, _locker(context, instance))

    # -- resetting --------------------------------------------------------------------
    @staticmethod
    def reset_state(context, instance, vm_state, attempts=3):
        """The operator's escape hatch: vm_state ACTIVE or ERROR and no task, whatever
        was under way. See _end_abandoned_migration for the move it may abandon."""
        for attempt in range(attempts):
            previous = instance.task_state
            instance.vm_state = states.value(vm_state)
            instance.task_state = None
            try:
                instance.save(expected_task_state=previous, operation='reset_state')
                break
            except exception.UnexpectedTaskStateError:
                if attempt == attempts - 1:
                    raise
                instance = objects.Instance.get_by_uuid(context, instance.uuid)
        LOG.warning('State reset to %s (task %s abandoned)', instance.vm_state, previous,
                    instance=instance)
        _end_abandoned_migration(context, instance)
        return instance

    # -- helpers ----------------------------------------------------------------------
    @staticmethod
    def _compute_is_up(context, host):
        return service_is_up(compute_service(context, host))


def _ask_host(instance, call, not_implemented, remote_errors):
    """``call()``, an RPC call to the server's host, with its errors as the API's:
    ``not_implemented`` from a hypervisor without the feature, and for the remote
    exceptions named in ``remote_errors``, what its function makes of the error."""
    if instance.host is None:
        raise exception.InstanceNotReady(instance_id=instance.uuid,
                                         reason='it has no host')
    try:
        return call()
    except NotImplementedError:
        raise not_implemented
    except messaging.MessagingTimeout:
        raise exception.ServiceUnavailable(
            reason='compute host %s did not answer in time' % instance.host)
    except messaging.RemoteError as error:
        if error.exc_type == 'NotImplementedError':
            raise not_implemented
        if error.exc_type in remote_errors:
            raise remote_errors[error.exc_type](error)
        raise


def check_can_start(instance, method, task_state, operation=None, needs_host=True):
    """Raise unless ``operation``'s rows (by default the one named ``method``) let
    ``instance`` start ``task_state`` and it has a host to do it (unless not
    ``needs_host``); returns its task state now (the compare-and-swap's expectation)."""
    operation = operations.get(operation or method)
    old = (instance.vm_state, instance.task_state)
    new = (instance.vm_state, task_state)
    if old == new or not operation.allows(old, new):
        if operation.allows((instance.vm_state, None), new):
            attr, state = 'task_state', instance.task_state
        else:
            attr, state = 'vm_state', instance.vm_state
        raise exception.InstanceInvalidState(method=method, instance_uuid=instance.uuid,
                                             attr=attr, state=state)
    if instance.host is None and needs_host:
        raise exception.InstanceNotReady(instance_id=instance.uuid,
                                         reason='it has no host')
    return old[1]


def _drop_shelved_image(context, instance):
    """A shelved server's image goes with it (a shelve still under way deletes its own
    when it finds the server deleting)."""
    image_id = (instance.system_metadata or {}).get(states.SHELVED_IMAGE_ID)
    if not image_id or instance.vm_state not in states.SHELVED_STATES:
        return
    try:
        image_store.delete(context.elevated(), image_id)
    except exception.ImageNotFound:
        pass


def check_unlocked(context, instance):
    """A locked server refuses changes but an admin's (409)."""
    if instance.locked and not context.is_admin:
        raise exception.InstanceIsLocked(instance_uuid=instance.uuid)


def _locker(context, instance):
    return 'owner' if instance.project_id == context.project_id else 'admin'


def _end_abandoned_migration(context, instance):
    """After a reset, a move still open is abandoned: it ends in error (so neither the
    reconciler nor a compute's start-up recovery sends a step of it again, and a step in
    flight finds it over) and the claims follow the host the record names: back from
    the migration to the instance when that is the source, else the migration's go."""
    admin = context.elevated()
    migration = next_step.current_migration(admin, instance)
    if migration is None:
        return
    if instance.host == migration.source_compute:
        objects.ResourceClaim.revert_to(admin, migration.uuid, instance.uuid)
    else:
        objects.ResourceClaim.release(admin, migration.uuid)
    LOG.warning('Migration %s (%s) abandoned by a state reset', migration.uuid,
                migration.status, instance=instance)
    migration.fail()


def compute_service(context, host):
    """The compute service record of ``host``, or None."""
    services = objects.ServiceList.get_all(context.elevated(),
                                           {'host': host, 'topic': compute_rpcapi.TOPIC})
    return services[0] if services else None


def requested_host(context, host=None, nodename=None):
    """The host of the compute node named by ``host`` and/or ``nodename`` (its
    hypervisor_hostname). A host has one node, so the host is all the scheduler needs;
    it still filters and claims there as anywhere else.

    Raises ComputeHostNotFound (or a subclass naming the node) when no node matches."""
    for node in objects.ComputeNodeList.get_all(context.elevated(), host=host):
        if nodename in (None, node.hypervisor_hostname):
            return node.host
    if nodename is None:
        raise exception.ComputeHostNotFound(host=host)
    if host is None:
        raise exception.HypervisorHostnameNotFound(node=nodename)
    raise exception.HostAndHypervisorHostnameNotFound(host=host, node=nodename)


def _boot_host(context, request, forced_host):
    """The host a boot is pinned to: its requested destination, or the host its
    availability zone forces ('nova:HOST'), or None."""
    if not (request.host or request.hypervisor_hostname):
        return forced_host
    host = requested_host(context, request.host, request.hypervisor_hostname)
    if forced_host not in (None, host):
        raise exception.Invalid(
            message='The availability zone forces host %s but the requested destination '
                    'is host %s.' % (forced_host, host))
    return host


def service_is_up(service):
    """Whether a service (or None) has reported within [DEFAULT]/service_down_time."""
    return service is not None and service.is_up(CONF.service_down_time)


# Image properties naming other images a boot uses, and what each is called in errors.
BOOT_FILE_PROPERTIES = (('kernel_id', 'Kernel'), ('ramdisk_id', 'Ramdisk'))


def _boot_files(context, image):
    """{image id: image} of the kernel and ramdisk ``image`` names; each must be an
    active image the caller may see (a boot must not reach another project's private
    images through a property of one it may see)."""
    found = {}
    for key, role in BOOT_FILE_PROPERTIES:
        file_id = image.properties.get(key)
        if not file_id:
            continue
        try:
            boot_file = image_store.get(context, file_id)
        except exception.ImageNotFound:
            raise exception.Invalid(message='%s image %s of image %s could not be found.'
                                            % (role, file_id, image.id))
        if boot_file.status != image_store.ImageStatus.ACTIVE:
            raise exception.Invalid(message='%s image %s of image %s is not active.'
                                            % (role, file_id, image.id))
        found[file_id] = boot_file
    return found


def boot_meta(context, image, boot_files=None):
    """What a compute host receives about the image it boots: the image's record and,
    under 'boot_files', the records of the kernel and ramdisk the caller was found to
    see (a host reading the image store directly reads only those). ``boot_files``:
    those records if read already (see _boot_files)."""
    meta = image.to_meta()
    if boot_files is None:
        boot_files = _boot_files(context, image)
    meta['boot_files'] = {file_id: boot_file.to_meta()
                          for file_id, boot_file in boot_files.items()}
    return meta


def _check_flavor_fits_image(flavor, image):
    if image.min_ram and image.min_ram > flavor.memory_mb:
        raise exception.FlavorMemoryTooSmall()
    if not flavor.root_gb:
        return  # the root disk takes the image's size
    root_bytes = flavor.root_gb * GiB
    image_bytes = max(image.size or 0, image.virtual_size or 0)
    if image_bytes > root_bytes:
        raise exception.FlavorDiskSmallerThanImage(flavor_size=root_bytes,
                                                   image_size=image_bytes)
    if image.min_disk and image.min_disk * GiB > root_bytes:
        raise exception.FlavorDiskSmallerThanMinDisk(flavor_size=root_bytes,
                                                     image_min_disk=image.min_disk * GiB)


def _with_deleted(context):
    ctx = context.from_dict(context.to_dict())
    ctx.read_deleted = 'yes'
    return ctx
