"""The image API under /image: Glance v2's shapes for records, data and errors."""
import copy
from urllib.parse import urlencode

import webob
from webob import static as webob_static

from api_svc.images import store
from api_svc.policies import images as image_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc.schemas import images as schemas
from api_svc import validation
from api_svc.views import common
from svc_common.conf import CONF
from svc_common import exception

DEFAULT_LIMIT = 25
PATCH_TYPES = ('application/openstack-images-v2.1-json-patch',
               'application/openstack-images-v2.0-json-patch')
_IN_FILTERS = ('id', 'name', 'status', 'disk_format', 'container_format')
_EQ_FILTERS = ('visibility', 'owner', 'protected')
# Query parameters that are not free-property filters (any other name is: Glance v2
# filters on additional properties by their plain names, e.g. image_type=backup).
_NOT_PROPERTIES = frozenset(_IN_FILTERS + _EQ_FILTERS + (
    'limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'member_status', 'os_hidden',
    'tag', 'size_min', 'size_max', 'created_at', 'updated_at'))


def _target(image):
    return {'project_id': image.owner}


def view(image):
    body = dict(image.properties)
    body.update({
        'id': image.id, 'name': image.name, 'status': image.status,
        'disk_format': image.disk_format, 'container_format': image.container_format,
        'visibility': image.visibility, 'size': image.size,
        'virtual_size': image.virtual_size, 'checksum': image.checksum,
        'os_hash_algo': image.os_hash_algo, 'os_hash_value': image.os_hash_value,
        'min_disk': image.min_disk, 'min_ram': image.min_ram, 'owner': image.owner,
        'protected': image.protected, 'os_hidden': False, 'tags': list(image.tags),
        'created_at': common.iso_z(image.created_at),
        'updated_at': common.iso_z(image.updated_at),
        'self': '/v2/images/%s' % image.id, 'file': '/v2/images/%s/file' % image.id,
        'schema': '/v2/schemas/image',
    })
    if image.location:
        body['direct_url'] = image.location
    return body


# -- discovery ---------------------------------------------------------------------------
def versions(req):
    href = '%s/image/v2/' % req.base_url
    listed = [{'id': 'v2.16', 'status': 'CURRENT', 'links': [{'rel': 'self', 'href': href}]},
              {'id': 'v2.0', 'status': 'SUPPORTED',
               'links': [{'rel': 'self', 'href': href}]}]
    status = 200 if req.path_info.rstrip('/').endswith(('/v2', '/versions')) else 300
    return api_request.json_response({'versions': listed}, status=status)


# -- records -----------------------------------------------------------------------------
def _split(body):
    """(column values, free properties) of a create body; 403 for read-only keys."""
    for key in body:
        if key in schemas.READ_ONLY:
            raise exception.Forbidden(message="Attribute '%s' is read-only." % key)
    values = {k: v for k, v in body.items() if k in schemas.CORE and k != 'os_hidden'}
    properties = {k: v for k, v in body.items() if k not in schemas.CORE}
    return values, properties


def _check_settable(context, values):
    if values.get('visibility') == store.Visibility.PUBLIC:
        policy.authorize(context, image_policies.PUBLICIZE)
    owner = values.get('owner')
    if owner is not None and owner != context.project_id and not context.is_admin:
        raise exception.Forbidden(message='You are not permitted to set the owner of an '
                                          'image to another project.')


@validation.body(schemas.image)
def create(req):
    context = req.context
    policy.authorize(context, image_policies.ADD)
    body = req.json_body()
    if not isinstance(body, dict):
        raise exception.Invalid(message='The body of an image is a JSON object.')
    values, properties = _split(body)
    req.validated_body(body)
    _check_settable(context, values)
    image = store.create(context, values, properties)
    return api_request.json_response(view(image), status=201,
                                     headers={'Location': '%s/image/v2/images/%s'
                                              % (req.base_url, image.id)})


def show(req, image_id):
    policy.authorize(req.context, image_policies.GET)
    return api_request.json_response(view(store.get(req.context, image_id)))


