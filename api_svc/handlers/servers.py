"""/servers: list, show, create, update, delete."""
import base64
import binascii
import ipaddress


from api_svc import compute_api
from api_svc import network_api
from api_svc.policies import admin_actions as admin_action_policies
from api_svc.policies import lock_server as lock_policies
from api_svc.policies import servers as server_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc import security_groups
from api_svc.schemas import servers as schemas
from api_svc import server_status
from api_svc import validation
from api_svc.views import common
from api_svc.views import servers as views
from api_svc import zones as zones_mod
from svc_common.conf import CONF
from svc_common.db import api as db_api
from svc_common import exception

# Sort keys a list may use (Nova's names); host and node only with all filters.
SORT_KEYS = frozenset({
    'access_ip_v4', 'access_ip_v6', 'availability_zone', 'config_drive', 'created_at',
    'display_description', 'display_name', 'host', 'hostname', 'image_ref', 'key_name',
    'launch_index', 'launched_at', 'locked', 'memory_mb', 'node', 'power_state',
    'progress', 'project_id', 'reservation_id', 'root_gb', 'task_state', 'terminated_at',
    'updated_at', 'user_id', 'uuid', 'vcpus', 'vm_state'})
_ADMIN_SORT_KEYS = frozenset({'host', 'node'})

# The query parameters of a server list (Nova's); from 2.75 any other is a 400. Those
# this API has no filter for are accepted and ignored, as before 2.75.
LIST_PARAMETERS = frozenset({
    'user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref', 'image',
    'kernel_id', 'ramdisk_id', 'hostname', 'key_name', 'power_state', 'vm_state',
    'task_state', 'host', 'node', 'flavor', 'reservation_id', 'launched_at',
    'terminated_at', 'availability_zone', 'name', 'display_name', 'description',
    'display_description', 'locked_by', 'uuid', 'root_device_name', 'config_drive',
    'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'progress', 'sort_key',
    'sort_dir', 'all_tenants', 'soft_deleted', 'deleted', 'status', 'changes-since',
    'ip', 'ip6', 'created_at', 'block_device_mapping', 'services', 'metadata',
    'pci_devices', 'info_cache', 'security_groups', 'tags', 'tags-any', 'not-tags',
    'not-tags-any', 'limit', 'marker', 'changes-before', 'locked'})

# What a locked server still allows its project: reading it (and its console), renaming
# it, and the lock itself. Any other rule changes the server and is refused (409) but to
# admins -- new actions included, until they are listed here.
_ALLOWED_WHILE_LOCKED = frozenset({
    server_policies.SHOW, server_policies.UPDATE, server_policies.CONSOLE_OUTPUT,
    lock_policies.LOCK, lock_policies.UNLOCK, admin_action_policies.RESET_STATE})


def target(instance):
    return {'project_id': instance.project_id, 'user_id': instance.user_id}


def get_authorized(req, server_id, rule):
    """The server (404 outside the caller's project) once ``rule`` allows it, and, for a
    rule that changes it, the lock does (see _ALLOWED_WHILE_LOCKED)."""
    instance = req.services.compute_api.get(req.context, server_id)
    policy.authorize(req.context, rule, target(instance))
    if rule not in _ALLOWED_WHILE_LOCKED:
        compute_api.check_unlocked(req.context, instance)
    return instance


def get_readable(req, server_id, rule):
    """The server once ``rule`` allows reading something of it (a lock does not stop
    that)."""
    instance = req.services.compute_api.get(req.context, server_id)
    policy.authorize(req.context, rule, target(instance))
    return instance


# -- list -------------------------------------------------------------------------------
def index(req):
    return _list(req, detail=False)


def detail(req):
    return _list(req, detail=True)


def _list(req, detail):
    context = req.context
    policy.authorize(context, server_policies.DETAIL if detail else server_policies.INDEX)
    query = _list_query(req, detail)
    if query is not None and query.include_deleted:
        # Deleted servers are read with a context of their own (another transaction).
        return _list_body(context, req, query, detail)
    return db_api.read_together(context, _list_body, req, query, detail)


