"""/flavors and /flavors/{id}/os-extra_specs."""
from oslo_utils import uuidutils

from api_svc import flavor_access
from api_svc.policies import flavors as flavor_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc.schemas import flavors as schemas
from api_svc import validation
from api_svc.views import common
from api_svc.views import flavors as views
from svc_common import exception
from svc_common import objects

SORT_KEYS = ('flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb', 'swap',
             'rxtx_factor', 'is_public', 'disabled', 'description', 'created_at', 'id')
_LIST_QUERY = ('limit', 'marker', 'is_public', 'minRam', 'minDisk', 'sort_key', 'sort_dir',
               'name')


def _sort_keys(version):
    """2.102 dropped rxtx_factor (it did nothing)."""
    return tuple(k for k in SORT_KEYS if k != 'rxtx_factor' or not version.matches('2.102'))


# -- list and show ----------------------------------------------------------------------
def index(req):
    flavors = _list(req)
    body = {'flavors': [views.summary(req, f) for f in flavors]}
    return _with_next(req, body, flavors, 'flavors')


def detail(req):
    flavors = _list(req)
    view = views.FlavorView(req)
    body = {'flavors': [view.detail(f) for f in flavors]}
    return _with_next(req, body, flavors, 'flavors/detail')


def _with_next(req, body, flavors, collection):
    limit, _ = req.paging()
    if flavors and len(flavors) == limit:
        body['flavors_links'] = common.next_link(req, collection, flavors[-1].flavorid)
    return api_request.json_response(body)


def _list(req):
    context = req.context
    req.check_query(_LIST_QUERY, since='2.102')
    is_public = _is_public(req.GET.get('is_public')) if context.is_admin else True
    filters = flavor_access.list_filters(context, is_public)
    min_ram = req.query_int('minRam', minimum=0)
    if min_ram is not None:
        filters['min_memory_mb'] = min_ram
    min_disk = req.query_int('minDisk', minimum=0)
    if min_disk is not None:
        filters['min_root_gb'] = min_disk
    if req.version.matches('2.102') and req.GET.get('name'):
        filters['name'] = req.GET['name']  # a regular expression, as for servers
    sort_key = req.GET.get('sort_key', 'flavorid')
    sort_dir = req.GET.get('sort_dir', 'asc').lower()
    if sort_key not in _sort_keys(req.version):
        raise exception.Invalid(message='Invalid sort_key: %s' % sort_key)
    if sort_dir not in ('asc', 'desc'):
        raise exception.Invalid(message='Invalid sort_dir: %s' % sort_dir)
    limit, marker = req.paging()
    try:
        return list(objects.FlavorList.get_all(context, filters, limit=limit, marker=marker,
                                               sort_key=sort_key, sort_dir=sort_dir))
    except exception.FlavorNotFound:
        raise exception.MarkerNotFound(marker=marker)


def _is_public(value):
    """True (the default), False, or None for 'none' (every flavor)."""
    if value is None:
        return True
    if value.lower() == 'none':
        return None
    lowered = value.lower()
    if lowered in ('true', 't', '1', 'yes', 'y', 'on'):
        return True
    if lowered in ('false', 'f', '0', 'no', 'n', 'off'):
        return False
    raise exception.Invalid(message='Invalid is_public filter [%s]' % value)


def show(req, flavor_id):
    req.check_query((), since='2.102')
    flavor = flavor_access.get_visible(req.context, flavor_id)
    return api_request.json_response({'flavor': views.FlavorView(req).detail(flavor)})