def index(req):
    context = req.context
    policy.authorize(context, image_policies.LIST)
    limit = min(req.query_int('limit', DEFAULT_LIMIT, minimum=0), CONF.api.max_limit)
    filters = {}
    for name in _IN_FILTERS + _EQ_FILTERS:
        value = req.GET.get(name)
        if value is None or name == 'visibility':
            continue
        if name in _IN_FILTERS and value.startswith('in:'):
            filters[name] = [v.strip('"') for v in value[3:].split(',') if v]
        elif name == 'protected':
            filters[name] = req.query_bool('protected')
        else:
            filters[name] = value
    visibility = req.GET.get('visibility')
    if visibility is not None and visibility not in schemas.VISIBILITIES + ['all']:
        raise exception.Invalid(message='Invalid visibility value: %s' % visibility)
    properties = {k: v for k, v in req.GET.items()
                  if k not in _NOT_PROPERTIES and k not in schemas.CORE and
                  k not in schemas.READ_ONLY}
    images = store.list_images(context, filters, visibility=visibility, sort=_sort(req),
                               limit=limit, marker=req.GET.get('marker'),
                               properties=properties)
    body = {'images': [view(i) for i in images], 'first': '/v2/images',
            'schema': '/v2/schemas/images'}
    if images and len(images) == limit:
        params = [(k, v) for k, v in req.GET.items() if k != 'marker']
        params.append(('marker', images[-1].id))
        body['next'] = '/v2/images?%s' % urlencode(params)
    return api_request.json_response(body)


def _sort(req):
    """[(key, dir)] from sort=k1:asc,k2 or sort_key/sort_dir pairs."""
    pairs = []
    if req.GET.get('sort'):
        for item in req.GET['sort'].split(','):
            key, _, direction = item.strip().partition(':')
            pairs.append((key, direction or 'desc'))
    else:
        keys = req.GET.getall('sort_key') or ['created_at']
        dirs = req.GET.getall('sort_dir') or ['desc']
        dirs += [dirs[-1]] * (len(keys) - len(dirs))
        pairs = list(zip(keys, dirs))
    for key, direction in pairs:
        if key not in store.SORT_KEYS:
            raise exception.Invalid(message='Invalid sort key: %s' % key)
        if direction not in ('asc', 'desc'):
            raise exception.Invalid(message='Invalid sort direction: %s' % direction)
    return pairs


@validation.body(schemas.patch, content_type=PATCH_TYPES[0])
def update(req, image_id):
    context = req.context
    image = store.get(context, image_id)
    policy.authorize(context, image_policies.MODIFY, _target(image))
    if req.content_type not in PATCH_TYPES:
        raise exception.UnsupportedMediaType(content_type=req.content_type)
    ops = req.json_body(content_types=PATCH_TYPES)
    if req.content_type == PATCH_TYPES[1]:
        ops = _from_v20(ops)
    ops = req.validated_body(ops)
    values, properties = _apply_patch(image, ops)
    _check_settable(context, {k: v for k, v in values.items()
                              if getattr(image, k) != v})
    image = store.update(context, image_id, values, properties)
    return api_request.json_response(view(image))


def _from_v20(ops):
    """The v2.0 patch media type names each operation by its key ({"add": "/path",
    "value": V}, as Tempest's image client sends); the same operations as v2.1 writes
    them. Anything else is left for the schema to refuse."""
    if not isinstance(ops, list):
        return ops
    converted = []
    for op in ops:
        named = [name for name in ('add', 'replace', 'remove')
                 if isinstance(op, dict) and name in op]
        if len(named) == 1 and 'op' not in op:
            op = dict({k: v for k, v in op.items() if k != named[0]}, op=named[0],
                      path=op[named[0]])
        converted.append(op)
    return converted


def _apply_patch(image, ops):  # noqa: C901
    """(changed column values, all free properties) after the JSON-patch ``ops``."""
    values = {}
    properties = copy.deepcopy(image.properties)
    for op in ops:
        name = op['path'].lstrip('/')
        if name in schemas.READ_ONLY or name == 'id':
            raise exception.Forbidden(message="Attribute '%s' is read-only." % name)
        if name in schemas.CORE:
            if op['op'] == 'remove':
                raise exception.Forbidden(message="Attribute '%s' cannot be removed."
                                                  % name)
            value = op.get('value')
            validation.validate(schemas.CORE[name], value)
            if name == 'owner' and value is None:
                raise exception.Invalid(message='An image keeps an owner: owner cannot '
                                                'be null.')
            if name in ('disk_format', 'container_format') and \
                    image.status != store.ImageStatus.QUEUED:
                raise exception.Forbidden(message="Attribute '%s' can be only replaced "
                                                  "for a queued image." % name)
            if name != 'os_hidden':
                values[name] = value
        elif op['op'] == 'remove':
            if name not in properties:
                raise exception.Conflict(reason='property %s does not exist' % name)
            del properties[name]
        else:
            if op['op'] == 'replace' and name not in properties:
                raise exception.Conflict(reason='property %s does not exist' % name)
            if not isinstance(op.get('value'), str):
                raise exception.Invalid(message='Property %s must be a string.' % name)
            properties[name] = op['value']
    return values, properties