def _list_body(context, req, query, detail):
    if query is None:
        instances = []
    else:
        instances = req.services.compute_api.list(context, query)
    view = views.ServerView(req)
    if detail:
        view.prefetch(instances)
    body = {'servers': [view.detail(i) if detail else view.summary(i) for i in instances]}
    if query is not None and instances and len(instances) == query.limit:
        body['servers_links'] = common.next_link(
            req, 'servers/detail' if detail else 'servers', instances[-1].uuid)
    return api_request.json_response(body)


def _list_query(req, detail):  # noqa: C901
    """The ListQuery of this request, or None when nothing can match."""
    context, params = req.context, req.GET
    req.check_query(LIST_PARAMETERS)
    all_filters = policy.check(context, server_policies.ALL_FILTERS)
    all_tenants = _all_tenants(req)
    if all_tenants:
        policy.authorize(context, server_policies.DETAIL_ALL_TENANTS if detail
                         else server_policies.INDEX_ALL_TENANTS)
        project_id = params.get('project_id') or params.get('tenant_id')
    else:
        project_id = context.project_id
    limit, marker = req.paging()
    query = compute_api.ListQuery(project_id=project_id, limit=limit, marker=marker,
                                  name=params.get('name'))
    statuses = [s.upper() for s in params.getall('status')]
    if statuses:
        if not set(statuses) <= server_status.ALL_STATUSES:
            if req.version.matches('2.38'):
                raise exception.Invalid(message='Invalid status value')
            return None
        if 'DELETED' in statuses:
            if not context.is_admin:
                return None
            query.include_deleted = True
        query.statuses = statuses
    for param, field in (('image', 'image_ref'), ('flavor', 'flavor_id'),
                         ('reservation_id', 'reservation_id')):
        if params.get(param):
            query.filters[field] = params[param].rsplit('/', 1)[-1]
    if all_filters:
        for field in ('host', 'node'):
            if params.get(field):
                query.filters[field] = params[field]
        deleted = req.query_bool('deleted')
        if deleted:
            query.filters['deleted'] = True
    else:
        req.query_bool('deleted')  # accepted (openstackclient sends deleted=False)
    if not _filter_by_address(req, query):
        return None
    if req.version.matches('2.73'):
        locked = req.query_bool('locked')
        if locked is not None:
            query.filters['locked'] = locked
    since = req.query_time('changes-since') if params.get('changes-since') else None
    if since:
        query.filters['changes-since'] = since
        query.include_deleted = True
    query.sort_keys, query.sort_dirs = _sorting(req, all_filters)
    return query


def _filter_by_address(req, query):
    """Narrow ``query`` to the servers with an address ``ip`` matches (a regular
    expression matched from the address's start, as Nova's); False when none can
    match (an ``ip6`` filter: no server has an IPv6 address)."""
    if req.GET.get('ip6'):
        return False
    if not req.GET.get('ip'):
        return True
    uuids = network_api.instances_with_address(req.context, req.GET['ip'],
                                               query.project_id)
    query.filters['uuid'] = uuids
    return bool(uuids)


def _all_tenants(req):
    if 'all_tenants' not in req.GET:
        return False
    value = req.GET['all_tenants']
    return True if value == '' else req.query_bool('all_tenants')


def _sorting(req, all_filters):
    keys = req.GET.getall('sort_key')
    dirs = [d.lower() for d in req.GET.getall('sort_dir')]
    for key in keys:
        if key not in SORT_KEYS:
            raise exception.InvalidSortKey(key=key)
    for direction in dirs:
        if direction not in ('asc', 'desc'):
            raise exception.InvalidSortDir(dir=direction)
    if not all_filters:
        kept = [(k, d) for k, d in zip(keys, dirs + ['desc'] * len(keys))
                if k not in _ADMIN_SORT_KEYS]
        keys, dirs = [k for k, _ in kept], [d for _, d in kept]
    if not keys:
        return ('created_at',), (dirs[0] if dirs else 'desc',)
    dirs = dirs + [dirs[-1] if dirs else 'desc'] * (len(keys) - len(dirs))
    return tuple(keys), tuple(dirs[:len(keys)])