# -- manage ------------------------------------------------------------------------------
@validation.body(schemas.create)
def create(req):
    context = req.context
    policy.authorize(context, flavor_policies.CREATE)
    body = req.validated_body()['flavor']
    flavor_id = body.get('id')
    flavor = objects.Flavor(
        context=context,
        flavorid=str(flavor_id) if flavor_id is not None else uuidutils.generate_uuid(),
        name=body['name'], memory_mb=api_request.to_int(body['ram'], 'ram', 1),
        vcpus=api_request.to_int(body['vcpus'], 'vcpus', 1),
        root_gb=api_request.to_int(body['disk'], 'disk', 0),
        ephemeral_gb=api_request.to_int(body.get('OS-FLV-EXT-DATA:ephemeral') or 0,
                                        'OS-FLV-EXT-DATA:ephemeral', 0),
        swap=api_request.to_int(body.get('swap') or 0, 'swap', 0),
        rxtx_factor=float(body.get('rxtx_factor', 1.0)),
        is_public=str(body.get('os-flavor-access:is_public', True)).lower() in (
            'true', '1', 'on', 'yes'),
        description=body.get('description'))
    flavor.create()
    return api_request.json_response({'flavor': views.FlavorView(req).detail(flavor)})


@validation.body(schemas.update)
def update(req, flavor_id):
    context = req.context
    if not req.version.matches('2.55'):
        raise exception.Invalid(message='Updating a flavor needs microversion 2.55 or later.')
    policy.authorize(context, flavor_policies.UPDATE)
    body = req.validated_body()['flavor']
    flavor = objects.Flavor.get_by_flavor_id(context, flavor_id)
    flavor.description = body['description']
    flavor.save()
    return api_request.json_response({'flavor': views.FlavorView(req).detail(flavor)})


def delete(req, flavor_id):
    policy.authorize(req.context, flavor_policies.DELETE)
    objects.Flavor.get_by_flavor_id(req.context, flavor_id).destroy()
    return api_request.empty_response(202)


# -- extra specs --------------------------------------------------------------------------
def extra_specs_index(req, flavor_id):
    req.check_query((), since='2.102')
    policy.authorize(req.context, flavor_policies.EXTRA_SPECS_INDEX)
    flavor = objects.Flavor.get_by_flavor_id(req.context, flavor_id)
    return api_request.json_response({'extra_specs': dict(flavor.extra_specs or {})})


@validation.body(schemas.extra_specs)
def extra_specs_create(req, flavor_id):
    policy.authorize(req.context, flavor_policies.EXTRA_SPECS_CREATE)
    specs = req.validated_body()['extra_specs']
    specs = {k: _spec_text(v) for k, v in specs.items()}
    flavor = objects.Flavor.get_by_flavor_id(req.context, flavor_id)
    flavor.extra_specs = dict(flavor.extra_specs or {}, **specs)
    flavor.save()
    return api_request.json_response({'extra_specs': specs})


def extra_spec_show(req, flavor_id, key):
    req.check_query((), since='2.102')
    policy.authorize(req.context, flavor_policies.EXTRA_SPECS_SHOW)
    flavor = objects.Flavor.get_by_flavor_id(req.context, flavor_id)
    if key not in (flavor.extra_specs or {}):
        raise exception.NotFound(message='Flavor %s has no extra spec with key %s.'
                                         % (flavor_id, key))
    return api_request.json_response({key: flavor.extra_specs[key]})


@validation.body(schemas.one_extra_spec)
def extra_spec_update(req, flavor_id, key):
    policy.authorize(req.context, flavor_policies.EXTRA_SPECS_UPDATE)
    body = req.validated_body()
    if key not in body:
        raise exception.Invalid(message='The request body and the URI name different keys.')
    flavor = objects.Flavor.get_by_flavor_id(req.context, flavor_id)
    flavor.extra_specs = dict(flavor.extra_specs or {}, **{key: _spec_text(body[key])})
    flavor.save()
    return api_request.json_response({key: flavor.extra_specs[key]})


def extra_spec_delete(req, flavor_id, key):
    policy.authorize(req.context, flavor_policies.EXTRA_SPECS_DELETE)
    flavor = objects.Flavor.get_by_flavor_id(req.context, flavor_id)
    specs = dict(flavor.extra_specs or {})
    if key not in specs:
        raise exception.NotFound(message='Flavor %s has no extra spec with key %s.'
                                         % (flavor_id, key))
    del specs[key]
    flavor.extra_specs = specs
    flavor.save()
    return api_request.empty_response(200)  # Nova's code here, unlike a flavor's 202


def _spec_text(value):
    if isinstance(value, bool):
        return 'True' if value else 'False'
    return str(value)