def tasks(req, image_id):
    """The image's import tasks: none (data is only ever uploaded)."""
    policy.authorize(req.context, image_policies.GET)
    store.get(req.context, image_id)
    return api_request.json_response({'tasks': []})


def delete(req, image_id):
    context = req.context
    image = store.get(context, image_id)
    policy.authorize(context, image_policies.DELETE, _target(image))
    store.delete(context, image_id)
    return api_request.empty_response(204)


@validation.body(None)
def add_tag(req, image_id, tag):
    context = req.context
    image = store.get(context, image_id)
    policy.authorize(context, image_policies.MODIFY, _target(image))
    store.update(context, image_id, {'tags': list(image.tags) + [tag]})
    return api_request.empty_response(204)


def remove_tag(req, image_id, tag):
    context = req.context
    image = store.get(context, image_id)
    policy.authorize(context, image_policies.MODIFY, _target(image))
    if tag not in image.tags:
        raise exception.NotFound(message='Tag %s not found.' % tag)
    store.update(context, image_id, {'tags': [t for t in image.tags if t != tag]})
    return api_request.empty_response(204)


# -- data --------------------------------------------------------------------------------
@validation.body(schemas.image_data, content_type='application/octet-stream')
def upload(req, image_id):
    context = req.context
    image = store.get(context, image_id)
    policy.authorize(context, image_policies.UPLOAD, _target(image))
    if req.content_type not in ('', 'application/octet-stream'):
        raise exception.UnsupportedMediaType(content_type=req.content_type)
    length = req.content_length
    if length is None and not req.environ.get('wsgi.input_terminated'):
        raise exception.LengthRequired()
    store.upload(context, image_id, req.environ['wsgi.input'], length)
    return api_request.empty_response(204)


@validation.body(schemas.location)
def add_location(req, image_id):
    """The data of a queued image is already in the store (a compute host made it
    there from an instance's disk): the image becomes active with that location."""
    context = req.context
    image = store.get(context, image_id)
    policy.authorize(context, image_policies.UPLOAD, _target(image))
    store.add_location(context, image_id, req.validated_body()['url'])
    return api_request.empty_response(202)


def download(req, image_id):
    context = req.context
    policy.authorize(context, image_policies.DOWNLOAD)
    image, data = store.open_data(context, image_id)
    if data is None:
        return api_request.empty_response(204)
    resp = webob.Response(content_type='application/octet-stream', charset=None)
    resp.app_iter = webob_static.FileIter(data)
    resp.content_length = image.size
    resp.headers['Content-MD5'] = image.checksum or ''
    return resp


# -- schemas (enough for clients that fetch them) -----------------------------------------
def _image_schema():
    properties = copy.deepcopy(schemas.CORE)
    for name in sorted(schemas.READ_ONLY):
        properties.setdefault(name, {'type': ['null', 'string', 'integer', 'array'],
                                     'readOnly': True})
    return {'name': 'image', 'properties': properties,
            'additionalProperties': {'type': 'string'},
            'links': [{'rel': 'self', 'href': '{self}'},
                      {'rel': 'enclosure', 'href': '{file}'},
                      {'rel': 'describedby', 'href': '{schema}'}]}


def image_schema(req):
    return api_request.json_response(_image_schema())


def images_schema(req):
    return api_request.json_response({
        'name': 'images',
        'properties': {'images': {'type': 'array', 'items': _image_schema()},
                       'schema': {'type': 'string'}, 'first': {'type': 'string'},
                       'next': {'type': 'string'}},
        'links': [{'rel': 'first', 'href': '{first}'}, {'rel': 'next', 'href': '{next}'},
                  {'rel': 'describedby', 'href': '{schema}'}]})
