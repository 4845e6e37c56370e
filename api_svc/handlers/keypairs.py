"""/os-keypairs: a user's key pairs, by name. From 2.10 an admin names another user
with ``user_id`` (query parameter, or in the body of a create)."""
from api_svc import keypair_api
from api_svc.policies import keypairs as keypair_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc.schemas import keypairs as schemas
from api_svc import validation
from api_svc.views import common
from api_svc.views import keypairs as views
from svc_common import objects
from svc_common.objects import keypair as keypair_obj


def index(req):
    context, version = req.context, req.version
    paged = version.matches('2.35')
    req.check_query(('user_id', 'limit', 'marker') if paged else ('user_id',))
    user_id = _owner(req)
    policy.authorize(context, keypair_policies.INDEX, {'user_id': user_id})
    limit, marker = req.paging() if paged else (None, None)
    key_pairs = objects.KeyPairList.get_by_user(context, user_id, limit=limit,
                                                marker=marker)
    body = {'keypairs': [{'keypair': views.summary(version, kp)} for kp in key_pairs]}
    if paged and key_pairs and len(key_pairs) == limit:
        body['keypairs_links'] = common.next_link(req, 'os-keypairs', key_pairs[-1].name)
    return api_request.json_response(body)


def show(req, name):
    context = req.context
    req.check_query(('user_id',))
    user_id = _owner(req)
    policy.authorize(context, keypair_policies.SHOW, {'user_id': user_id})
    key_pair = objects.KeyPair.get_by_name(context, user_id, name)
    return api_request.json_response({'keypair': views.detail(req.version, key_pair)})


@validation.body(schemas.create)
def create(req):
    context, version = req.context, req.version
    body = req.validated_body()['keypair']
    user_id = body.get('user_id') or context.user_id
    policy.authorize(context, keypair_policies.CREATE, {'user_id': user_id})
    key_pair, private_key = keypair_api.create(
        context, user_id, body['name'], body.get('type', keypair_obj.TYPE_SSH),
        body.get('public_key'))
    return api_request.json_response(
        {'keypair': views.created(version, key_pair, private_key)},
        status=201 if version.matches('2.2') else 200)


def delete(req, name):
    context = req.context
    req.check_query(('user_id',))
    user_id = _owner(req)
    policy.authorize(context, keypair_policies.DELETE, {'user_id': user_id})
    objects.KeyPair.destroy_by_name(context, user_id, name)
    return api_request.empty_response(204 if req.version.matches('2.2') else 202)


def _owner(req):
    """Whose key pairs: the ``user_id`` parameter (2.10), else the caller."""
    if req.version.matches('2.10') and req.GET.get('user_id'):
        return req.GET['user_id']
    return req.context.user_id