# -- show / update / delete ------------------------------------------------------------
def show(req, server_id):
    req.check_query((), since='2.102')
    return db_api.read_together(req.context, _show, req, server_id)


def _show(context, req, server_id):
    """The server and what its body shows of other tables, in one transaction."""
    instance = get_authorized(req, server_id, server_policies.SHOW)
    return api_request.json_response({'server': views.ServerView(req).show(instance)})


_UPDATABLE = {'name': 'display_name', 'description': 'display_description',
              'accessIPv4': 'access_ip_v4', 'accessIPv6': 'access_ip_v6',
              'hostname': 'hostname'}


@validation.body(schemas.update)
def update(req, server_id):
    instance = get_authorized(req, server_id, server_policies.UPDATE)
    body = req.validated_body()['server']
    changes = field_changes(body)
    if 'pinned_availability_zone' in body:
        changes['availability_zone'] = _pinning(req, instance, body['pinned_availability_zone'])
    instance = req.services.compute_api.update(req.context, instance, changes)
    return api_request.json_response({'server': views.ServerView(req).updated(instance)})


def _pinning(req, instance, zone):
    """2.104: unpin a server (None: moves may take it to any zone) or pin it again, to
    the zone it is in and no other."""
    if zone is None:
        return None
    current = views.ServerView(req).zone_of(instance)
    if zone != current:
        raise exception.Invalid(message='A server can only be pinned to the availability '
                                        'zone it is in (%s), not %s.' % (current or 'none',
                                                                         zone))
    return zone


def field_changes(body):
    """{instance field: value} of what a server body renames, describes or
    re-addresses (an update's, a rebuild's)."""
    return {_UPDATABLE[k]: _access_ip(v) if k.startswith('accessIP') else v
            for k, v in body.items() if k in _UPDATABLE}


def delete(req, server_id):
    instance = get_authorized(req, server_id, server_policies.DELETE)
    req.services.compute_api.delete(req.context, instance)
    return api_request.empty_response(204)


# -- create -----------------------------------------------------------------------------
@validation.body(schemas.create)
def create(req):
    context = req.context
    policy.authorize(context, server_policies.CREATE)
    body = req.validated_body()
    server = body['server']
    networks = network_api.requested_uuids(server.get('networks'))
    check_user_data(server.get('user_data'))
    availability_zone, forced_host = _placement(req, server)
    _authorize_destination(req, server)
    min_count = api_request.to_int(server.get('min_count', 1), 'min_count', 1)
    max_count = api_request.to_int(server.get('max_count', min_count), 'max_count', 1)
    if min_count > max_count:
        raise exception.ValidationError(field='min_count',
                                        reason='min_count must be <= max_count')
    request = compute_api.CreateRequest(
        name=server['name'], flavor_id=str(server['flavorRef']).rsplit('/', 1)[-1],
        image_id=_boot_image(server), min_count=min_count, max_count=max_count,
        metadata=server.get('metadata') or {}, availability_zone=availability_zone,
        key_name=server.get('key_name'), description=server.get('description'),
        user_data=server.get('user_data'), config_drive=_bool(server.get('config_drive')),
        access_ip_v4=_access_ip(server.get('accessIPv4')),
        access_ip_v6=_access_ip(server.get('accessIPv6')), tags=server.get('tags') or [],
        security_groups=server.get('security_groups') or [],
        hostname=server.get('hostname'), scheduler_hints=_scheduler_hints(body),
        host=server.get('host'), hypervisor_hostname=server.get('hypervisor_hostname'),
        networks=networks)
    try:
        instances, reservation_id = req.services.compute_api.create(context, request,
                                                                    forced_host)
    except exception.ComputeHostNotFound as error:
        raise exception.Invalid(message=error.message)
    if _bool(server.get('return_reservation_id')):
        return api_request.json_response({'reservation_id': reservation_id}, status=202)
    first = instances[0]
    links = common.links(req, 'servers', first.uuid)
    body = {'id': first.uuid, 'links': links, 'OS-DCF:diskConfig': 'MANUAL',
            'security_groups': [{'name': name} for name in security_groups.for_create(
                server.get('security_groups')).split(',')],
            'adminPass': server.get('adminPass') or compute_api.generate_password()}
    return api_request.json_response({'server': body}, status=202,
                                     headers={'Location': links[0]['href']})


