"""/v2.1/images/{id}/metadata: an image's free properties through the compute API, the
proxy Nova kept until 2.38, over Nimbus's image API (its policies and rules apply)."""
from api_svc.handlers import compute_images
from api_svc.images import store
from api_svc.policies import images as image_policies
from api_svc import policy
from api_svc import quota
from api_svc import request as api_request
from api_svc.schemas import image_metadata as schemas
from api_svc.schemas import images as image_schemas
from api_svc import validation
from svc_common import exception

_LAST = '2.38'


def _image(req, image_id):
    compute_images.check_version(req, _LAST)
    return store.get(req.context, image_id)


def _store(req, image, properties):
    """Replace the image's free properties, as its owner (or an admin) may."""
    policy.authorize(req.context, image_policies.MODIFY, {'project_id': image.owner})
    reserved = sorted(set(properties) & (set(image_schemas.CORE) | image_schemas.READ_ONLY))
    if reserved:
        raise exception.Forbidden(message="Attribute '%s' is reserved." % reserved[0])
    quota.check_metadata_items(req.context, req.context.project_id, properties)
    return store.update(req.context, image.id, properties=properties).properties


def _metadata(properties):
    return api_request.json_response({'metadata': dict(properties)})


def index(req, image_id):
    return _metadata(_image(req, image_id).properties)


@validation.body(schemas.metadata)
def create(req, image_id):
    """POST: add or change the given keys."""
    image = _image(req, image_id)
    body = req.validated_body()
    return _metadata(_store(req, image, dict(image.properties, **body['metadata'])))


@validation.body(schemas.metadata)
def update_all(req, image_id):
    """PUT: the given keys become all of the metadata."""
    image = _image(req, image_id)
    body = req.validated_body()
    return _metadata(_store(req, image, body['metadata']))


def _item(image, key):
    if key not in image.properties:
        raise exception.NotFound(message='Image %s has no metadata with key %s.'
                                         % (image.id, key))
    return image.properties[key]


def show(req, image_id, key):
    image = _image(req, image_id)
    return api_request.json_response({'meta': {key: _item(image, key)}})


@validation.body(schemas.meta_item)
def update(req, image_id, key):
    image = _image(req, image_id)
    meta = req.validated_body()['meta']
    if key not in meta:
        raise exception.Invalid(message='Request body and URI mismatch')
    properties = _store(req, image, dict(image.properties, **meta))
    return api_request.json_response({'meta': {key: properties[key]}})


def delete(req, image_id, key):
    image = _image(req, image_id)
    _item(image, key)
    properties = dict(image.properties)
    del properties[key]
    _store(req, image, properties)
    return api_request.empty_response(204)
