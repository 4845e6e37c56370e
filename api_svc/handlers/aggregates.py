"""/os-aggregates: host aggregates, their hosts and metadata (admin)."""
from api_svc import compute_api
from api_svc.images import store as image_store
from api_svc.policies import aggregates as aggregate_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc.schemas import aggregates as schemas
from api_svc import validation
from api_svc.views import aggregates as views
from svc_common import exception
from svc_common import objects


def _respond(req, aggregate, with_members=True):
    return api_request.json_response({'aggregate': views.view(req, aggregate,
                                                              with_members)})


def _get(req, aggregate_id):
    try:
        number = int(aggregate_id)
    except ValueError:
        raise exception.Invalid(message='Invalid aggregate id %s: it must be an integer.'
                                        % aggregate_id)
    return objects.Aggregate.get_by_id(req.context, number)


def index(req):
    policy.authorize(req.context, aggregate_policies.INDEX)
    req.check_query((), since='2.102')
    aggregates = objects.AggregateList.get_all(req.context)
    return api_request.json_response({'aggregates': [views.view(req, a)
                                                     for a in aggregates]})


@validation.body(schemas.create)
def create(req):
    policy.authorize(req.context, aggregate_policies.CREATE)
    body = req.validated_body()['aggregate']
    aggregate = objects.Aggregate.create(req.context, body['name'],
                                         body.get('availability_zone'))
    return _respond(req, aggregate, with_members=False)


def show(req, aggregate_id):
    policy.authorize(req.context, aggregate_policies.SHOW)
    req.check_query((), since='2.102')
    return _respond(req, _get(req, aggregate_id))


@validation.body(schemas.update)
def update(req, aggregate_id):
    policy.authorize(req.context, aggregate_policies.UPDATE)
    body = req.validated_body()['aggregate']
    return _respond(req, _get(req, aggregate_id).update(**body))


def delete(req, aggregate_id):
    policy.authorize(req.context, aggregate_policies.DELETE)
    _get(req, aggregate_id).destroy()
    return api_request.empty_response(200)


# -- POST /os-aggregates/{id}/action ---------------------------------------------------
@validation.body(schemas.add_host)
def _add_host(req, aggregate_id, body):
    policy.authorize(req.context, aggregate_policies.ADD_HOST)
    host = req.validated_body(body)['add_host']['host']
    aggregate = _get(req, aggregate_id)
    if compute_api.compute_service(req.context, host) is None:
        raise exception.ComputeHostNotFound(host=host)
    return aggregate.add_host(host)


@validation.body(schemas.remove_host)
def _remove_host(req, aggregate_id, body):
    policy.authorize(req.context, aggregate_policies.REMOVE_HOST)
    host = req.validated_body(body)['remove_host']['host']
    aggregate = _get(req, aggregate_id)
    if host not in aggregate.hosts and compute_api.compute_service(req.context,
                                                                   host) is None:
        raise exception.ComputeHostNotFound(host=host)
    return aggregate.remove_host(host)


@validation.body(schemas.set_metadata)
def _set_metadata(req, aggregate_id, body):
    policy.authorize(req.context, aggregate_policies.SET_METADATA)
    metadata = req.validated_body(body)['set_metadata']['metadata']
    zone = metadata.get(objects.aggregate.AZ_KEY)
    if zone is not None:
        validation.validate(schemas.zone, zone)
    return _get(req, aggregate_id).update_metadata(metadata)


_ACTIONS = {'add_host': _add_host, 'remove_host': _remove_host,
            'set_metadata': _set_metadata}


def action(req, aggregate_id):
    body = req.json_body()
    if not isinstance(body, dict) or len(body) != 1 or next(iter(body)) not in _ACTIONS:
        raise exception.Invalid(message='An aggregate action body names exactly one of '
                                        'add_host, remove_host and set_metadata.')
    return _respond(req, _ACTIONS[next(iter(body))](req, aggregate_id, body))


action.actions = _ACTIONS


@validation.body(schemas.cache_images)
def cache_images(req, aggregate_id):
    """2.81: Nimbus's computes fetch an image into their cache when a server first
    needs it; asking them to fetch one ahead of time is not built. The request is
    checked as Nova checks it, then refused."""
    if not req.version.matches('2.81'):
        raise exception.NotFound(message='The resource could not be found.')
    policy.authorize(req.context, aggregate_policies.IMAGES)
    images = req.validated_body()['cache']
    _get(req, aggregate_id)
    for image in images:
        try:
            image_store.get(req.context, image['id'])
        except exception.ImageNotFound as error:
            raise exception.Invalid(message=error.message)
    raise exception.NotSupported(what='Caching images on the hosts of an aggregate ahead '
                                      'of their use')