def _access_ip(value):
    """An access address as Nova keeps it, in canonical form ('::babe:dc0c:1602' for
    '0:0:0:0:0:babe:220.12.22.2'); None for none."""
    return str(ipaddress.ip_address(value)) if value else None


def _bool(value):
    return str(value).lower() in ('true', '1', 'on', 'yes')


def check_user_data(user_data):
    if user_data is None:
        return
    try:
        base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError):
        raise exception.Invalid(message='User data needs to be valid base 64.')


def _placement(req, server):
    """(the zone the server is pinned to, the host it is forced to) from its
    availability_zone: 'ZONE', 'ZONE:HOST' or ':HOST' (the zone of the host), or none
    ([DEFAULT]/default_schedule_zone). A zone without an enabled compute host is refused
    unless a host is forced."""
    zone = server.get('availability_zone')
    forced_host = None
    if zone and ':' in zone:
        zone, _, rest = zone.partition(':')
        forced_host = rest.split(':', 1)[0] or None
    if forced_host:
        policy.authorize(req.context, server_policies.CREATE_FORCED_HOST)
    zone = zone or CONF.default_schedule_zone
    if zone and forced_host is None and zone not in zones_mod.available(req.context):
        raise exception.Invalid(message='The requested availability zone is not available')
    return zone or None, forced_host


def _authorize_destination(req, server):
    """Only admins may name a new server's host or hypervisor_hostname (2.74)."""
    if server.get('host') or server.get('hypervisor_hostname'):
        policy.authorize(req.context, server_policies.REQUESTED_DESTINATION)


def _scheduler_hints(body):
    """The request's scheduler hints as {name: [strings]}, the form they are stored in."""
    hints = body.get('os:scheduler_hints') or body.get('OS-SCH-HNT:scheduler_hints') or {}
    return {name: [str(v) for v in (value if isinstance(value, list) else [value])]
            for name, value in hints.items()}


def ref_id(ref):
    return ref.rstrip('/').rsplit('/', 1)[-1]


def _boot_image(server):
    """The image to boot: imageRef, or the one image->local mapping openstackclient
    sends beside it. Volumes are not available, so nothing else is accepted."""
    image_ref = server.get('imageRef')
    mappings = server.get('block_device_mapping_v2') or []
    if not mappings:
        if not image_ref:
            raise exception.Invalid(message='Missing imageRef attribute')
        return ref_id(image_ref)
    if len(mappings) != 1 or not _is_local_image_boot(mappings[0]):
        raise exception.Invalid(
            message='Only booting from an image to a local disk is supported: '
                    'block_device_mapping_v2 may hold one entry with source_type image, '
                    'destination_type local and boot_index 0.')
    image_id = mappings[0]['uuid']
    if image_ref and ref_id(image_ref) != image_id:
        raise exception.Invalid(message='imageRef and block_device_mapping_v2 name '
                                        'different images.')
    return image_id


def _is_local_image_boot(mapping):
    return (mapping.get('source_type') == 'image' and mapping.get('uuid') and
            mapping.get('destination_type', 'local') in (None, 'local') and
            str(mapping.get('boot_index')) == '0')
